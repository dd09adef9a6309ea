import ArgumentParser
import Foundation
import IngotCore
import IngotLocal
import IngotRollout

struct GroupsRefresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "StartInstanceRefresh: roll the group onto its launch template version (or --desired-version) with a strategy.",
        discussion: """
            On the local cloud the refresh is simulated in virtual time and its result written to the store in one
            transaction: instances on the new version, a refresh record that `ingot groups refreshes` lists.
            Exit 3 when it fails, rolls back or is cancelled.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The group.") var group: String
    @OptionGroup var region: RegionOption
    @Option(name: .customLong("desired-version"), help: "DesiredConfiguration: the launch template version to move to (a number, $Latest or $Default); set on the group when the refresh succeeds.") var desiredVersion: String?
    @OptionGroup var refresh: RefreshOptions
    @OptionGroup var faults: WorldOptions
    @OptionGroup var run: RunOptions

    func run() async throws {
        let (preferences, strategy) = try refresh.prepare(run)
        guard run.runs == 1 else { throw IngotError.invalid("runs", "a refresh runs once; use `ingot simulate rollout --runs N` for statistics") }
        let region = try region.resolve()
        let cloud = try global.cloud()
        let fleet = try await GroupFleet.load(cloud: cloud, region: region, group: group, desiredVersion: desiredVersion)
        // AWS: AutoRollback needs a numbered version to return to.
        if strategy.adjusted(preferences).autoRollback, fleet.group.usesMovingVersion, desiredVersion.map({ Int($0) == nil }) ?? true {
            throw IngotError.invalid("auto-rollback", "\(group) launches from \(fleet.group.launchTemplateVersion): AutoRollback needs a numbered version; give --desired-version N", code: "ValidationError")
        }
        let world = try faults.world(zones: fleet.spec.zones)
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
            Output.note("refresh \(record.instanceRefreshId) of \(group): \(record.status); `ingot groups refreshes --group \(group)` lists it")
        }
        if result.status.isProblem { throw CommandFailure(code: 3) }
    }
}

extension GroupFleet {
    /// What a simulated refresh leaves in the group, and its DescribeInstanceRefreshes record.
    func outcome(_ result: RolloutResult, start: Date, preferences: [String: String], desiredGiven: Bool) -> RefreshOutcome {
        let record = InstanceRefresh(
            instanceRefreshId: InstanceRefresh.newId(), autoScalingGroupName: group.name, region: group.region, status: result.status.rawValue,
            statusReason: result.failureReason ?? result.statusReason, startTime: start, endTime: start.addingTimeInterval(result.durationSeconds),
            percentageComplete: result.percentageComplete, instancesToUpdate: max(0, result.desiredCapacity - result.finalInstances.filter(\.onNewVersion).count),
            strategy: result.strategy, desiredLaunchTemplateVersion: desiredVersion, previousLaunchTemplateVersion: previousVersion,
            preferences: preferences, rollbackReason: result.rollbackReason,
            summary: ["launched": result.launched, "terminated": result.terminated, "replaced": result.replaced, "failedLaunches": result.failedLaunches,
                      "unhealthyReplaced": result.unhealthyReplaced, "minInService": result.minInService, "maxInService": result.maxInService,
                      "durationSeconds": Int(result.durationSeconds.rounded())])
        var kept: [InstanceID: Bool] = [:]
        var launched: [(zone: String, desired: Bool)] = []
        for f in result.finalInstances where !f.standby {
            if let i = f.initialIndex { kept[group.instances[i].instanceId] = f.onNewVersion } else { launched.append((spec.zones[f.zone], f.onNewVersion)) }
        }
        return RefreshOutcome(refresh: record, startingInstances: group.instances.map(\.instanceId), kept: kept, launched: launched,
                              updateGroupVersion: result.status == .successful && desiredGiven)
    }
}

struct GroupsRefreshes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "refreshes", abstract: "DescribeInstanceRefreshes: a group's refreshes, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The group.") var group: String
    @OptionGroup var region: RegionOption

    func run() async throws {
        let refreshes = try await global.cloud().describeInstanceRefreshes(region: try region.resolve(), group: group)
        if global.structured {
            struct List: Encodable { let instanceRefreshes: [InstanceRefresh] }
            try Output.document(global.output, List(instanceRefreshes: refreshes))
            return
        }
        Output.table(["REFRESH", "STATUS", "STRATEGY", "VERSION", "COMPLETE", "TO UPDATE", "START", "END", "REASON"], refreshes.map { r in
            [r.instanceRefreshId, r.status, r.strategy, "\(r.previousLaunchTemplateVersion.map(String.init) ?? "-") -> \(r.desiredLaunchTemplateVersion)",
             "\(r.percentageComplete)%", String(r.instancesToUpdate), Output.time(r.startTime), Output.time(r.endTime), r.statusReason ?? "-"]
        })
    }
}
