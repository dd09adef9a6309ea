#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A group's MixedInstancesPolicy, as far as Ingot models it: the launch template (name and version),
/// the overrides' instance types, each with its own AMI when it names one, and InstancesDistribution
/// kept as given. ReplaceRootVolume needs it: "Your Auto Scaling group must use a mixed instances
/// policy" and "All overrides in the mixed instances policy must specify an ImageId" (Auto Scaling
/// user guide, Replace root volumes during instance refresh).
public struct MixedInstancesPolicy: Sendable, Hashable {
    public struct Override: Sendable, Hashable {
        public var instanceType: String
        /// "The ID of the Amazon Machine Image (AMI) to use for instances launched with this override."
        public var imageId: String?

        public init(instanceType: String, imageId: String? = nil) {
            self.instanceType = instanceType
            self.imageId = imageId
        }
    }

    public var launchTemplateName: String
    public var launchTemplateVersion: TemplateVersion
    public var overrides: [Override]
    /// On-demand and spot settings (camelCase keys, scalar values), kept for AWS; the local cloud runs
    /// every instance on demand.
    public var instancesDistribution: [String: JSONValue]
    /// Members AWS holds that Ingot does not model (`Overrides[1].WeightedCapacity`, an override by
    /// InstanceRequirements ...), as read from DescribeAutoScalingGroups: a policy with any cannot be
    /// sent back without losing them.
    public var unmodelled: [String] = []

    public init(launchTemplateName: String, launchTemplateVersion: TemplateVersion = .default, overrides: [Override] = [],
                instancesDistribution: [String: JSONValue] = [:]) {
        self.launchTemplateName = launchTemplateName
        self.launchTemplateVersion = launchTemplateVersion
        self.overrides = overrides
        self.instancesDistribution = instancesDistribution
    }

    /// InstancesDistribution's members in AWS's model.
    public static let distributionKeys: Set<String> = ["onDemandAllocationStrategy", "onDemandBaseCapacity", "onDemandPercentageAboveBaseCapacity",
                                                       "spotAllocationStrategy", "spotInstancePools", "spotMaxPrice"]

    /// The image instances launch from when the overrides name one: the first override's, the
    /// highest priority under the `prioritized` on-demand strategy (Ingot's choice for its one
    /// instance type per launch).
    public var launchImage: String? { overrides.first?.imageId }

    /// Whether every override names an AMI (and there is at least one): ReplaceRootVolume's requirement.
    public var everyOverrideHasImage: Bool { !overrides.isEmpty && overrides.allSatisfy { $0.imageId != nil } }

    /// Why Ingot cannot build a refresh's desired policy from this one (nil: it can): members it does not
    /// model would be dropped (AWS makes the desired configuration the group's on success), and
    /// overrides naming different AMIs (one per instance type or architecture) cannot all move to the
    /// one image of a template version.
    public var desiredRefusal: String? {
        if !unmodelled.isEmpty {
            return "its mixed instances policy has \(unmodelled.joined(separator: ", ")), which Ingot does not model and a refresh would drop: start this refresh with the AWS CLI"
        }
        let images = Set(overrides.compactMap(\.imageId))
        if images.count > 1 {
            return "its overrides name \(images.count) AMIs (\(images.sorted().joined(separator: ", "))): a launch template version has one image, so Ingot cannot say which AMI each instance type moves to; start this refresh with the AWS CLI and your own DesiredConfiguration"
        }
        return nil
    }

    /// The policy a refresh moves to: the template pinned to `version`, and every override that names
    /// an AMI naming `imageId` instead (what ReplaceRootVolume puts on the root volumes).
    public func desired(version: Int, imageId: String) -> MixedInstancesPolicy {
        var p = self
        p.launchTemplateVersion = .number(version)
        for i in p.overrides.indices where p.overrides[i].imageId != nil { p.overrides[i].imageId = imageId }
        return p
    }
}

