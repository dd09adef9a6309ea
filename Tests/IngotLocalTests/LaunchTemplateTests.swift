import Foundation
import GRDB
import PropertyBased
import Testing
@testable import IngotCore
@testable import IngotLocal

@Suite struct LaunchTemplateTests {
    func template(_ f: Fixture, _ image: ImageID, region: Region = .usEast1) async throws {
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(
            region: region, name: "web-lt",
            data: LaunchTemplateData(imageId: image.rawValue, instanceType: "t3.micro", userData: Data("#!/bin/sh\necho hi".utf8).base64EncodedString(),
                                     blockDeviceMappings: [TemplateBlockDevice(deviceName: "/dev/xvda", volumeSize: 30, volumeType: "gp3")],
                                     tagSpecifications: [TagSpecification(resourceType: "instance", tags: [Tag(key: "team", value: "web")])])))
    }

    @Test func versionsAreNumberedImmutableAndInheritFromTheirSource() async throws {
        let f = try await Fixture()
        let a = try await f.build("golden-web-1"), b = try await f.build("golden-web-2")
        try await template(f, a)
        let v2 = try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(
            region: .usEast1, name: "web-lt", sourceVersion: .number(1), data: LaunchTemplateData(imageId: b.rawValue), versionDescription: "new image"))
        #expect(v2.versionNumber == 2)
        #expect(v2.data.imageId == b.rawValue)
        #expect(v2.data.userData != nil)
        #expect(v2.data.blockDeviceMappings?.first?.volumeSize == 30)
        #expect(v2.data.tagSpecifications?.first?.tags == [Tag(key: "team", value: "web")])
        #expect(!v2.defaultVersion)
        let v3 = try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(instanceType: "t3.large")))
        #expect(v3.data.imageId == nil)  // without SourceVersion nothing is inherited
        let latest = try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: [.latest])
        #expect(latest.map(\.versionNumber) == [3])
        let def = try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: [.default])
        #expect(def.map(\.versionNumber) == [1])
        let range = try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: [.range(1...2)])
        #expect(range.map(\.versionNumber) == [2, 1])
        #expect(try await f.cloud.modifyLaunchTemplate(region: .usEast1, name: "web-lt", defaultVersion: 2).defaultVersionNumber == 2)
        // The default is never deleted; the rest of the request still goes through, as on AWS.
        let partial = try await f.cloud.deleteLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: [2, 3, 7])
        #expect(partial.deleted == [3])
        #expect(partial.failed == [2: "launchTemplateVersionIsDefaultVersion", 7: "launchTemplateVersionDoesNotExist"])
        // With the latest version gone, $Latest is the highest that remains, and numbers are never reused.
        #expect(try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: [.latest]).map(\.versionNumber) == [2])
        #expect(try await f.cloud.deleteLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: [1]).deleted == [1])
        let v4 = try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(region: .usEast1, name: "web-lt", sourceVersion: .default, data: LaunchTemplateData()))
        #expect(v4.versionNumber == 4)
        let missing = await #expect(throws: IngotError.self) { try await f.cloud.modifyLaunchTemplate(region: .usEast1, name: "web-lt", defaultVersion: 1) }
        #expect(missing?.code == "InvalidLaunchTemplateId.VersionNotFound")
        let duplicate = await #expect(throws: IngotError.self) { try await template(f, a) }
        #expect(duplicate?.code == "InvalidLaunchTemplateName.AlreadyExistsException")
    }

    @Test func aClientTokenMakesCreationIdempotent() async throws {
        let f = try await Fixture()
        let a = try await f.build("golden-web-1"), b = try await f.build("golden-web-2")
        try await template(f, a)
        let request = CreateLaunchTemplateVersionRequest(region: .usEast1, name: "web-lt", sourceVersion: .number(1), data: LaunchTemplateData(imageId: b.rawValue), clientToken: "t-1")
        let first = try await f.cloud.createLaunchTemplateVersion(request)
        let again = try await f.cloud.createLaunchTemplateVersion(request)
        #expect(first.versionNumber == 2 && again.versionNumber == 2)
        #expect(try await f.cloud.describeLaunchTemplates(region: .usEast1, names: ["web-lt"]).first?.latestVersionNumber == 2)
    }

    @Test func refreshCreatesOneVersionOnlyWhereTheImageChangedAndIsIdempotent() async throws {
        let f = try await Fixture()
        let old = try await f.at(Fixture.now.addingTimeInterval(-86_400)).buildImage(region: .usEast1, name: try ImageName("golden-web-1"), tags: [Tag(key: "golden", value: "true")])
        try await template(f, old)
        try await template(f, old, region: .euWest1)
        let new = try await f.build("golden-web-2", tags: [Tag(key: "golden", value: "true")])
        let selector = ImageSelector(names: ["golden-web-*"], tags: ["golden": ["true"]], owners: [.caller])
        // Dry run: the plan, and nothing written.
        let plan = try await TemplateRefresher.refresh(templates: ["web-lt"], regions: [.usEast1], selector: selector,
                                                       options: .init(setDefault: true, dryRun: true), cloud: f.cloud, now: Fixture.now)
        #expect(plan.map(\.action) == [.wouldCreate])
        #expect(try await f.cloud.describeLaunchTemplates(region: .usEast1, names: ["web-lt"]).first?.latestVersionNumber == 1)
        // The real run: a version in us-east-1; eu-west-1 has no golden image there: blocked, untouched.
        let done = try await TemplateRefresher.refresh(templates: ["web-lt"], regions: [.usEast1, .euWest1], selector: selector,
                                                       options: .init(setDefault: true), cloud: f.cloud, now: Fixture.now)
        #expect(done.map(\.action) == [.createdVersion, .blocked])
        #expect(done[0].version == 2 && done[0].defaultVersion == 2 && done[0].imageId == new && done[0].previousImageId == old.rawValue)
        #expect(done[1].reason?.contains("no eligible golden image in eu-west-1") == true)
        let v2 = try #require(try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: [.default]).first)
        #expect(v2.data.userData != nil && v2.data.instanceType == "t3.micro")  // only the image changed
        #expect(v2.versionDescription?.contains("golden-web-2") == true)
        // A second run right after changes nothing.
        let again = try await TemplateRefresher.refresh(templates: ["web-lt"], regions: [.usEast1], selector: selector,
                                                        options: .init(setDefault: true), cloud: f.cloud, now: Fixture.now)
        #expect(again.map(\.action) == [.unchanged])
        // Without --set-default the default stays old, yet a rerun finds the version it made: unchanged.
        _ = try await f.cloud.modifyLaunchTemplate(region: .usEast1, name: "web-lt", defaultVersion: 1)
        let rerun = try await TemplateRefresher.refresh(templates: ["web-lt"], regions: [.usEast1], selector: selector, options: .init(), cloud: f.cloud, now: Fixture.now)
        #expect(rerun.map(\.action) == [.unchanged])
        #expect(rerun.first?.version == 2)
        #expect(try await f.cloud.describeLaunchTemplates(region: .usEast1, names: ["web-lt"]).first?.latestVersionNumber == 2)
    }

    @Test func refreshNeverWritesAnImageTheTemplatesAccountCannotLaunch() async throws {
        let f = try await Fixture()
        let mine = try await f.build("golden-web-1", tags: [Tag(key: "golden", value: "true")])
        try await template(f, mine)
        // A newer golden image owned by another account and not shared: never chosen.
        _ = try await f.other.buildImage(region: .usEast1, name: try ImageName("golden-web-9"), tags: [Tag(key: "golden", value: "true")])
        let selector = ImageSelector(names: ["golden-web-*"], tags: ["golden": ["true"]])
        let result = try await TemplateRefresher.refresh(templates: ["web-lt"], regions: [.usEast1], selector: selector, options: .init(), cloud: f.cloud, now: Fixture.now)
        #expect(result.map(\.action) == [.unchanged])
    }

    @Test func keepPrunesTheOldestButNeverTheDefault() async throws {
        let f = try await Fixture()
        var images: [ImageID] = []
        for n in 0..<4 { images.append(try await f.at(Fixture.now.addingTimeInterval(Double(n - 4) * 3600)).buildImage(region: .usEast1, name: try ImageName("golden-web-\(n)"))) }
        try await template(f, images[0])
        for image in images.dropFirst() {
            _ = try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(region: .usEast1, name: "web-lt", sourceVersion: .latest, data: LaunchTemplateData(imageId: image.rawValue)))
        }
        let newest = try await f.build("golden-web-9")
        let result = try await TemplateRefresher.refresh(templates: ["web-lt"], regions: [.usEast1], selector: ImageSelector(names: ["golden-web-*"], owners: [.caller]),
                                                         options: .init(base: .latest, keep: 2), cloud: f.cloud, now: Fixture.now)
        #expect(result.first?.version == 5)
        #expect(result.first?.deletedVersions == [2, 3])  // 1 is the default, 4 and 5 are the newest two
        let left = try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: []).map(\.versionNumber)
        #expect(left == [5, 4, 1])
        #expect(try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: [.latest]).first?.data.imageId == newest.rawValue)
    }
}

