import Foundation
import Testing
@testable import IngotCore

/// `--mixed-instances-policy` as the AWS CLI takes it, and ReplaceRootVolume's requirements read from
/// a group with values.
@Suite struct MixedInstancesPolicyTests {
    static let image = "ami-0123456789abcdef0"

    @Test("The AWS CLI's PascalCase and the API's camelCase read the same; members Ingot does not model are refused by name")
    func parsing() throws {
        let pascal = try MixedInstancesPolicy(json: JSONValue.parse("""
            {"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateId": "lt-0123456789abcdef0", "Version": "3"},
             "Overrides": [{"InstanceType": "c5.large", "ImageId": "\(Self.image)"}, {"InstanceType": "m5.large"}]},
             "InstancesDistribution": {"OnDemandPercentageAboveBaseCapacity": 50, "SpotAllocationStrategy": "price-capacity-optimized"}}
            """))
        let camel = try MixedInstancesPolicy(json: pascal.json)
        #expect(pascal == camel)
        #expect(pascal.launchTemplateName == "lt-0123456789abcdef0" && pascal.launchTemplateVersion == .number(3))
        #expect(pascal.overrides == [.init(instanceType: "c5.large", imageId: Self.image), .init(instanceType: "m5.large")])
        #expect(pascal.launchImage == Self.image && !pascal.everyOverrideHasImage)
        // A version is $Default when not given, as in a LaunchTemplateSpecification.
        #expect(try MixedInstancesPolicy(json: JSONValue.parse(#"{"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "web"}}}"#)).launchTemplateVersion == .default)
        for (json, field) in [
            (#"{"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "web"}, "Overrides": [{"InstanceType": "c5.large", "WeightedCapacity": "2"}]}}"#,
             "mixed-instances-policy.LaunchTemplate.Overrides[0].WeightedCapacity"),
            (#"{"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "web"}, "Overrides": [{"InstanceType": "c5.large", "ImageId": "ami-nope"}]}}"#,
             "mixed-instances-policy.LaunchTemplate.Overrides[0].ImageId"),
            (#"{"InstancesDistribution": {}}"#, "mixed-instances-policy.LaunchTemplate"),
            (#"{"LaunchTemplate": {"LaunchTemplateSpecification": {"Version": "1"}}}"#, "mixed-instances-policy.LaunchTemplate.LaunchTemplateSpecification"),
        ] {
            let error = #expect(throws: IngotError.self) { try MixedInstancesPolicy(json: JSONValue.parse(json)) }
            #expect(error?.message.hasPrefix(field + ":") == true, "\(json): \(error?.message ?? "")")
        }
    }

    @Test("No desired policy from overrides naming several AMIs or from members Ingot does not model; a multi-volume AMI is refused for ReplaceRootVolume")
    func refusals() throws {
        var p = MixedInstancesPolicy(launchTemplateName: "web", launchTemplateVersion: .number(1),
                                     overrides: [.init(instanceType: "c7i.large", imageId: Self.image), .init(instanceType: "c7g.large", imageId: "ami-0fedcba9876543210")])
        #expect(p.desiredRefusal?.contains("name 2 AMIs") == true)
        p.overrides[1].imageId = Self.image
        #expect(p.desiredRefusal == nil)
        p.unmodelled = ["Overrides[1].WeightedCapacity"]
        #expect(p.desiredRefusal?.contains("Overrides[1].WeightedCapacity") == true)
        p.unmodelled = []
        let group = AutoScalingGroup(name: "web-asg", region: .usEast1, launchTemplateName: "web", launchTemplateVersion: .number(1), minSize: 0, maxSize: 2,
                                     desiredCapacity: 0, availabilityZones: ["us-east-1a"], healthCheckGracePeriod: 0, defaultInstanceWarmup: nil,
                                     createdTime: Date(timeIntervalSince1970: 0), instances: [], mixedInstancesPolicy: p)
        #expect(ReplaceRootVolumePrerequisites.refusal(group: group, desiredVersion: .number(2)) == nil)
        // "AMIs must contain only a single root volume"
        let twoVolumes = Image(id: ImageID(trusted: Self.image), region: .usEast1, ownerId: .defaultLocal, name: "golden", creationDate: Date(timeIntervalSince1970: 0),
                               blockDeviceMappings: [BlockDeviceMapping(deviceName: "/dev/xvda", snapshotId: SnapshotID(trusted: "snap-0123456789abcdef0"), volumeSize: 8),
                                                     BlockDeviceMapping(deviceName: "/dev/sdf", snapshotId: SnapshotID(trusted: "snap-0123456789abcdef1"), volumeSize: 100)])
        #expect(ReplaceRootVolumePrerequisites.refusal(group: group, desiredVersion: .number(2), desiredImage: twoVolumes)?.message.contains("single root volume") == true)
    }

    @Test("A desired configuration pins the template and moves every override that names an AMI")
    func desired() throws {
        let p = MixedInstancesPolicy(launchTemplateName: "web", launchTemplateVersion: .number(1),
                                     overrides: [.init(instanceType: "c5.large", imageId: Self.image), .init(instanceType: "m5.large")])
        let d = p.desired(version: 4, imageId: "ami-0fedcba9876543210")
        #expect(d.launchTemplateVersion == .number(4) && d.overrides == [.init(instanceType: "c5.large", imageId: "ami-0fedcba9876543210"), .init(instanceType: "m5.large")])
    }
}
