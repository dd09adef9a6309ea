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
    @Option(name: .customLong("desired-version"), help: "DesiredConfiguration: the launch template version to move to (a number, $Latest or $Default); set on the group when the refresh succeeds.") var desiredVersion: String?
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
        let cloud = try global.cloud()
        let fleet = try await GroupFleet.load(cloud: cloud, region: region, group: group, desiredVersion: desiredVersion)
        if strategy.adjusted(preferences).autoRollback,
           let refusal = AutoRollbackPrerequisites.refusal(group: group, desiredVersion: try desiredVersion.map { try TemplateVersionSelector($0, field: "desired-version") },
                                                          imageIsParameter: fleet.imageIsParameter) {
            throw refusal
        }
        let world = try faults.world(zones: fleet.spec.zones)
        if let note = strategy.adjusted(preferences).replacementOrderNote { Output.note(note) }
        var sim = try RolloutSimulation(spec: fleet.spec, preferences: preferences, world: world, strategy: strategy, seed: run.seed,
                                        record: run.timeline != nil || run.svg != nil)
        let result = sim.run()
        let outcome = fleet.outcome(result, start: try global.clock().now, preferences: refresh.awsPreferences(strategy.adjusted(preferences)),
                                    desiredGiven: desiredVersion != nil)
        let record = outcome.refresh
        try await cloud.applyInstanceRefresh(region: region, group: group, outcome: outcome)
        try RolloutReport.write(result, spec: fleet.spec, options: run)
        if global.structured {
            try Output.document(global.output, record)
        } else {
            try RolloutReport.print(result, global: global)
            Output.note("refresh \(record.instanceRefreshId) of \(group): \(record.status); `ingot groups refreshes \(group)` lists it")
        }
        if result.status.isProblem { throw CommandFailure(code: 3) }
    }
}

extension GroupsRefresh {
    /// On AWS the real instance refresh does the rollout: StartInstanceRefresh with the preferences and a
    /// DesiredConfiguration pinned to a numbered version (so a rollback returns to the saved configuration).
    func runOnAWS(_ preferences: RefreshPreferences, strategy: any RolloutDecider) async throws {
        let name = strategy.instanceName
        guard name == "Rolling" || name == "ReplaceRootVolume" else {
            throw IngotError.invalid("strategy", "on AWS the instance refresh strategies are Rolling and ReplaceRootVolume, not \(name)")
        }
        if faults.launchFailureRate != 0 || faults.unhealthyRate != 0 || faults.ice != nil || faults.outage != nil || faults.alarmAt != nil
            || !faults.scale.isEmpty || faults.cancelAt != nil || run.timeline != nil || run.svg != nil {
            throw IngotError.invalid("cloud", "faults, --timeline and --svg belong to the simulation; on AWS the real refresh runs")
        }
        guard run.runs == 1 else { throw IngotError.invalid("runs", "a refresh runs once") }
        let region = try region.resolve()
        try await global.withCloud { cloud, _ in
            guard let aws = cloud as? AWSCloud else { throw IngotError.failed("--cloud aws without an AWS cloud") }
            guard let g = try await aws.describeAutoScalingGroups(region: region, names: [group]).first else {
                throw IngotError.refused("ValidationError", "AutoScalingGroup name not found - no such group: \(group)")
            }
            // DesiredConfiguration only when asked for (it becomes the group's setting on success), pinned
            // to a number so that a rollback returns to the saved configuration.
            var version: Int?
            if preferences.autoRollback {
                let selector = try desiredVersion.map { try TemplateVersionSelector($0, field: "desired-version") }
                var isParameter = false
                if case .number(let n)? = selector {
                    let v = try await aws.describeLaunchTemplateVersions(region: region, name: g.launchTemplateName, versions: [.number(n)]).first
                    isParameter = v?.data.ssmParameter != nil
                }
                if let refusal = AutoRollbackPrerequisites.refusal(group: group, desiredVersion: selector, imageIsParameter: isParameter) { throw refusal }
            }
            if let wanted = desiredVersion {
                if let n = Int(wanted) {
                    version = n
                } else {
                    guard let t = try await aws.describeLaunchTemplates(region: region, names: [g.launchTemplateName]).first else {
                        throw IngotError.refused("InvalidLaunchTemplateName.NotFoundException", "no launch template \(g.launchTemplateName) in \(region)")
                    }
                    version = wanted == "$Latest" ? t.latestVersionNumber : t.defaultVersionNumber
                }
            }
            let p = preferences
            let request = StartInstanceRefreshRequest(
                region: region, autoScalingGroupName: group, launchTemplateName: g.launchTemplateName, launchTemplateVersion: version,
                preferences: InstanceRefreshPreferences(
                    minHealthyPercentage: p.minHealthyPercentage, maxHealthyPercentage: p.maxHealthyPercentage, instanceWarmup: p.instanceWarmup,
                    checkpointPercentages: p.checkpointPercentages.isEmpty ? nil : p.checkpointPercentages, checkpointDelay: p.checkpointDelay,
                    skipMatching: p.skipMatching, autoRollback: p.autoRollback, scaleInProtectedInstances: p.scaleInProtectedInstances.awsValue(standby: false),
                    standbyInstances: p.standbyInstances.awsValue(standby: true), bakeTime: p.bakeTime > 0 ? p.bakeTime : nil),
                strategy: name)
            let id = try await aws.startInstanceRefresh(request)
            if !wait {
                if global.structured {
                    struct Started: Encodable { let instanceRefreshId, autoScalingGroupName: String; let launchTemplateVersion: Int? }
                    try Output.document(global.output, Started(instanceRefreshId: id, autoScalingGroupName: group, launchTemplateVersion: version))
                } else {
                    Output.line("\(id) started: \(group) onto \(g.launchTemplateName):\(version.map(String.init) ?? g.launchTemplateVersion); follow it with `ingot groups refreshes \(group) --cloud aws` or --wait")
                }
                return
            }
            let final = try await Self.follow(aws, region: region, group: group, id: id, interval: pollInterval)
            if global.structured { try Output.document(global.output, AWSRefreshView(final)) } else {
                Output.line("\(id): \(final.status)\(final.statusReason.map { ": \($0)" } ?? "")")
            }
            if final.status != "Successful" { throw CommandFailure(code: 3) }
        }
    }