@Suite struct ParameterTests {
    @Test func parametersVersionLabelAndValidateImages() async throws {
        let f = try await Fixture()
        let a = try await f.build("golden-web-1"), b = try await f.build("golden-web-2")
        #expect(try await f.cloud.putParameter(region: .usEast1, name: "/golden/web", value: a.rawValue, dataType: "aws:ec2:image", overwrite: false) == 1)
        let exists = await #expect(throws: IngotError.self) {
            try await f.cloud.putParameter(region: .usEast1, name: "/golden/web", value: b.rawValue, dataType: "aws:ec2:image", overwrite: false)
        }
        #expect(exists?.code == "ParameterAlreadyExists")
        #expect(try await f.cloud.putParameter(region: .usEast1, name: "/golden/web", value: b.rawValue, dataType: "aws:ec2:image", overwrite: true) == 2)
        try await f.cloud.labelParameterVersion(region: .usEast1, name: "/golden/web", version: 1, labels: ["stable"])
        #expect(try await f.cloud.getParameter(region: .usEast1, name: "/golden/web").value == b.rawValue)
        #expect(try await f.cloud.getParameter(region: .usEast1, name: "/golden/web:1").value == a.rawValue)
        #expect(try await f.cloud.getParameter(region: .usEast1, name: "/golden/web:stable").value == a.rawValue)
        try await f.cloud.labelParameterVersion(region: .usEast1, name: "/golden/web", version: 2, labels: ["stable"])  // labels move
        #expect(try await f.cloud.getParameterHistory(region: .usEast1, name: "/golden/web").map(\.labels) == [[], ["stable"]])
        let notAnImage = await #expect(throws: IngotError.self) {
            try await f.cloud.putParameter(region: .usEast1, name: "/golden/api", value: "ami-0123456789abcdef0", dataType: "aws:ec2:image", overwrite: false)
        }
        // SSM's own code, not EC2's InvalidParameterValue: SSM documents none for a failed aws:ec2:image
        // check (it fails after PutParameter answers), so Ingot uses SSM's ValidationException.
        #expect(notAnImage?.code == "ValidationException")
        await #expect(throws: IngotError.self) { try await f.cloud.putParameter(region: .usEast1, name: "aws/x", value: "v", dataType: "text", overwrite: false) }
        let missing = await #expect(throws: IngotError.self) { try await f.cloud.getParameter(region: .euWest1, name: "/golden/web") }
        #expect(missing?.code == "ParameterNotFound")
    }

    /// SSM's ParameterMaxVersionLimitExceeded: "Parameter Store retains the 100 most recently created
    /// versions of a parameter. After this number of versions has been created, Parameter Store deletes
    /// the oldest version when a new one is created. However, if the oldest version has a label attached
    /// to it, Parameter Store won't delete the version and instead presents this error message".
    @Test func theOldestVersionIsKeptWhenItHasALabel() async throws {
        let f = try await Fixture()
        for i in 1...100 {
            #expect(try await f.cloud.putParameter(region: .usEast1, name: "/app/mode", value: "v\(i)", dataType: "text", overwrite: true) == i)
        }
        try await f.cloud.labelParameterVersion(region: .usEast1, name: "/app/mode", version: 1, labels: ["pinned"])
        let refused = await #expect(throws: IngotError.self) {
            try await f.cloud.putParameter(region: .usEast1, name: "/app/mode", value: "v101", dataType: "text", overwrite: true)
        }
        #expect(refused?.code == "ParameterMaxVersionLimitExceeded" && refused?.kind == .refused)
        #expect(refused?.message.contains("Version 1, the oldest version") == true)
        let history = try await f.cloud.getParameterHistory(region: .usEast1, name: "/app/mode")
        #expect(history.count == 100 && history.first?.version == 1 && history.last?.value == "v100", "nothing written")
        #expect(try await f.cloud.getParameter(region: .usEast1, name: "/app/mode:pinned").value == "v1")
        // Moving the label lets the put delete the oldest version, as without a label.
        try await f.cloud.labelParameterVersion(region: .usEast1, name: "/app/mode", version: 100, labels: ["pinned"])
        #expect(try await f.cloud.putParameter(region: .usEast1, name: "/app/mode", value: "v101", dataType: "text", overwrite: true) == 101)
        let after = try await f.cloud.getParameterHistory(region: .usEast1, name: "/app/mode")
        #expect(after.map(\.version) == Array(2...101))
    }

    @Test func refreshMovesTheParameterOfAResolveSSMTemplate() async throws {
        let f = try await Fixture()
        let old = try await f.at(Fixture.now.addingTimeInterval(-3600)).buildImage(region: .usEast1, name: try ImageName("golden-web-1"))
        _ = try await f.cloud.putParameter(region: .usEast1, name: "/golden/web", value: old.rawValue, dataType: "aws:ec2:image", overwrite: false)
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "ssm-lt", data: LaunchTemplateData(imageId: "resolve:ssm:/golden/web", instanceType: "t3.micro")))
        let new = try await f.build("golden-web-2")
        let selector = ImageSelector(names: ["golden-web-*"], owners: [.caller])
        let result = try await TemplateRefresher.refresh(templates: ["ssm-lt"], regions: [.usEast1], selector: selector, options: .init(), cloud: f.cloud, now: Fixture.now)
        #expect(result.first?.action == .updatedParameter)
        #expect(result.first?.parameterVersion == 2)
        #expect(try await f.cloud.getParameter(region: .usEast1, name: "/golden/web").value == new.rawValue)
        #expect(try await f.cloud.describeLaunchTemplates(region: .usEast1, names: ["ssm-lt"]).first?.latestVersionNumber == 1)  // no new version
        let again = try await TemplateRefresher.refresh(templates: ["ssm-lt"], regions: [.usEast1], selector: selector, options: .init(), cloud: f.cloud, now: Fixture.now)
        #expect(again.first?.action == .unchanged)
    }
}

