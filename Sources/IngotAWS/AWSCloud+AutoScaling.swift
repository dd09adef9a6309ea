import IngotCore
import Foundation

extension AWSCloud {
    func autoScaling(_ action: String) -> QueryParameters { QueryParameters(action: action, version: AWSService.autoScaling.apiVersion ?? "") }

    func callAutoScaling(_ region: Region, _ q: QueryParameters) async throws -> AWSXML.Element {
        try requireOwnAccount(q.action)
        return try await client.query(.autoScaling, region: region, q)
    }

    static func encode(_ s: GroupSettings, into q: inout QueryParameters) {
        if let policy = s.mixedInstancesPolicy {
            encode(policy, prefix: "MixedInstancesPolicy.", into: &q)
        } else {
            q.setTemplate(s.launchTemplateName, prefix: "LaunchTemplate.")
            q.set("LaunchTemplate.Version", s.launchTemplateVersion?.description)
        }
        q.set("MinSize", s.minSize)
        q.set("MaxSize", s.maxSize)
        q.set("DesiredCapacity", s.desiredCapacity)
        q.memberList("AvailabilityZones", s.availabilityZones ?? [])
        q.set("HealthCheckGracePeriod", s.healthCheckGracePeriod)
        q.set("DefaultInstanceWarmup", s.defaultInstanceWarmup)
    }

    /// A MixedInstancesPolicy as Query parameters under `prefix` (lists as `member.N`).
    static func encode(_ p: MixedInstancesPolicy, prefix: String, into q: inout QueryParameters) {
        let template = "\(prefix)LaunchTemplate."
        q.setTemplate(p.launchTemplateName, prefix: "\(template)LaunchTemplateSpecification.")
        q.set("\(template)LaunchTemplateSpecification.Version", p.launchTemplateVersion.description)
        for (n, o) in p.overrides.enumerated() {
            q.set("\(template)Overrides.member.\(n + 1).InstanceType", o.instanceType)
            q.set("\(template)Overrides.member.\(n + 1).ImageId", o.imageId)
        }
        for (key, value) in p.instancesDistribution.sorted(by: { $0.key < $1.key }) {
            q.set("\(prefix)InstancesDistribution.\(JSONValue.pascalCase(key))", value.string ?? value.text)
        }
    }

    /// CreateAutoScalingGroup (launch template version `$Default` unless given); returns the group as described.
    public func createAutoScalingGroup(region: Region, name: String, settings: GroupSettings) async throws -> AutoScalingGroup {
        guard settings.launchTemplateName != nil || settings.mixedInstancesPolicy != nil else {
            throw IngotError.invalid("launch-template", "a group needs a launch template or a mixed instances policy")
        }
        var q = autoScaling("CreateAutoScalingGroup")
        q.set("AutoScalingGroupName", name)
        var s = settings
        if s.launchTemplateVersion == nil && s.mixedInstancesPolicy == nil { s.launchTemplateVersion = .default }
        Self.encode(s, into: &q)
        _ = try await callAutoScaling(region, q)
        return try await group(region: region, name: name, action: "CreateAutoScalingGroup")
    }

    /// UpdateAutoScalingGroup; a new version without a template name keeps the group's template.
    public func updateAutoScalingGroup(region: Region, name: String, settings: GroupSettings) async throws -> AutoScalingGroup {
        var q = autoScaling("UpdateAutoScalingGroup")
        q.set("AutoScalingGroupName", name)
        var s = settings
        // AWS wants the template named whenever its version changes; a group with a mixed instances
        // policy gets its policy back with the new version (a plain LaunchTemplate would replace it).
        if let version = s.launchTemplateVersion, s.launchTemplateName == nil, s.mixedInstancesPolicy == nil {
            let current = try await group(region: region, name: name, action: "UpdateAutoScalingGroup")
            if var policy = current.mixedInstancesPolicy {
                guard policy.unmodelled.isEmpty else {
                    throw IngotError.refused("ValidationError", "\(name)'s mixed instances policy has \(policy.unmodelled.joined(separator: ", ")), which Ingot does not model: change its version with the AWS CLI")
                }
                policy.launchTemplateVersion = version
                s.mixedInstancesPolicy = policy
                s.launchTemplateVersion = nil
            } else {
                s.launchTemplateName = current.launchTemplateName
            }
        }
        Self.encode(s, into: &q)
        _ = try await callAutoScaling(region, q)
        return try await group(region: region, name: name, action: "UpdateAutoScalingGroup")
    }

