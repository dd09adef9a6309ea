import IngotCore
import Foundation

/// Auto Scaling's XML answers (API version 2011-01-01) decoded into IngotCore's model.
public enum AutoScalingDecoding {
    /// An instance of a group as Auto Scaling lists it; the image comes from EC2 (see ``AWSCloud``).
    public struct InstanceEntry: Sendable, Hashable {
        public var instanceId: InstanceID
        public var availabilityZone: String
        public var lifecycleState: String
        public var healthStatus: String
        /// The launch template version as Auto Scaling reports it (a number, or `$Latest`/`$Default`).
        public var launchTemplateVersion: String?
        public var instanceType: String?
    }

    /// One `<member>` of DescribeAutoScalingGroups' `AutoScalingGroups`, with its instances apart.
    public static func group(_ member: AWSXML.Element, region: Region) throws -> (AutoScalingGroup, [InstanceEntry]) {
        let f = EC2Decoding.Fields(element: member, context: "DescribeAutoScalingGroups")
        let name = try f.required("AutoScalingGroupName")
        // A group made from a mixed instances policy keeps its template there.
        let template = member.child("LaunchTemplate") ?? member.at("MixedInstancesPolicy/LaunchTemplate/LaunchTemplateSpecification")
        guard let template else {
            throw IngotError.refused("UnsupportedGroup", "Auto Scaling group \(name) does not launch from a launch template (launch configurations are not supported)")
        }
        let tf = EC2Decoding.Fields(element: template, context: "DescribeAutoScalingGroups \(name) LaunchTemplate")
        let instances = try member.members("Instances").map { i in
            let inf = EC2Decoding.Fields(element: i, context: "DescribeAutoScalingGroups \(name) instance")
            return InstanceEntry(
                instanceId: InstanceID(trusted: try inf.required("InstanceId")), availabilityZone: inf.string("AvailabilityZone") ?? "",
                lifecycleState: inf.string("LifecycleState") ?? "", healthStatus: inf.string("HealthStatus") ?? "",
                launchTemplateVersion: inf.string("LaunchTemplate/Version"), instanceType: inf.string("InstanceType"))
        }
        let templateName = try tf.string("LaunchTemplateName") ?? tf.required("LaunchTemplateId")
        let templateVersion = try tf.string("Version").map { text in
            guard let v = try? TemplateVersion(text) else {
                throw IngotError.failed("DescribeAutoScalingGroups: \(name) has launch template version '\(text)', not $Latest, $Default or a number")
            }
            return v
        } ?? .default
        let group = AutoScalingGroup(
            name: name, region: region,
            launchTemplateName: templateName, launchTemplateVersion: templateVersion,
            minSize: try f.requiredInt("MinSize"), maxSize: try f.requiredInt("MaxSize"), desiredCapacity: try f.requiredInt("DesiredCapacity"),
            availabilityZones: member.members("AvailabilityZones").map(\.text),
            // AWS omits HealthCheckGracePeriod only when it is its default, 0.
            healthCheckGracePeriod: try f.int("HealthCheckGracePeriod") ?? 0, defaultInstanceWarmup: try f.int("DefaultInstanceWarmup"),
            createdTime: try f.requiredDate("CreatedTime"), instances: [],
            mixedInstancesPolicy: member.child("MixedInstancesPolicy").map { policy($0, template: templateName, version: templateVersion) })
        return (group, instances)
    }

    /// A group's MixedInstancesPolicy: the overrides' instance types and AMIs, InstancesDistribution's
    /// values (numbers as numbers).
    static func policy(_ p: AWSXML.Element, template: String, version: TemplateVersion) -> MixedInstancesPolicy {
        var overrides: [MixedInstancesPolicy.Override] = [], unmodelled: [String] = []
        for (n, o) in (p.child("LaunchTemplate")?.members("Overrides") ?? []).enumerated() {
            for child in o.children where child.name != "InstanceType" && child.name != "ImageId" { unmodelled.append("Overrides[\(n)].\(child.name)") }
            if let type = o.string("InstanceType") { overrides.append(.init(instanceType: type, imageId: o.string("ImageId"))) }
        }
        var distribution: [String: JSONValue] = [:]
        for c in p.child("InstancesDistribution")?.children ?? [] {
            distribution[JSONValue.camelCase(c.name)] = Int64(c.text).map(JSONValue.int) ?? .string(c.text)
        }
        var policy = MixedInstancesPolicy(launchTemplateName: template, launchTemplateVersion: version, overrides: overrides, instancesDistribution: distribution)
        policy.unmodelled = unmodelled
        return policy
    }
}