@Suite struct AutoScalingTests {
    func setUp() async throws -> (Fixture, ImageID, ImageID) {
        let f = try await Fixture()
        let a = try await f.at(Fixture.now.addingTimeInterval(-7200)).buildImage(region: .usEast1, name: try ImageName("golden-web-1"))
        let b = try await f.at(Fixture.now.addingTimeInterval(-3600)).buildImage(region: .usEast1, name: try ImageName("golden-web-2"))
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(imageId: a.rawValue, instanceType: "t3.micro")))
        _ = try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(region: .usEast1, name: "web-lt", sourceVersion: .latest, data: LaunchTemplateData(imageId: b.rawValue)))
        return (f, a, b)
    }

    @Test func groupsLaunchBalancedInstancesRecordingVersionAndImage() async throws {
        let (f, a, b) = try await setUp()
        let g = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(
            launchTemplateName: "web-lt", launchTemplateVersion: .number(1), minSize: 2, maxSize: 8, desiredCapacity: 6, healthCheckGracePeriod: 300))
        #expect(g.instances.count == 6)
        #expect(Dictionary(grouping: g.instances, by: \.availabilityZone).mapValues(\.count) == ["us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2])
        #expect(g.instances.allSatisfy { $0.launchTemplateVersion == 1 && $0.imageId == a.rawValue })
        // A new version for the group does not touch running instances; scaling out launches from it.
        let out = try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(launchTemplateVersion: .latest, desiredCapacity: 8))
        #expect(out.instances.count == 8)
        #expect(out.instances.filter { $0.imageId == b.rawValue }.count == 2)
        // Scaling in takes the oldest version first, keeping zones balanced.
        let scaledIn = try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(desiredCapacity: 5))
        #expect(scaledIn.instances.count == 5)
        #expect(scaledIn.instances.filter { $0.imageId == b.rawValue }.count == 2)
        let zones = Dictionary(grouping: scaledIn.instances, by: \.availabilityZone).mapValues(\.count).values
        #expect((zones.max() ?? 0) - (zones.min() ?? 0) <= 1)
        // Switching templates without a version means the new template's $Default.
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "other-lt", data: LaunchTemplateData(imageId: a.rawValue)))
        #expect(try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(launchTemplateName: "other-lt")).launchTemplateVersion == .default)
        #expect(try await f.cloud.setDesiredCapacity(region: .usEast1, name: "web-asg", desiredCapacity: 4).instances.count == 4)
        // Lowering max pulls desired down with it.
        #expect(try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(maxSize: 3)).desiredCapacity == 3)
    }

    @Test func aGroupCannotLaunchADisabledImageButADeprecatedOneIsFine() async throws {
        let (f, a, b) = try await setUp()
        _ = try await f.cloud.enableImageDeprecation(region: .usEast1, imageId: a, deprecateAt: Fixture.now.addingTimeInterval(60))
        try await f.cloud.disableImage(region: .usEast1, imageId: b)
        let later = f.cloud.at(.at(Fixture.now.addingTimeInterval(3600)))
        let g = try await later.createAutoScalingGroup(region: .usEast1, name: "old-asg", settings: GroupSettings(launchTemplateName: "web-lt", launchTemplateVersion: .number(1), minSize: 1, maxSize: 2))
        #expect(g.instances.map(\.imageId) == [a.rawValue])
        let refused = await #expect(throws: IngotError.self) {
            try await later.createAutoScalingGroup(region: .usEast1, name: "new-asg", settings: GroupSettings(launchTemplateName: "web-lt", launchTemplateVersion: .number(2), minSize: 1, maxSize: 2))
        }
        #expect(refused?.code == "InvalidAMIID.Unavailable")
        #expect(try await f.cloud.describeInstances(region: .usEast1, instanceIds: [g.instances[0].instanceId]).first?.instanceType == "t3.micro")
    }

    @Test func groupValidationFollowsAutoScaling() async throws {
        let (f, _, _) = try await setUp()
        let bad = await #expect(throws: IngotError.self) {
            try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "x", settings: GroupSettings(launchTemplateName: "web-lt", minSize: 5, maxSize: 2))
        }
        #expect(bad?.kind == .invalidInput)
        await #expect(throws: IngotError.self) {
            try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "x", settings: GroupSettings(launchTemplateName: "web-lt", minSize: 1, maxSize: 2, availabilityZones: ["eu-west-1a"]))
        }
        let noVersion = await #expect(throws: IngotError.self) {
            try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "x", settings: GroupSettings(launchTemplateName: "web-lt", launchTemplateVersion: .number(9), minSize: 1, maxSize: 2))
        }
        #expect(noVersion?.code == "ValidationError")
        #expect(try await f.cloud.describeAutoScalingGroups(region: .usEast1, names: []).isEmpty)
    }

    @Test func keepNeverPrunesAVersionAGroupUses() async throws {
        let (f, _, _) = try await setUp()
        _ = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(
            launchTemplateName: "web-lt", launchTemplateVersion: .number(2), minSize: 1, maxSize: 2, desiredCapacity: 1))
        _ = try await f.cloud.modifyLaunchTemplate(region: .usEast1, name: "web-lt", defaultVersion: 2)
        for n in 3...5 {
            let image = try await f.at(Fixture.now.addingTimeInterval(Double(n) - 100)).buildImage(region: .usEast1, name: try ImageName("golden-web-\(n)"))
            _ = try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(region: .usEast1, name: "web-lt", sourceVersion: .latest, data: LaunchTemplateData(imageId: image.rawValue)))
        }
        _ = try await f.cloud.modifyLaunchTemplate(region: .usEast1, name: "web-lt", defaultVersion: 5)
        _ = try await f.build("golden-web-9")
        let result = try await TemplateRefresher.refresh(templates: ["web-lt"], regions: [.usEast1], selector: ImageSelector(names: ["golden-web-*"], owners: [.caller]),
                                                         options: .init(keep: 1), cloud: f.cloud, now: Fixture.now)
        #expect(result.first?.version == 6)
        #expect(result.first?.deletedVersions == [1, 3, 4])  // 2: the group's; 5: the default; 6: new
    }
}