    /// SetDesiredCapacity; returns the group as described.
    public func setDesiredCapacity(region: Region, name: String, desiredCapacity: Int) async throws -> AutoScalingGroup {
        var q = autoScaling("SetDesiredCapacity")
        q.set("AutoScalingGroupName", name)
        q.set("DesiredCapacity", desiredCapacity)
        _ = try await callAutoScaling(region, q)
        return try await group(region: region, name: name, action: "SetDesiredCapacity")
    }

    func group(region: Region, name: String, action: String) async throws -> AutoScalingGroup {
        guard let g = try await describeAutoScalingGroups(region: region, names: [name]).first else {
            throw IngotError.refused("ValidationError", "\(action): AutoScalingGroup name not found - \(name)")
        }
        return g
    }

    /// DescribeAutoScalingGroups, every page. Each instance's image comes from DescribeInstances,
    /// and its template version from Auto Scaling, else from the `aws:ec2launchtemplate:version` tag
    /// EC2 puts on instances launched from a template.
    public func describeAutoScalingGroups(region: Region, names: [String]) async throws -> [AutoScalingGroup] {
        var q = autoScaling("DescribeAutoScalingGroups")
        q.memberList("AutoScalingGroupNames", names)
        try requireOwnAccount(q.action)
        let groupPages = try await client.queryPages(.autoScaling, region: region, q, token: "DescribeAutoScalingGroupsResult/NextToken")
        let entries = try groupPages.flatMap { page in
            try (page.child("DescribeAutoScalingGroupsResult") ?? page).members("AutoScalingGroups").map { try AutoScalingDecoding.group($0, region: region) }
        }
        let ids = entries.flatMap { $0.1.map(\.instanceId) }
        var details: [InstanceID: (image: String, version: Int?)] = [:]
        // DescribeInstances takes up to 1,000 ids a call.
        for start in stride(from: 0, to: ids.count, by: 1000) {
            var d = ec2("DescribeInstances")
            d.ec2List("InstanceId", ids[start..<min(ids.count, start + 1000)].map(\.rawValue))
            for page in try await pages(region, d) {
                for reservation in page.items("reservationSet") {
                    for item in reservation.items("instancesSet") {
                        guard let id = item.string("instanceId") else { continue }
                        let version = EC2Decoding.tags(item)[tag: "aws:ec2launchtemplate:version"].flatMap { Int($0) }
                        details[InstanceID(trusted: id)] = (item.string("imageId") ?? "", version)
                    }
                }
            }
        }
        return try entries.map { group, instances in
            var g = group
            g.instances = try instances.map { i in
                guard let version = i.launchTemplateVersion.flatMap({ Int($0) }) ?? details[i.instanceId]?.version else {
                    throw IngotError.failed("DescribeAutoScalingGroups: the launch template version of \(i.instanceId) in \(group.name) is not known (Auto Scaling reports '\(i.launchTemplateVersion ?? "none")' and the instance has no aws:ec2launchtemplate:version tag)")
                }
                return GroupInstance(instanceId: i.instanceId, availabilityZone: i.availabilityZone, lifecycleState: i.lifecycleState,
                                     healthStatus: i.healthStatus, launchTemplateVersion: version, imageId: details[i.instanceId]?.image ?? "",
                                     instanceType: i.instanceType)
            }
            return g
        }
    }
}
