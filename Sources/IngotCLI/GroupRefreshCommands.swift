import ArgumentParser
import Foundation
import IngotAWS
import IngotCore
import IngotLocal
import IngotRollout

struct GroupsRefresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "StartInstanceRefresh: roll the group onto its launch template version (or --desired-version) with a strategy.",
        discussion: """
            On the local cloud the refresh is simulated in virtual time and its result written to the store in one transaction: instances on the new version, a refresh record that `ingot groups refreshes` lists. Exit 3 when it fails, rolls back or is cancelled.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var groupArgument: GroupArgument
    var group: String { groupArgument.name }
    @OptionGroup var region: RegionOption
    @Option(name: .customLong("desired-version"), help: "DesiredConfiguration: the launch template version to move to (a number, $Latest or $Default); set on the group when the refresh succeeds.", transform: { try TemplateVersion($0, field: "desired-version") }) var desiredVersion: TemplateVersion?
    @OptionGroup var refresh: RefreshOptions
    @OptionGroup var faults: WorldOptions
    @OptionGroup var run: RunOptions
    @Flag(help: "With --cloud aws: follow the refresh (DescribeInstanceRefreshes) until it ends; exit 3 if it fails or rolls back.") var wait = false
    @Option(name: .customLong("poll-interval"), help: "With --wait: seconds between checks (default 15).") var pollInterval = 15.0

    func run() async throws {
        let (preferences, strategy) = try refresh.prepare(run)
        if try global.cloudKind == .aws { return try await runOnAWS(preferences, strategy: strategy) }
        guard run.runs == 1 else { throw IngotError.invalid("runs", "a refresh runs once; use `ingot simulate rollout --runs N` for statistics") }
        let region = try region.resolve()
        let refresh = try await GroupRefresh.run(cloud: try await global.cloud(), region: region, group: group, desiredVersion: desiredVersion,
                                                 preferences: preferences, strategy: strategy, world: { try faults.world(zones: $0) },
                                                 seed: run.seed, record: run.timeline != nil || run.svg != nil, now: try global.clock().now)
        if let note = refresh.adjusted.replacementOrderNote { Output.note(note) }
        let (result, fleet, record) = (refresh.result, refresh.fleet, refresh.refresh)
        try RolloutReport.write(result, spec: fleet.spec, options: run)
        if global.structured {
            try Output.document(global.output, record)
        } else {
            try RolloutReport.print(result, global: global)
            Output.note("refresh \(record.instanceRefreshId) of \(group): \(record.status.rawValue); `ingot groups refreshes \(group)` lists it")
        }
        if result.status.isProblem { throw CommandFailure(code: 3) }
    }
}

extension GroupsRefresh {
    /// On AWS the real instance refresh does the rollout: StartInstanceRefresh with the preferences and a
    /// DesiredConfiguration pinned to a numbered version (so a rollback returns to the saved configuration).
    func runOnAWS(_ preferences: RefreshPreferences, strategy: any RolloutDecider) async throws {
        let name = strategy.instanceName
        if faults.launchFailureRate != 0 || faults.unhealthyRate != 0 || faults.ice != nil || faults.outage != nil || faults.alarmAt != nil
            || !faults.scale.isEmpty || faults.cancelAt != nil || run.timeline != nil || run.svg != nil {
            throw IngotError.invalid("cloud", "faults, --timeline and --svg belong to the simulation; on AWS the real refresh runs")
        }
        guard run.runs == 1 else { throw IngotError.invalid("runs", "a refresh runs once") }
        try StartInstanceRefreshRequest.validate(strategy: name, preferences: preferences)
        let region = try region.resolve()
        try await global.withCloud { cloud, _ in
            let request = try await StartInstanceRefreshRequest.pinned(group: group, region: region, desiredVersion: desiredVersion,
                                                                       preferences: preferences, strategy: name, cloud: cloud)
            let version = request.launchTemplateVersion
            let id = try await cloud.startInstanceRefresh(request)
            if !wait {
                if global.structured {
                    struct Started: Encodable { let instanceRefreshId, autoScalingGroupName: String; let launchTemplateVersion: Int? }
                    try Output.document(global.output, Started(instanceRefreshId: id, autoScalingGroupName: group, launchTemplateVersion: version))
                } else {
                    Output.line("\(id) started: \(group) onto \(request.launchTemplateName)\(version.map { ":\($0)" } ?? " (the group's own version)"); follow it with `ingot groups refreshes \(group) --cloud aws` or --wait")
                }
                return
            }
            let final = try await Self.follow(cloud, region: region, group: group, id: id, interval: pollInterval)
            if global.structured { try Output.document(global.output, final) } else {
                Output.line("\(id): \(final.status.rawValue)\(final.statusReason.map { ": \($0)" } ?? "")")
            }
            if final.status != .successful { throw CommandFailure(code: 3) }
        }
    }

    /// Follows the refresh to its end, with a progress bar on a TTY.
    static func follow(_ cloud: some InstanceRefreshCloud, region: Region, group: String, id: String, interval: Double) async throws -> InstanceRefresh {
        let tty = isatty(STDERR_FILENO) == 1
        let final = try await cloud.waitForInstanceRefresh(region: region, group: group, id: id, interval: interval) { r in
            guard tty else { return }
            let pct = max(0, min(100, r.percentageComplete))
            let bar = String(repeating: "#", count: pct / 4) + String(repeating: ".", count: 25 - pct / 4)
            FileHandle.standardError.write(Data("\r[\(bar)] \(pct)% \(r.status.rawValue) (\(r.instancesToUpdate) to update)\u{1B}[K".utf8))
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        return final
    }
}

struct GroupsRefreshes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "refreshes", abstract: "DescribeInstanceRefreshes: a group's refreshes, newest first.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var groupArgument: GroupArgument
    var group: String { groupArgument.name }
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        let refreshes = try await global.withCloud { cloud, _ in try await cloud.describeInstanceRefreshes(region: region, group: group) }
        if global.structured {
            struct List: Encodable { let instanceRefreshes: [InstanceRefresh] }
            try Output.document(global.output, List(instanceRefreshes: refreshes))
            return
        }
        Output.table(["REFRESH", "STATUS", "STRATEGY", "VERSION", "COMPLETE", "TO UPDATE", "START", "END", "REASON"], refreshes.map(Self.row))
    }

    static func row(_ r: InstanceRefresh) -> [String] {
        let from = r.previousLaunchTemplateVersion.map(String.init) ?? "-", to = r.desiredLaunchTemplateVersion.map(String.init) ?? "-"
        let rolledBack = r.status == .rollbackSuccessful || r.status == .rollbackFailed
        let versions = "\(from) -> \(to)" + (rolledBack ? " -> \(from) (rolled back)" : "")
        return [r.instanceRefreshId, r.status.rawValue, r.strategy, versions, "\(r.percentageComplete)%", String(r.instancesToUpdate),
                Output.time(r.startTime), Output.time(r.endTime), r.statusReason ?? "-"]
    }
}

/// CancelInstanceRefresh / RollbackInstanceRefresh of the group's refresh in progress.
struct GroupsStopRefresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel-refresh", abstract: "CancelInstanceRefresh (AWS; local refreshes finish as they are simulated).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var groupArgument: GroupArgument
    var group: String { groupArgument.name }
    @OptionGroup var region: RegionOption

    func run() async throws { try await GroupsRollbackRefresh.stop(global: global, group: group, region: try region.resolve(), rollback: false) }
}

struct GroupsRollbackRefresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rollback-refresh", abstract: "RollbackInstanceRefresh to the saved configuration (AWS).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var groupArgument: GroupArgument
    var group: String { groupArgument.name }
    @OptionGroup var region: RegionOption

    func run() async throws { try await Self.stop(global: global, group: group, region: try region.resolve(), rollback: true) }

    static func stop(global: GlobalOptions, group: String, region: Region, rollback: Bool) async throws {
        let id = try await global.withCloud { cloud, _ in
            rollback ? try await cloud.rollbackInstanceRefresh(region: region, group: group) : try await cloud.cancelInstanceRefresh(region: region, group: group)
        }
        Output.line("\(id): \(rollback ? "rolling back" : "cancelling")")
    }
}