@Suite struct DoctorTests {
    /// A group's version is `$Latest`, `$Default` or a number by its type: a version that is no version
    /// (as an import can bring) is refused where it enters, never read as version 1.
    @Test func anUnparsableGroupVersionIsNotVersionOne() async throws {
        let f = try await Fixture()
        let a = try await f.build("golden-web-1")
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(imageId: a.rawValue)))
        for version in ["abc", "2-5", "", "0"] {
            let parse = #expect(throws: IngotError.self) { try TemplateVersion(version) }
            #expect(parse?.kind == .invalidInput, "\(version)")
            let document = #"{"AutoScalingGroups": [{"AutoScalingGroupName": "web-asg", "MinSize": 0, "MaxSize": 1, "DesiredCapacity": 0, "LaunchTemplate": {"LaunchTemplateName": "web-lt", "Version": "\#(version)"}}]}"#
            let imported = await #expect(throws: IngotError.self) { try await f.cloud.importAccountDocument(Data(document.utf8), region: .usEast1) }
            #expect(imported?.kind == .invalidInput, "\(version)")
        }
        #expect(try await f.cloud.describeAutoScalingGroups(region: .usEast1, names: []).isEmpty)
        let one = AutoScalingGroup(name: "web-asg", region: .usEast1, launchTemplateName: "web-lt", launchTemplateVersion: .number(1), minSize: 0, maxSize: 1,
                                   desiredCapacity: 0, availabilityZones: [], healthCheckGracePeriod: 0, defaultInstanceWarmup: nil, createdTime: Fixture.now, instances: [])
        #expect(try await LaunchTarget.of(one, cloud: f.cloud).imageId == a.rawValue)
    }

    @Test func findsTemplatesOnDeadImagesAndDriftedInstances() async throws {
        let f = try await Fixture()
        let a = try await f.at(Fixture.now.addingTimeInterval(-7200)).buildImage(region: .usEast1, name: try ImageName("golden-web-1"), tags: [Tag(key: "golden", value: "true")])
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(imageId: a.rawValue)))
        _ = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(launchTemplateName: "web-lt", launchTemplateVersion: .number(1), minSize: 1, maxSize: 3, desiredCapacity: 2))
        let golden = ImageSelector(tags: ["golden": ["true"]], owners: [.caller])
        #expect(try await Doctor.examine(regions: [.usEast1], golden: golden, cloud: f.cloud, now: Fixture.now).isEmpty)
        // Deprecate the template's image, move the group to a new version: both show.
        _ = try await f.cloud.enableImageDeprecation(region: .usEast1, imageId: a, deprecateAt: Fixture.now.addingTimeInterval(120))
        let b = try await f.build("golden-web-2", tags: [Tag(key: "golden", value: "true")])
        _ = try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(region: .usEast1, name: "web-lt", sourceVersion: .latest, data: LaunchTemplateData(imageId: b.rawValue)))
        _ = try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(launchTemplateVersion: .number(2)))
        // A copy of the newest build is still missing in eu-west-1, which has the older one.
        _ = try await f.cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: a, region: .euWest1, copyImageTags: true))
        let later = Fixture.now.addingTimeInterval(3 * 3600)
        let findings = try await Doctor.examine(regions: [.usEast1, .euWest1], golden: golden, cloud: f.cloud.at(.at(later)), now: later)
        #expect(Set(findings.map(\.kind)) == [.templateImageUnusable, .instanceImageDrift, .goldenBuildMissing])
        #expect(findings.first { $0.kind == .templateImageUnusable }?.detail.contains("deprecated since") == true)
        #expect(findings.first { $0.kind == .instanceImageDrift }?.detail.hasPrefix("2 of 2 instances") == true)
        #expect(findings.first { $0.kind == .goldenBuildMissing }?.region == .euWest1)
        #expect(Doctor.family(of: "golden-web-2.4.0-3") == "golden-web")
        // A group whose template version is gone is a finding, not a failure.
        _ = try await f.cloud.modifyLaunchTemplate(region: .usEast1, name: "web-lt", defaultVersion: 1)
        _ = try await f.cloud.deleteLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: [2])
        let gone = try await Doctor.examine(regions: [.usEast1], golden: golden, cloud: f.cloud.at(.at(later)), now: later)
        #expect(gone.contains { $0.kind == .groupTemplateMissing && $0.resource == "web-asg" })
        #expect(Doctor.dollars(1.5) == "1.50")
    }
}