extension MixedInstancesPolicy {
    /// From AWS's JSON, as the AWS CLI's `--mixed-instances-policy` takes it (PascalCase or camelCase):
    /// `{"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName", "Version"},
    /// "Overrides": [{"InstanceType", "ImageId"}]}, "InstancesDistribution": {...}}`. Members Ingot does
    /// not model (WeightedCapacity, InstanceRequirements, a per-override template) are refused, naming them.
    public init(json: JSONValue, field: String = "mixed-instances-policy") throws {
        guard case .object(let raw) = json else { throw IngotError.invalid(field, "is not a JSON object (a MixedInstancesPolicy)", code: "ValidationError") }
        let top = JSONValue.rekeyed(raw, deep: true, JSONValue.camelCase)
        try Self.refuseOthers(top, allowed: ["launchTemplate", "instancesDistribution"], field: field)
        guard case .object(let template)? = top["launchTemplate"] else {
            throw IngotError.invalid("\(field).LaunchTemplate", "is required: an object with LaunchTemplateSpecification and Overrides", code: "ValidationError")
        }
        try Self.refuseOthers(template, allowed: ["launchTemplateSpecification", "overrides"], field: "\(field).LaunchTemplate")
        guard case .object(let spec)? = template["launchTemplateSpecification"] else {
            throw IngotError.invalid("\(field).LaunchTemplate.LaunchTemplateSpecification", "is required: {\"LaunchTemplateName\": NAME, \"Version\": VERSION}", code: "ValidationError")
        }
        let specField = "\(field).LaunchTemplate.LaunchTemplateSpecification"
        try Self.refuseOthers(spec, allowed: ["launchTemplateName", "launchTemplateId", "version"], field: specField)
        guard let name = spec["launchTemplateName"]?.string ?? spec["launchTemplateId"]?.string else {
            throw IngotError.invalid(specField, "give LaunchTemplateName or LaunchTemplateId", code: "ValidationError")
        }
        launchTemplateName = name
        launchTemplateVersion = try spec["version"].map { v in
            guard let text = v.string else { throw IngotError.invalid("\(specField).Version", "is not a string: $Latest, $Default or a number", code: "ValidationError") }
            return try TemplateVersion(text, field: "\(specField).Version")
        } ?? .default
        var overrides: [Override] = []
        if let list = template["overrides"] {
            guard case .array(let items) = list else { throw IngotError.invalid("\(field).LaunchTemplate.Overrides", "is not a list", code: "ValidationError") }
            for (n, item) in items.enumerated() {
                let itemField = "\(field).LaunchTemplate.Overrides[\(n)]"
                guard case .object(let o) = item else { throw IngotError.invalid(itemField, "is not an object", code: "ValidationError") }
                try Self.refuseOthers(o, allowed: ["instanceType", "imageId"], field: itemField)
                guard let type = o["instanceType"]?.string, !type.isEmpty else {
                    throw IngotError.invalid("\(itemField).InstanceType", "is required (Ingot models overrides by instance type)", code: "ValidationError")
                }
                let image = try o["imageId"].map { v -> String in
                    guard let text = v.string, ImageID.isWellFormed(text) else {
                        throw IngotError.invalid("\(itemField).ImageId", "'\(v.string ?? v.typeName)' is not an AMI id", code: "ValidationError")
                    }
                    return text
                }
                overrides.append(Override(instanceType: type, imageId: image))
            }
        }
        self.overrides = overrides
        if let d = top["instancesDistribution"] {
            guard case .object(let members) = d else { throw IngotError.invalid("\(field).InstancesDistribution", "is not an object", code: "ValidationError") }
            try Self.refuseOthers(members, allowed: Self.distributionKeys, field: "\(field).InstancesDistribution")
            instancesDistribution = members
        } else {
            instancesDistribution = [:]
        }
    }