    /// Polls DescribeInstanceRefreshes until a final status, with a progress bar on a TTY.
    static func follow(_ aws: AWSCloud, region: Region, group: String, id: String, interval: Double) async throws -> AWSInstanceRefresh {
        let finals: Set<String> = ["Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"]
        let tty = isatty(STDERR_FILENO) == 1
        while true {
            guard let r = try await aws.describeInstanceRefreshes(region: region, group: group, ids: [id]).first else {
                throw IngotError.failed("DescribeInstanceRefreshes does not list \(id)")
            }
            if tty {
                let pct = max(0, min(100, r.percentageComplete ?? 0))
                let bar = String(repeating: "#", count: pct / 4) + String(repeating: ".", count: 25 - pct / 4)
                FileHandle.standardError.write(Data("\r[\(bar)] \(pct)% \(r.status) (\(r.instancesToUpdate ?? 0) to update)\u{1B}[K".utf8))
            }
            if finals.contains(r.status) {
                if tty { FileHandle.standardError.write(Data("\n".utf8)) }
                return r
            }
            try await Task.sleep(nanoseconds: UInt64(max(0.05, interval) * 1_000_000_000))
        }
    }
}

/// An AWS refresh in the same shape as the local records.
struct AWSRefreshView: Encodable {
    let instanceRefreshId, autoScalingGroupName, status: String
    let statusReason: String?
    let startTime, endTime: String?
    let percentageComplete, instancesToUpdate: Int?
    let desiredLaunchTemplateVersion: String?
    let rollbackReason: String?

    init(_ r: AWSInstanceRefresh) {
        instanceRefreshId = r.instanceRefreshId
        autoScalingGroupName = r.autoScalingGroupName
        status = r.status
        statusReason = r.statusReason
        startTime = r.startTime.map(Timestamp.format)
        endTime = r.endTime.map(Timestamp.format)
        percentageComplete = r.percentageComplete
        instancesToUpdate = r.instancesToUpdate
        desiredLaunchTemplateVersion = r.desiredLaunchTemplateVersion
        rollbackReason = r.rollbackReason
    }
}