@Suite struct QuotaTests {
    @Test func templateAndVersionQuotasAreAWSs() async throws {
        let f = try await Fixture()
        let image = try await f.build("golden-web-1")
        // 4,999 templates already exist in us-east-1 (written directly: the quota is what is tested).
        try await f.cloud.store.pool.write { db in
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4999)
                INSERT INTO launch_template (id, region, owner_id, name, create_time, default_version, latest_version)
                SELECT printf('lt-%017x', i), 'us-east-1', '123456789012', 'bulk-' || i, 0, 1, 1 FROM n
                """)
        }
        let data = LaunchTemplateData(imageId: image.rawValue)
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "the-5000th", data: data))
        let over = await #expect(throws: IngotError.self) {
            try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "one-too-many", data: data))
        }
        #expect(over?.code == "LaunchTemplateLimitExceeded")
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .euWest1, name: "one-too-many", data: data))  // per region
        // A template with 10,000 versions takes no more.
        try await f.cloud.store.pool.write { db in
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
                INSERT INTO launch_template_version (template_id, version, create_time, data)
                SELECT t.id, n.i, 0, '{}' FROM n, launch_template t WHERE t.name = 'the-5000th'
                """)
            try db.execute(sql: "UPDATE launch_template SET latest_version = 10000 WHERE name = 'the-5000th'")
        }
        let full = await #expect(throws: IngotError.self) {
            try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(region: .usEast1, name: "the-5000th", data: data))
        }
        #expect(full?.code == "VersionLimitExceeded")
    }
}