    private static func refuseOthers(_ members: [String: JSONValue], allowed: Set<String>, field: String) throws {
        if let other = members.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw IngotError.invalid("\(field).\(JSONValue.pascalCase(other))", "is not modelled by Ingot (accepted: \(allowed.sorted().map(JSONValue.pascalCase).joined(separator: ", ")))", code: "ValidationError")
        }
    }

    /// The policy as JSON with camelCase keys (what `--output json` shows and the local store keeps).
    public var json: JSONValue {
        var template: [String: JSONValue] = [
            "launchTemplateSpecification": .object(["launchTemplateName": .string(launchTemplateName), "version": .string(launchTemplateVersion.description)]),
        ]
        if !overrides.isEmpty {
            template["overrides"] = .array(overrides.map { o in
                var m: [String: JSONValue] = ["instanceType": .string(o.instanceType)]
                if let image = o.imageId { m["imageId"] = .string(image) }
                return .object(m)
            })
        }
        var top: [String: JSONValue] = ["launchTemplate": .object(template)]
        if !instancesDistribution.isEmpty { top["instancesDistribution"] = .object(instancesDistribution) }
        return .object(top)
    }
}

/// StartInstanceRefresh's requirements for the ReplaceRootVolume strategy, from the Auto Scaling user
/// guide's Replace root volumes page. AWS's references do not name the error: Ingot answers
/// `ValidationError`, Auto Scaling's code for a request it refuses (docs/rollouts.md).
public enum ReplaceRootVolumePrerequisites {
    /// Why a ReplaceRootVolume refresh of `group` cannot start, or nil when it can.
    /// - Parameters:
    ///   - group: the Auto Scaling group as DescribeAutoScalingGroups shows it.
    ///   - desiredVersion: the DesiredConfiguration's version as given (nil: none given).
    ///   - desiredImage: the image the refresh moves to, when it could be read (its volumes are checked).
    public static func refusal(group: AutoScalingGroup, desiredVersion: TemplateVersion?, desiredImage: Image? = nil) -> IngotError? {
        func refused(_ reason: String) -> IngotError { .refused("ValidationError", "ReplaceRootVolume cannot refresh \(group.name): \(reason)") }
        // "Your Auto Scaling group must use a mixed instances policy"
        guard let policy = group.mixedInstancesPolicy else {
            return refused("the group must use a mixed instances policy whose overrides specify an ImageId (groups create/update --mixed-instances-policy)")
        }
        // "All overrides in the mixed instances policy must specify an ImageId"
        guard policy.everyOverrideHasImage else {
            return refused("all overrides in the mixed instances policy must specify an ImageId")
        }
        // "You can't start an instance refresh with Replace Root Volume if the EC2 Auto Scaling group or the
        // instance refresh desired configuration uses the $Latest or $Default launch template version."
        // (Ingot pins a desired $Latest or $Default to its number before sending it, so only the group's own can be moving.)
        if group.launchTemplateVersion.isMoving {
            return refused("the group uses the launch template's \(group.launchTemplateVersion) version; set a version number in its policy first (groups update --mixed-instances-policy with LaunchTemplateSpecification.Version N)")
        }
        // "You must start the instance refresh with a desired configuration having a mixed instances policy containing ImageId overrides."
        guard desiredVersion != nil else {
            return refused("it must start with a desired configuration: give --desired-version with the version whose image the overrides move to")
        }
        // "You can't start an instance refresh with Replace Root Volume on an Amazon EC2 Auto Scaling Group if it contains
        // instances whose instance type is not present in the mixed instances policy."
        let types = Set(policy.overrides.map(\.instanceType))
        if let stray = group.instances.first(where: { $0.instanceType.map { !types.contains($0) } ?? false }) {
            return refused("instance \(stray.instanceId) is a \(stray.instanceType ?? ""), a type the mixed instances policy does not list")
        }
        // "AMIs must contain only a single root volume"
        if let image = desiredImage, image.blockDeviceMappings.filter({ $0.snapshotId != nil || $0.volumeSize != nil }).count > 1 {
            return refused("\(image.id) has \(image.blockDeviceMappings.count) volumes; AMIs must contain only a single root volume")
        }
        if let reason = policy.desiredRefusal { return refused(reason) }
        return nil
    }
}
