import Foundation
import IngotCore

/// A group as a simulation's fleet: which launch template version and image it moves to, the
/// instances already on it, and what a simulated refresh leaves in the group. Read through any cloud.
public struct GroupFleet: Sendable {
    public var group: AutoScalingGroup
    public var spec: FleetSpec
    public var desiredVersion: Int
    public var previousVersion: Int?
    /// The image the outdated instances run most (the saved configuration's).
    public var previousImageId: String?
    /// Whether the target version's ImageId is `resolve:ssm:...` (AutoRollback is then refused).
    public var imageIsParameter = false
    /// The image the refresh moves to, as DescribeImages shows it (nil when it cannot be read).
    public var targetImage: Image?

    public static func load(cloud: some LaunchTemplateCloud & ParameterCloud & AutoScalingCloud, region: Region, group name: String, desiredVersion: TemplateVersion?) async throws -> GroupFleet {
        guard let group = try await cloud.describeAutoScalingGroups(region: region, names: [name]).first else {
            throw IngotError.noSuchGroup(name, in: region)
        }
        let target = try await LaunchTarget.of(group, version: desiredVersion, cloud: cloud)
        var zones = group.availabilityZones
        for i in group.instances where !zones.contains(i.availabilityZone) { zones.append(i.availabilityZone) }
        let instances = group.instances.map { i in
            FleetSpec.InitialInstance(zone: zones.firstIndex(of: i.availabilityZone) ?? 0,
                                      matching: i.launchTemplateVersion == target.version && i.imageId == target.imageId)
        }
        let outdated = group.instances.filter { !($0.launchTemplateVersion == target.version && $0.imageId == target.imageId) }
        let previous = Dictionary(grouping: outdated, by: \.launchTemplateVersion).max { a, b in
            a.value.count != b.value.count ? a.value.count < b.value.count : a.key < b.key
        }
        let newLabel = "\(group.launchTemplateName):\(target.version) \(target.imageId)"
        // Every instance already on the target: the refresh replaces them with the same (when asked to).
        let previousLabel = previous.map { "\(group.launchTemplateName):\($0.key) \($0.value.first?.imageId ?? "")" } ?? newLabel
        let spec = FleetSpec(desiredCapacity: group.desiredCapacity, zones: zones, healthCheckGracePeriod: group.healthCheckGracePeriod,
                             defaultInstanceWarmup: group.defaultInstanceWarmup, instances: instances, previousVersion: previousLabel,
                             newVersion: newLabel)
        let previousImage = previous.flatMap { p in Dictionary(grouping: p.value, by: \.imageId).max { $0.value.count < $1.value.count }?.key }
        var targetImage: Image?
        if let id = try? ImageID(target.imageId) { targetImage = try? await cloud.describeImage(id, region: region) }
        return GroupFleet(group: group, spec: spec, desiredVersion: target.version, previousVersion: previous?.key, previousImageId: previousImage,
                          imageIsParameter: target.imageIsParameter, targetImage: targetImage)
    }
}

extension GroupFleet {
    /// What AWS refuses before a refresh of this group starts: ReplaceRootVolume's requirements
    /// (``ReplaceRootVolumePrerequisites``).
    public func check(strategy: any RolloutDecider, desiredVersion: TemplateVersion?) throws {
        if let refusal = StartInstanceRefreshRequest.refusal(group: group, strategy: strategy.instanceName, desiredVersion: desiredVersion,
                                                             desiredImage: targetImage) {
            throw refusal
        }
    }

    /// What a simulated refresh leaves in the group, and its DescribeInstanceRefreshes record.
    public func outcome(_ result: RolloutResult, start: Date, preferences: [String: String], desiredGiven: Bool) -> RefreshOutcome {
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