/// StartInstanceRefresh and its siblings through the `InstanceRefreshCloud` protocol, on the local cloud:
/// the refresh runs at once in virtual time and is recorded, as DescribeInstanceRefreshes then lists it.
@Suite struct LocalInstanceRefreshTests {
    func setUp() async throws -> (Fixture, ImageID) {
        let f = try await Fixture()
        let a = try await f.build("golden-web-1"), b = try await f.build("golden-web-2")
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(imageId: a.rawValue, instanceType: "t3.micro")))
        _ = try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(region: .usEast1, name: "web-lt", sourceVersion: .latest, data: LaunchTemplateData(imageId: b.rawValue)))
        _ = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(
            launchTemplateName: "web-lt", launchTemplateVersion: .number(1), minSize: 1, maxSize: 6, desiredCapacity: 4))
        return (f, b)
    }

    @Test func startRunsTheRefreshAndRecordsIt() async throws {
        let (f, b) = try await setUp()
        let cloud: any InstanceRefreshCloud = f.cloud
        var preferences = RefreshPreferences()
        preferences.minHealthyPercentage = 50
        let id = try await cloud.startInstanceRefresh(StartInstanceRefreshRequest(
            region: .usEast1, autoScalingGroupName: "web-asg", launchTemplateName: "web-lt", launchTemplateVersion: 2, preferences: preferences))
        let listed = try await cloud.describeInstanceRefreshes(region: .usEast1, group: "web-asg", ids: [id])
        #expect(listed.count == 1 && listed[0].status == .successful && listed[0].desiredLaunchTemplateVersion == 2 && listed[0].percentageComplete == 100)
        #expect(listed[0].preferences["MinHealthyPercentage"] == "50")
        let group = try #require(try await cloud.describeAutoScalingGroups(region: .usEast1, names: ["web-asg"]).first)
        #expect(group.launchTemplateVersion == .number(2) && group.instances.count == 4 && group.instances.allSatisfy { $0.imageId == b.rawValue })
        #expect(try await cloud.describeInstanceRefreshes(region: .usEast1, group: "web-asg", ids: ["no-such-id"]).isEmpty)
    }

    /// CancelInstanceRefresh (API reference): "Cancels an instance refresh or rollback that is in progress. If
    /// an instance refresh or rollback is not in progress, an ActiveInstanceRefreshNotFound error occurs."
    /// A local refresh runs to its end before StartInstanceRefresh answers, so none is ever in progress.
    @Test func cancelAndRollbackFindNothingInProgress() async throws {
        let (f, _) = try await setUp()
        for stop in [{ try await f.cloud.cancelInstanceRefresh(region: .usEast1, group: "web-asg") },
                     { try await f.cloud.rollbackInstanceRefresh(region: .usEast1, group: "web-asg") }] {
            let error = await #expect(throws: IngotError.self) { _ = try await stop() }
            #expect(error?.code == "ActiveInstanceRefreshNotFound")
        }
    }

    /// RefreshPreferences.AutoRollback: "A rollback is not supported ... There is no desired configuration
    /// specified for the instance refresh"; StartInstanceRefresh's Strategy takes Rolling | ReplaceRootVolume.
    @Test func startRefusesWhatAWSRefuses() async throws {
        let (f, _) = try await setUp()
        var rollback = RefreshPreferences()
        rollback.autoRollback = true
        let noDesired = await #expect(throws: IngotError.self) {
            _ = try await f.cloud.startInstanceRefresh(StartInstanceRefreshRequest(region: .usEast1, autoScalingGroupName: "web-asg", launchTemplateName: "web-lt",
                                                                                   launchTemplateVersion: nil, preferences: rollback))
        }
        #expect(noDesired?.code == "IrreversibleInstanceRefresh")
        let strategy = await #expect(throws: IngotError.self) {
            _ = try await f.cloud.startInstanceRefresh(StartInstanceRefreshRequest(region: .usEast1, autoScalingGroupName: "web-asg", launchTemplateName: "web-lt",
                                                                                   launchTemplateVersion: 2, strategy: "Canary"))
        }
        #expect(strategy?.kind == .invalidInput)
        #expect(try await f.cloud.describeInstanceRefreshes(region: .usEast1, group: "web-asg").isEmpty)
    }
}

