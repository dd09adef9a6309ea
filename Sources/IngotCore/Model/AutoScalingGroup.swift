#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An Auto Scaling group launching from a launch template (DescribeAutoScalingGroups).
public struct AutoScalingGroup: Sendable, Hashable {
    public var name: String
    public var region: Region
    public var launchTemplateName: String
    /// `$Latest`, `$Default` or a number, as given.
    public var launchTemplateVersion: TemplateVersion
    public var minSize: Int
    public var maxSize: Int
    public var desiredCapacity: Int
    public var availabilityZones: [String]
    public var healthCheckGracePeriod: Int
    public var defaultInstanceWarmup: Int?
    public var createdTime: Date
    public var instances: [GroupInstance]
    /// The group's MixedInstancesPolicy, when it launches through one (its launch template is then the
    /// policy's, and `launchTemplateName`/`launchTemplateVersion` show it).
    public var mixedInstancesPolicy: MixedInstancesPolicy?

    public init(name: String, region: Region, launchTemplateName: String, launchTemplateVersion: TemplateVersion, minSize: Int, maxSize: Int,
                desiredCapacity: Int, availabilityZones: [String], healthCheckGracePeriod: Int, defaultInstanceWarmup: Int?,
                createdTime: Date, instances: [GroupInstance], mixedInstancesPolicy: MixedInstancesPolicy? = nil) {
        self.name = name
        self.region = region
        self.launchTemplateName = launchTemplateName
        self.launchTemplateVersion = launchTemplateVersion
        self.minSize = minSize
        self.maxSize = maxSize
        self.desiredCapacity = desiredCapacity
        self.availabilityZones = availabilityZones
        self.healthCheckGracePeriod = healthCheckGracePeriod
        self.defaultInstanceWarmup = defaultInstanceWarmup
        self.createdTime = createdTime
        self.instances = instances
        self.mixedInstancesPolicy = mixedInstancesPolicy
    }

    /// `$Latest`/`$Default` follow the template and cannot be rolled back to: a numbered version can.
    public var usesMovingVersion: Bool { launchTemplateVersion.isMoving }
}

/// An instance of a group, with the template version and image it was launched from.
public struct GroupInstance: Sendable, Hashable {
    public var instanceId: InstanceID
    public var availabilityZone: String
    public var lifecycleState: String
    public var healthStatus: String
    public var launchTemplateVersion: Int
    public var imageId: String
    /// Its instance type, when known.
    public var instanceType: String?

    public init(instanceId: InstanceID, availabilityZone: String, lifecycleState: String, healthStatus: String, launchTemplateVersion: Int, imageId: String,
                instanceType: String? = nil) {
        self.instanceId = instanceId
        self.availabilityZone = availabilityZone
        self.lifecycleState = lifecycleState
        self.healthStatus = healthStatus
        self.launchTemplateVersion = launchTemplateVersion
        self.imageId = imageId
        self.instanceType = instanceType
    }
}

/// CreateAutoScalingGroup / UpdateAutoScalingGroup parameters (nil: unchanged on update).
public struct GroupSettings: Sendable, Hashable {
    public var launchTemplateName: String?
    public var launchTemplateVersion: TemplateVersion?
    public var minSize: Int?
    public var maxSize: Int?
    public var desiredCapacity: Int?
    public var availabilityZones: [String]?
    public var healthCheckGracePeriod: Int?
    public var defaultInstanceWarmup: Int?
    /// A MixedInstancesPolicy instead of a launch template (its template becomes the group's).
    public var mixedInstancesPolicy: MixedInstancesPolicy?

    public init(launchTemplateName: String? = nil, launchTemplateVersion: TemplateVersion? = nil, minSize: Int? = nil, maxSize: Int? = nil,
                desiredCapacity: Int? = nil, availabilityZones: [String]? = nil, healthCheckGracePeriod: Int? = nil, defaultInstanceWarmup: Int? = nil,
                mixedInstancesPolicy: MixedInstancesPolicy? = nil) {
        self.launchTemplateName = launchTemplateName
        self.launchTemplateVersion = launchTemplateVersion
        self.minSize = minSize
        self.maxSize = maxSize
        self.desiredCapacity = desiredCapacity
        self.availabilityZones = availabilityZones
        self.healthCheckGracePeriod = healthCheckGracePeriod
        self.defaultInstanceWarmup = defaultInstanceWarmup
        self.mixedInstancesPolicy = mixedInstancesPolicy
    }
}

/// Auto Scaling, shaped like its API.
public protocol AutoScalingCloud: Cloud {
    func createAutoScalingGroup(region: Region, name: String, settings: GroupSettings) async throws -> AutoScalingGroup
    func updateAutoScalingGroup(region: Region, name: String, settings: GroupSettings) async throws -> AutoScalingGroup
    func describeAutoScalingGroups(region: Region, names: [String]) async throws -> [AutoScalingGroup]
    /// SetDesiredCapacity (within min and max).
    func setDesiredCapacity(region: Region, name: String, desiredCapacity: Int) async throws -> AutoScalingGroup
}

/// An Auto Scaling group name, as CreateAutoScalingGroup describes it: "The name can contain any
/// ASCII character 33 to 126 including most punctuation characters, digits, and upper and lowercased
/// letters. You cannot use a colon (:) in the name." (1 to 255 characters.)
public func validateAutoScalingGroupName(_ name: String, field: String = "group") throws {
    guard (1...255).contains(name.count) else {
        throw IngotError.invalid(field, "'\(name.prefix(40))' must be 1 to 255 characters", code: "ValidationError")
    }
    if let bad = name.unicodeScalars.first(where: { !(33...126).contains($0.value) || $0 == ":" }) {
        let shown = bad == " " ? "a space" : bad == ":" ? "a colon" : bad.value < 128 ? "character \(bad.value)" : "'\(bad)'"
        throw IngotError.invalid(field, "'\(name.prefix(40))' contains \(shown); a group name is ASCII characters 33 to 126 without a colon", code: "ValidationError")
    }
}