extension GroupFleet {
    /// What a simulated refresh leaves in the group, and its DescribeInstanceRefreshes record.
    func outcome(_ result: RolloutResult, start: Date, preferences: [String: String], desiredGiven: Bool) -> RefreshOutcome {
        let record = InstanceRefresh(
            instanceRefreshId: InstanceRefresh.newId(), autoScalingGroupName: group.name, region: group.region, status: result.status,
            statusReason: result.failureReason ?? result.statusReason, startTime: start, endTime: start.addingTimeInterval(result.durationSeconds),
            percentageComplete: result.percentageComplete, instancesToUpdate: max(0, result.desiredCapacity - result.finalInstances.filter(\.onNewVersion).count),
            strategy: result.strategy, desiredLaunchTemplateVersion: desiredVersion, previousLaunchTemplateVersion: previousVersion,
            preferences: preferences, rollbackReason: result.rollbackReason,
            summary: ["launched": result.launched, "terminated": result.terminated, "replaced": result.replaced, "rolledBack": result.rolledBack, "failedLaunches": result.failedLaunches,
                      "unhealthyReplaced": result.unhealthyReplaced, "minInService": result.minInService, "maxInService": result.maxInService,
                      "durationSeconds": Int(result.durationSeconds.rounded())])
        var kept: [InstanceID: Bool] = [:]
        var launched: [RefreshOutcome.Launch] = []
        for f in result.finalInstances where !f.standby {
            if let i = f.initialIndex { kept[group.instances[i].instanceId] = f.onNewVersion } else { launched.append(RefreshOutcome.Launch(zone: spec.zones[f.zone], desired: f.onNewVersion)) }
        }
        return RefreshOutcome(refresh: record, startingInstances: group.instances.map(\.instanceId), kept: kept, launched: launched,
                              updateGroupVersion: result.status == .successful && desiredGiven, previousImageId: previousImageId,
                              finalDesiredCapacity: result.desiredCapacity)
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
        if try global.cloudKind == .aws {
            let list = try await global.withCloud { cloud, _ in
                guard let aws = cloud as? AWSCloud else { throw IngotError.failed("--cloud aws without an AWS cloud") }
                return try await aws.describeInstanceRefreshes(region: region, group: group).map(AWSRefreshView.init)
            }
            if global.structured {
                struct List: Encodable { let instanceRefreshes: [AWSRefreshView] }
                try Output.document(global.output, List(instanceRefreshes: list))
                return
            }
            Output.table(["REFRESH", "STATUS", "VERSION", "COMPLETE", "TO UPDATE", "START", "END", "REASON"], list.map { r in
                [r.instanceRefreshId, r.status, r.desiredLaunchTemplateVersion ?? "", r.percentageComplete.map { "\($0)%" } ?? "",
                 r.instancesToUpdate.map(String.init) ?? "", r.startTime ?? "", r.endTime ?? "", r.statusReason ?? "-"]
            })
            return
        }
        let refreshes = try await global.cloud().describeInstanceRefreshes(region: region, group: group)
        if global.structured {
            struct List: Encodable { let instanceRefreshes: [InstanceRefresh] }
            try Output.document(global.output, List(instanceRefreshes: refreshes))
            return
        }
        Output.table(["REFRESH", "STATUS", "STRATEGY", "VERSION", "COMPLETE", "TO UPDATE", "START", "END", "REASON"], refreshes.map { r in
            [r.instanceRefreshId, r.status, r.strategy,
             "\(r.previousLaunchTemplateVersion.map(String.init) ?? "-") -> \(r.desiredLaunchTemplateVersion)"
                + (r.status.hasPrefix("Rollback") ? " -> \(r.previousLaunchTemplateVersion.map(String.init) ?? "-") (rolled back)" : ""),
             "\(r.percentageComplete)%", String(r.instancesToUpdate), Output.time(r.startTime), Output.time(r.endTime), r.statusReason ?? "-"]
        })
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
        let action = rollback ? "RollbackInstanceRefresh" : "CancelInstanceRefresh"
        guard try global.cloudKind == .aws else {
            // A local refresh is simulated to its end before `groups refresh` returns: none is ever in progress.
            _ = try await global.cloud().describeInstanceRefreshes(region: region, group: group)
            throw IngotError.refused("ActiveInstanceRefreshNotFound", "\(action): \(group) has no refresh in progress (local refreshes finish as they are simulated)")
        }
        let id = try await global.withCloud { cloud, _ in
            guard let aws = cloud as? AWSCloud else { throw IngotError.failed("--cloud aws without an AWS cloud") }
            return rollback ? try await aws.rollbackInstanceRefresh(region: region, group: group) : try await aws.cancelInstanceRefresh(region: region, group: group)
        }
        Output.line("\(id): \(rollback ? "rolling back" : "cancelling")")
    }
}
