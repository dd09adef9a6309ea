import Foundation
import IngotCore

/// A cloud that can record a refresh run by the simulator (the local cloud): what the refresh leaves in
/// the group, written in one transaction.
public protocol SimulatedRefreshCloud: LaunchTemplateCloud, ParameterCloud, AutoScalingCloud {
    func applyInstanceRefresh(region: Region, group: String, outcome: RefreshOutcome) async throws
}

/// An instance refresh of a group run by the simulator, from reading the group to recording the
/// outcome: what `ingot groups refresh` on the local cloud and the local cloud's StartInstanceRefresh
/// both do (the one with faults, any strategy and a chart; the other on a healthy day).
public struct GroupRefresh: Sendable {
    public var fleet: GroupFleet
    public var result: RolloutResult
    /// The preferences as the strategy ran them (AWS's fields, for the record and the notes).
    public var adjusted: RefreshPreferences
    /// DescribeInstanceRefreshes' record of it.
    public var refresh: InstanceRefresh

    /// Reads the group, checks AutoRollback's prerequisites, simulates, and records the outcome.
    /// - Parameters:
    ///   - desiredVersion: the DesiredConfiguration's version (nil: none; the group keeps its setting).
    ///   - world: the faults, built from the group's zones.
    public static func run(cloud: some SimulatedRefreshCloud, region: Region, group: String, desiredVersion: TemplateVersion?,
                           preferences: RefreshPreferences, strategy: any RolloutDecider,
                           world: (_ zones: [String]) throws -> World = { _ in World() },
                           seed: UInt64 = 1, record: Bool = false, now: Date) async throws -> GroupRefresh {
        if strategy.leavesOldGroup {
            throw IngotError.invalid("param scale-down-old", "\(strategy.instanceName) would leave the old server group disabled beside the new one, which one Auto Scaling group cannot hold: refresh a group with --param scale-down-old=true")
        }
        let fleet = try await GroupFleet.load(cloud: cloud, region: region, group: group, desiredVersion: desiredVersion)
        try fleet.check(strategy: strategy, desiredVersion: desiredVersion)
        let adjusted = strategy.adjusted(preferences)
        if adjusted.autoRollback,
           let refusal = AutoRollbackPrerequisites.refusal(group: group, desiredVersion: desiredVersion, imageIsParameter: fleet.imageIsParameter) {
            throw refusal
        }
        var simulation = try RolloutSimulation(spec: fleet.spec, preferences: preferences, world: try world(fleet.spec.zones), strategy: strategy,
                                               seed: seed, record: record)
        let result = simulation.run()
        let outcome = fleet.outcome(result, start: now, preferences: adjusted.awsFields, desiredGiven: desiredVersion != nil)
        try await cloud.applyInstanceRefresh(region: region, group: group, outcome: outcome)
        return GroupRefresh(fleet: fleet, result: result, adjusted: adjusted, refresh: outcome.refresh)
    }
}