/// ReplaceRootVolume as the Auto Scaling user guide's "Replace root volumes during instance refresh"
/// page defines it, on groups with and without a mixed instances policy.
@Suite struct ReplaceRootVolumeTests {
    static func policy(_ image: ImageID, version: String = "1", types: [String] = ["t3.micro", "t3.small"]) throws -> MixedInstancesPolicy {
        try MixedInstancesPolicy(json: JSONValue.parse("""
            {"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "web-lt", "Version": "\(version)"},
             "Overrides": [\(types.map { "{\"InstanceType\": \"\($0)\", \"ImageId\": \"\(image)\"}" }.joined(separator: ","))]},
             "InstancesDistribution": {"OnDemandBaseCapacity": 1}}
            """))
    }

    func start(_ f: Fixture, desired: Int?) async throws -> String {
        try await f.cloud.startInstanceRefresh(StartInstanceRefreshRequest(region: .usEast1, autoScalingGroupName: "web-asg", launchTemplateName: "web-lt",
                                                                           launchTemplateVersion: desired, strategy: "ReplaceRootVolume"))
    }

    @Test("\"You can't start an instance refresh with Replace Root Volume if the EC2 Auto Scaling group ... uses the $Latest or $Default launch template version\"; \"Your Auto Scaling group must use a mixed instances policy\"")
    func refusedWithoutAPolicyOrOnAMovingVersion() async throws {
        let (f, _, _) = try await AutoScalingTests().setUp()
        _ = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(
            launchTemplateName: "web-lt", launchTemplateVersion: .latest, minSize: 0, maxSize: 4, desiredCapacity: 2))
        let noPolicy = await #expect(throws: IngotError.self) { _ = try await start(f, desired: 2) }
        #expect(noPolicy?.code == "ValidationError" && noPolicy?.message.contains("must use a mixed instances policy") == true)
        #expect(try await f.cloud.describeInstanceRefreshes(region: .usEast1, group: "web-asg").isEmpty)
    }

    @Test("A policy on $Latest, overrides without an AMI, or no desired configuration are refused; instances of a type the policy lacks too")
    func refusedPolicies() async throws {
        let (f, a, _) = try await AutoScalingTests().setUp()
        var moving = try Self.policy(a, version: "$Latest")
        _ = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(minSize: 0, maxSize: 4, desiredCapacity: 2, mixedInstancesPolicy: moving))
        #expect(await #expect(throws: IngotError.self) { _ = try await start(f, desired: 2) }?.message.contains("$Latest") == true)
        moving.launchTemplateVersion = .number(1)
        moving.overrides[1].imageId = nil
        _ = try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(mixedInstancesPolicy: moving))
        #expect(await #expect(throws: IngotError.self) { _ = try await start(f, desired: 2) }?.message.contains("must specify an ImageId") == true)
        _ = try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(mixedInstancesPolicy: try Self.policy(a)))
        // "You must start the instance refresh with a desired configuration having a mixed instances policy containing ImageId overrides."
        #expect(await #expect(throws: IngotError.self) { _ = try await start(f, desired: nil) }?.message.contains("desired configuration") == true)
        // "... if it contains instances whose instance type is not present in the mixed instances policy."
        _ = try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(desiredCapacity: 3, mixedInstancesPolicy: try Self.policy(a, types: ["m7i.large"])))
        _ = try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(mixedInstancesPolicy: try Self.policy(a, types: ["t3.micro"])))
        #expect(await #expect(throws: IngotError.self) { _ = try await start(f, desired: 2) }?.message.contains("m7i.large") == true)
        #expect(try await f.cloud.describeInstanceRefreshes(region: .usEast1, group: "web-asg").isEmpty)
    }

    @Test("A group with a policy launches the first override's type and AMI; ReplaceRootVolume keeps the instances and moves the overrides' AMIs")
    func replacesRootVolumesOfAPolicyGroup() async throws {
        let (f, a, b) = try await AutoScalingTests().setUp()
        // The overrides name image a while the template's version 1 names it too; version 2 names b.
        let g = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(
            minSize: 0, maxSize: 4, desiredCapacity: 3, mixedInstancesPolicy: try Self.policy(a, types: ["t3.small", "t3.micro"])))
        #expect(g.launchTemplateName == "web-lt" && g.launchTemplateVersion == .number(1))
        #expect(g.instances.allSatisfy { $0.imageId == a.rawValue && $0.instanceType == "t3.small" })
        #expect(g.mixedInstancesPolicy?.instancesDistribution["onDemandBaseCapacity"] == .int(1))
        let ids = Set(g.instances.map(\.instanceId))
        let id = try await start(f, desired: 2)
        let refresh = try #require(try await f.cloud.describeInstanceRefreshes(region: .usEast1, group: "web-asg", ids: [id]).first)
        #expect(refresh.status == .successful)
        let after = try #require(try await f.cloud.describeAutoScalingGroups(region: .usEast1, names: ["web-asg"]).first)
        // Replace Root Volume "preserves all other instance resources": the same instances, on b.
        #expect(Set(after.instances.map(\.instanceId)) == ids && after.instances.allSatisfy { $0.imageId == b.rawValue && $0.launchTemplateVersion == 2 })
        #expect(after.launchTemplateVersion == .number(2) && after.mixedInstancesPolicy?.overrides.allSatisfy { $0.imageId == b.rawValue } == true)
        // Scaling out now launches b, the overrides' AMI.
        let out = try await f.cloud.setDesiredCapacity(region: .usEast1, name: "web-asg", desiredCapacity: 4)
        #expect(out.instances.allSatisfy { $0.imageId == b.rawValue })
    }
}

