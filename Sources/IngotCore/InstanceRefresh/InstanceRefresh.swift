#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An instance refresh of a group, as DescribeInstanceRefreshes reports it.
public struct InstanceRefresh: Sendable, Hashable, Codable {
    public var instanceRefreshId: String
    public var autoScalingGroupName: String
    public var region: Region
    public var status: RefreshStatus
    public var statusReason: String?
    public var startTime: Date?
    public var endTime: Date?
    public var percentageComplete: Int
    public var instancesToUpdate: Int
    public var strategy: String
    /// The launch template version the refresh moved to (DesiredConfiguration).
    public var desiredLaunchTemplateVersion: Int?
    /// The saved configuration a rollback returns to.
    public var previousLaunchTemplateVersion: Int?
    /// StartInstanceRefresh's Preferences as given (JSON object, AWS's key names).
    public var preferences: [String: String]
    public var rollbackReason: String?
    /// What the simulation counted (launched, terminated, replaced, failedLaunches, ...).
    public var summary: [String: Int]

    public init(instanceRefreshId: String, autoScalingGroupName: String, region: Region, status: RefreshStatus, statusReason: String?, startTime: Date?, endTime: Date?,
                percentageComplete: Int, instancesToUpdate: Int, strategy: String, desiredLaunchTemplateVersion: Int?, previousLaunchTemplateVersion: Int?,
                preferences: [String: String], rollbackReason: String?, summary: [String: Int]) {
        self.instanceRefreshId = instanceRefreshId
        self.autoScalingGroupName = autoScalingGroupName
        self.region = region
        self.status = status
        self.statusReason = statusReason
        self.startTime = startTime
        self.endTime = endTime
        self.percentageComplete = percentageComplete
        self.instancesToUpdate = instancesToUpdate
        self.strategy = strategy
        self.desiredLaunchTemplateVersion = desiredLaunchTemplateVersion
        self.previousLaunchTemplateVersion = previousLaunchTemplateVersion
        self.preferences = preferences
        self.rollbackReason = rollbackReason
        self.summary = summary
    }

    /// AWS's refresh ids are UUIDs.
    public static func newId() -> String { UUID().uuidString.lowercased() }
}

/// The result of a refresh to write to a group: which instances remain (and on which configuration),
/// and which were launched.
public struct RefreshOutcome: Sendable, Hashable {
    public var refresh: InstanceRefresh
    /// The group's instances when the refresh started, in order: what the simulation started from.
    public var startingInstances: [InstanceID]
    /// Survivors among them: true when now on the desired configuration (a root volume swap).
    public var kept: [InstanceID: Bool]
    /// An instance the refresh launched: its zone and whether it runs the desired configuration
    /// (rollbacks launch the previous one).
    public struct Launch: Sendable, Hashable {
        public var zone: String
        public var desired: Bool
        public init(zone: String, desired: Bool) {
            self.zone = zone
            self.desired = desired
        }
    }

    /// New instances, in launch order.
    public var launched: [Launch]
    /// Set the group's launch template version to the desired one (a successful refresh with a DesiredConfiguration).
    public var updateGroupVersion: Bool
    /// The image the saved configuration launched (what rollbacks relaunch), as the instances ran it.
    public var previousImageId: String?
    /// The group's desired capacity at the end (scaling during the refresh changes it).
    public var finalDesiredCapacity: Int?

    public init(refresh: InstanceRefresh, startingInstances: [InstanceID], kept: [InstanceID: Bool], launched: [Launch], updateGroupVersion: Bool,
                previousImageId: String? = nil, finalDesiredCapacity: Int? = nil) {
        self.previousImageId = previousImageId
        self.finalDesiredCapacity = finalDesiredCapacity
        self.refresh = refresh
        self.startingInstances = startingInstances
        self.kept = kept
        self.launched = launched
        self.updateGroupVersion = updateGroupVersion
    }
}

/// Instance refreshes where the cloud runs them itself (the local cloud applies a simulated one).
public protocol InstanceRefreshCloud: AutoScalingCloud {
    /// StartInstanceRefresh; returns the refresh id. AWS runs it; the local cloud runs it in virtual time
    /// (AWS's Rolling or ReplaceRootVolume, a healthy day) and records the outcome before answering.
    func startInstanceRefresh(_ request: StartInstanceRefreshRequest) async throws -> String
    /// DescribeInstanceRefreshes of a group, newest first (only `ids` when some are given).
    func describeInstanceRefreshes(region: Region, group: String, ids: [String]) async throws -> [InstanceRefresh]
    /// CancelInstanceRefresh of the group's refresh in progress; returns its id (`ActiveInstanceRefreshNotFound` when none).
    func cancelInstanceRefresh(region: Region, group: String) async throws -> String
    /// RollbackInstanceRefresh of the group's refresh in progress; returns its id (`ActiveInstanceRefreshNotFound` when none).
    func rollbackInstanceRefresh(region: Region, group: String) async throws -> String
}