/// `templates refresh --dry-run` is a plan in Terraform's sense: it shows every change the run makes.
@Suite struct RefreshPlanTests {
    /// For random template histories, defaults, pinned groups and options, the dry run reports the same
    /// version, default and deleted versions as the run that follows, and the run leaves exactly that.
    @Test func theDryRunShowsWhatTheRunDoes() async {
        let history = zip(Gen.int(in: 1...9), Gen.int(in: 0...511), Gen.int(in: 0...8), Gen.int(in: 0...9))
        let options = zip(Gen.int(in: 0...5), Gen.bool, Gen.bool)
        await propertyCheck(count: 40, input: history, options) { shape, choice in
            let (count, goldenMask, defaultIndex, pinned) = shape
            let (keep, setDefault, latestBase) = choice
            let f = try await Fixture()
            let old = try await f.at(Fixture.now.addingTimeInterval(-7200)).buildImage(region: .usEast1, name: try ImageName("golden-web-1"))
            let golden = try await f.build("golden-web-2")
            let image = { (n: Int) in (goldenMask >> n) & 1 == 1 ? golden : old }
            _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(imageId: old.rawValue, instanceType: "t3.micro")))
            for n in stride(from: 2, through: count, by: 1) {
                _ = try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(region: .usEast1, name: "web-lt", sourceVersion: .number(n - 1),
                                                                                                     data: LaunchTemplateData(imageId: image(n).rawValue)))
            }
            _ = try await f.cloud.modifyLaunchTemplate(region: .usEast1, name: "web-lt", defaultVersion: defaultIndex % count + 1)
            if pinned > 0 {
                _ = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(
                    launchTemplateName: "web-lt", launchTemplateVersion: .number(pinned % count + 1), minSize: 0, maxSize: 2, desiredCapacity: 1))
            }
            let before = Set(try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: []).map(\.versionNumber))
            let defaultBefore = try #require(try await f.cloud.describeLaunchTemplates(region: .usEast1, names: ["web-lt"]).first).defaultVersionNumber
            var job = TemplateRefresher.Job(templates: ["web-lt"], regions: [.usEast1], selector: ImageSelector(names: ["golden-web-*"], owners: [.caller]),
                                            options: .init(base: latestBase ? .latest : .default, setDefault: setDefault, keep: keep == 0 ? nil : keep, dryRun: true))
            let plan = try #require(try await TemplateRefresher.refresh(jobs: [job], cloud: f.cloud, now: Fixture.now).first)
            job.options.dryRun = false
            let done = try #require(try await TemplateRefresher.refresh(jobs: [job], cloud: f.cloud, now: Fixture.now).first)
            let label = "\(shape) \(choice)"
            #expect(plan.action == done.action.planned, "\(label)")
            #expect(plan.version == done.version && plan.defaultVersion == done.defaultVersion, "\(label)")
            #expect(plan.deletedVersions == done.deletedVersions, "\(label)")
            let after = Set(try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "web-lt", versions: []).map(\.versionNumber))
            let created: Set<Int> = done.action == .createdVersion ? [done.version ?? 0] : []
            #expect(after == before.union(created).subtracting(done.deletedVersions), "\(label)")
            let template = try #require(try await f.cloud.describeLaunchTemplates(region: .usEast1, names: ["web-lt"]).first)
            #expect(template.defaultVersionNumber == done.defaultVersion, "\(label)")
            // Only a run that changed nothing says so.
            let changed = !created.isEmpty || !done.deletedVersions.isEmpty || template.defaultVersionNumber != defaultBefore
            #expect((done.action == .unchanged) == !changed, "\(label)")
        }
    }
}