extension InstanceRefreshCloud {
    /// Every refresh of the group, newest first.
    public func describeInstanceRefreshes(region: Region, group: String) async throws -> [InstanceRefresh] {
        try await describeInstanceRefreshes(region: region, group: group, ids: [])
    }

    /// Polls DescribeInstanceRefreshes every `interval` seconds (at least 0.05) until the refresh reaches
    /// a final status; `progress` sees each answer.
    public func waitForInstanceRefresh(region: Region, group: String, id: String, interval: Double,
                                       progress: (InstanceRefresh) -> Void = { _ in }) async throws -> InstanceRefresh {
        while true {
            guard let r = try await describeInstanceRefreshes(region: region, group: group, ids: [id]).first else {
                throw IngotError.failed("DescribeInstanceRefreshes does not list \(id)")
            }
            progress(r)
            if r.status.isFinal { return r }
            try await Task.sleep(nanoseconds: UInt64(max(0.05, interval) * 1_000_000_000))
        }
    }
}

/// StartInstanceRefresh. A DesiredConfiguration pinned to a numbered launch template version lets a
/// rollback (AutoRollback or RollbackInstanceRefresh) return to the saved configuration.
public struct StartInstanceRefreshRequest: Sendable, Hashable {
    public var region: Region
    public var autoScalingGroupName: String
    public var launchTemplateName: String
    /// A version number; nil: no DesiredConfiguration, the group keeps its own launch template setting.
    public var launchTemplateVersion: Int?
    public var preferences: RefreshPreferences
    /// `Rolling` or `ReplaceRootVolume`, AWS's two strategies.
    public var strategy: String
    /// For a group with a mixed instances policy: the DesiredConfiguration's policy (the template pinned
    /// to `launchTemplateVersion`, override AMIs moved to its image) instead of a launch template.
    public var mixedInstancesPolicy: MixedInstancesPolicy?

    public init(region: Region, autoScalingGroupName: String, launchTemplateName: String, launchTemplateVersion: Int?,
                preferences: RefreshPreferences = RefreshPreferences(), strategy: String = "Rolling", mixedInstancesPolicy: MixedInstancesPolicy? = nil) {
        self.region = region
        self.autoScalingGroupName = autoScalingGroupName
        self.launchTemplateName = launchTemplateName
        self.launchTemplateVersion = launchTemplateVersion
        self.preferences = preferences
        self.strategy = strategy
        self.mixedInstancesPolicy = mixedInstancesPolicy
    }

    /// What can be checked before connecting to anything: the strategy and the preferences.
    public static func validate(strategy: String, preferences: RefreshPreferences) throws {
        try StartInstanceRefreshRequest(region: .usEast1, autoScalingGroupName: "", launchTemplateName: "", launchTemplateVersion: nil,
                                        preferences: preferences, strategy: strategy).validate()
    }

    /// AWS's checks before anything is sent or run.
    public func validate() throws {
        if let v = launchTemplateVersion, v < 1 {
            throw IngotError.invalid("launch-template-version", "'\(v)' is not a launch template version number")
        }
        guard ["Rolling", "ReplaceRootVolume"].contains(strategy) else {
            throw IngotError.invalid("strategy", "'\(strategy)' is not one of Rolling, ReplaceRootVolume (StartInstanceRefresh's strategies)", code: "ValidationError")
        }
        try preferences.validate()
    }
}

extension StartInstanceRefreshRequest {
    /// What StartInstanceRefresh refuses for `group` before anything runs, on every path (AWS, the
    /// local cloud, a simulation of the group): ReplaceRootVolume's requirements, and a desired mixed
    /// instances policy Ingot cannot build (``MixedInstancesPolicy/desiredRefusal``).
    public static func refusal(group: AutoScalingGroup, strategy: String, desiredVersion: TemplateVersion?, desiredImage: Image? = nil) -> IngotError? {
        if strategy == "ReplaceRootVolume" {
            return ReplaceRootVolumePrerequisites.refusal(group: group, desiredVersion: desiredVersion, desiredImage: desiredImage)
        }
        guard desiredVersion != nil, let reason = group.mixedInstancesPolicy?.desiredRefusal else { return nil }
        return .refused("ValidationError", "\(group.name): \(reason)")
    }

    /// The request for a group as AWS should receive it: a DesiredConfiguration only when a version is
    /// given (it becomes the group's setting on success), pinned to its number so that a rollback
    /// returns to the saved configuration; AutoRollback's prerequisites checked before anything starts.
    public static func pinned(group name: String, region: Region, desiredVersion: TemplateVersion?, preferences: RefreshPreferences,
                              strategy: String, cloud: some AutoScalingCloud & LaunchTemplateCloud) async throws -> StartInstanceRefreshRequest {
        try validate(strategy: strategy, preferences: preferences)
        guard let group = try await cloud.describeAutoScalingGroups(region: region, names: [name]).first else {
            throw IngotError.noSuchGroup(name, in: region)
        }
        if let refusal = refusal(group: group, strategy: strategy, desiredVersion: desiredVersion) { throw refusal }
        var number: Int?
        var isParameter = false
        var policy: MixedInstancesPolicy?
        if let desiredVersion {
            guard let v = try await cloud.describeLaunchTemplateVersions(region: region, name: group.launchTemplateName,
                                                                         versions: [TemplateVersionSelector(desiredVersion)]).first else {
                throw IngotError.refused("InvalidLaunchTemplateId.VersionNotFound", "launch template \(group.launchTemplateName) has no version \(desiredVersion)")
            }
            number = v.versionNumber
            isParameter = v.data.ssmParameter != nil
            if let groupPolicy = group.mixedInstancesPolicy {
                // Override AMIs must be AMI ids: a version whose image is a parameter cannot give one.
                if groupPolicy.overrides.contains(where: { $0.imageId != nil }) {
                    guard let image = v.data.imageId, ImageID.isWellFormed(image) else {
                        throw IngotError.refused("ValidationError", "\(name)'s mixed instances policy overrides name AMIs: launch template \(group.launchTemplateName) version \(v.versionNumber) must name an AMI id, not \(v.data.imageId ?? "none")")
                    }
                    policy = groupPolicy.desired(version: v.versionNumber, imageId: image)
                    if strategy == "ReplaceRootVolume", let id = try? ImageID(image), let found = try? await cloud.describeImage(id, region: region),
                       let refusal = refusal(group: group, strategy: strategy, desiredVersion: desiredVersion, desiredImage: found) {
                        throw refusal
                    }
                } else {
                    policy = groupPolicy.desired(version: v.versionNumber, imageId: "")
                }
            }
        }
        if preferences.autoRollback,
           let refusal = AutoRollbackPrerequisites.refusal(group: name, desiredVersion: desiredVersion, imageIsParameter: isParameter) {
            throw refusal
        }
        let request = StartInstanceRefreshRequest(region: region, autoScalingGroupName: name, launchTemplateName: group.launchTemplateName,
                                                  launchTemplateVersion: number, preferences: preferences, strategy: strategy, mixedInstancesPolicy: policy)
        try request.validate()
        return request
    }
}

/// StartInstanceRefresh's prerequisites for AutoRollback, as the API reference lists them
/// (RefreshPreferences, AutoRollback): "A rollback is not supported in the following situations:
/// There is no desired configuration specified for the instance refresh. The Auto Scaling group has a
/// launch template that uses an Amazon Web Services Systems Manager parameter instead of an AMI ID for
/// the ImageId property. The Auto Scaling group uses the launch template's $Latest or $Default version."
/// AWS refuses such a request with `IrreversibleInstanceRefresh`; both backends refuse it the same way
/// before anything starts.
public enum AutoRollbackPrerequisites {
    /// Why AutoRollback cannot be honoured, or nil when it can.
    /// - Parameters:
    ///   - group: the Auto Scaling group, for the message.
    ///   - desiredVersion: the DesiredConfiguration's launch template version as given (nil: none given).
    ///   - imageIsParameter: whether that version's ImageId is `resolve:ssm:...`.
    public static func refusal(group: String, desiredVersion: TemplateVersion?, imageIsParameter: Bool) -> IngotError? {
        let reason: String
        switch desiredVersion {
        case nil:
            reason = "there is no desired configuration to return from: give --desired-version with a version number"
        case .latest?, .default?:
            reason = "the desired configuration uses the launch template's \(desiredVersion?.description ?? "") version: give a version number"
        case .number?:
            guard imageIsParameter else { return nil }
            reason = "the launch template version's ImageId is a Systems Manager parameter, not an AMI ID"
        }
        return .refused("IrreversibleInstanceRefresh", "AutoRollback is not supported for \(group): \(reason)")
    }
}
