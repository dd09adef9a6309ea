import Foundation
import GRDB
import Testing
@testable import IngotCore
@testable import IngotLocal

/// Launch template, SSM and Auto Scaling limits as AWS's references state them. Each test quotes the
/// sentence it checks; where AWS names no error code, the choice is documented in
/// docs/resolve-and-templates.md.
@Suite struct TemplateFidelityTests {
    func rowCount(_ f: Fixture, _ table: String) async throws -> Int {
        try await f.cloud.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
    }

    func create(_ f: Fixture, _ data: LaunchTemplateData, name: String = "web-lt", description: String? = nil) async throws -> LaunchTemplateVersion {
        try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: name, data: data, versionDescription: description))
    }

    /// RequestLaunchTemplateData (EC2 API reference): "You must specify at least one parameter for the
    /// launch template data." VersionDescription: "Constraints: Maximum 255 characters". UserData:
    /// "You must provide base64-encoded text. User data is limited to 16 KB."
    @Test func emptyDataLongDescriptionsAndLargeUserDataAreRefusedAndWriteNothing() async throws {
        let f = try await Fixture()
        let image = try await f.build("golden-web-1")
        let empty = await #expect(throws: IngotError.self) { try await create(f, LaunchTemplateData()) }
        #expect(empty?.code == "MissingParameter" && empty?.kind == .invalidInput)
        let long = await #expect(throws: IngotError.self) {
            try await create(f, LaunchTemplateData(imageId: image.rawValue), description: String(repeating: "d", count: 256))
        }
        #expect(long?.message.hasPrefix("version-description:") == true)
        _ = try await create(f, LaunchTemplateData(imageId: image.rawValue), name: "exact", description: String(repeating: "d", count: 255))

        let limit = Data(repeating: 0x41, count: 16 * 1024)
        _ = try await create(f, LaunchTemplateData(imageId: image.rawValue, userData: limit.base64EncodedString()), name: "user-data-16k")
        let big = await #expect(throws: IngotError.self) {
            try await create(f, LaunchTemplateData(imageId: image.rawValue, userData: (limit + Data([0x41])).base64EncodedString()), name: "user-data-big")
        }
        #expect(big?.message.hasPrefix("user-data:") == true && big?.kind == .invalidInput)
        let notBase64 = await #expect(throws: IngotError.self) {
            try await create(f, LaunchTemplateData(imageId: image.rawValue, userData: "#!/bin/sh not base64!"), name: "user-data-text")
        }
        #expect(notBase64?.message.hasPrefix("user-data:") == true)
        #expect(try await rowCount(f, "launch_template") == 2, "only the two valid templates were written")
    }

    /// EC2 user guide (Use a Systems Manager parameter instead of an AMI ID): "Launch templates require
    /// that user-defined Systems Manager parameters adhere to the following format ... Parameter data
    /// type: aws:ec2:image". The Auto Scaling guide: "You must create a Systems Manager parameter before
    /// you can use it in a launch template." EC2 answers `SsmInvalidParameter` ("Unsupported data type.
    /// The following parameter data types are supported: aws:ec2:image").
    @Test func aResolveSSMImageIdIsCheckedWhenTheTemplateOrVersionIsCreated() async throws {
        let f = try await Fixture()
        let image = try await f.build("golden-web-1")
        let missing = await #expect(throws: IngotError.self) { try await create(f, LaunchTemplateData(imageId: "resolve:ssm:/golden/web")) }
        #expect(missing?.code == "SsmInvalidParameter" && missing?.kind == .refused)

        _ = try await f.cloud.putParameter(region: .usEast1, name: "/golden/text", value: image.rawValue, dataType: "text", overwrite: false)
        let text = await #expect(throws: IngotError.self) { try await create(f, LaunchTemplateData(imageId: "resolve:ssm:/golden/text")) }
        #expect(text?.code == "SsmInvalidParameter")
        #expect(text?.message.contains("Unsupported data type") == true)

        _ = try await f.cloud.putParameter(region: .usEast1, name: "/golden/web", value: image.rawValue, dataType: "aws:ec2:image", overwrite: false)
        let label = await #expect(throws: IngotError.self) { try await create(f, LaunchTemplateData(imageId: "resolve:ssm:/golden/web:stable")) }
        #expect(label?.code == "SsmInvalidParameter")
        let version = await #expect(throws: IngotError.self) { try await create(f, LaunchTemplateData(imageId: "resolve:ssm:/golden/web:2")) }
        #expect(version?.code == "SsmInvalidParameter")
        #expect(try await rowCount(f, "launch_template") == 0)

        _ = try await create(f, LaunchTemplateData(imageId: "resolve:ssm:/golden/web:1", instanceType: "t3.micro"))
        // A new version that inherits the reference is checked too.
        let inherited = await #expect(throws: IngotError.self) {
            try await f.cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(
                region: .usEast1, name: "web-lt", sourceVersion: .number(1), data: LaunchTemplateData(imageId: "resolve:ssm:/golden/text")))
        }
        #expect(inherited?.code == "SsmInvalidParameter")
        #expect(try await rowCount(f, "launch_template_version") == 1)
    }

    /// Doctor reports a template whose parameter cannot launch, and a parameter near 100 versions whose
    /// oldest version has a label (ParameterMaxVersionLimitExceeded: "if the oldest version has a label
    /// attached to it, Parameter Store won't delete the version and instead presents this error message").
    @Test func doctorReportsUnusableParametersAndTheVersionLimitAhead() async throws {
        let f = try await Fixture()
        let image = try await f.build("golden-web-1")
        for i in 1...95 {
            _ = try await f.cloud.putParameter(region: .usEast1, name: "/golden/web", value: image.rawValue, dataType: "aws:ec2:image", overwrite: i > 1)
        }
        try await f.cloud.labelParameterVersion(region: .usEast1, name: "/golden/web", version: 1, labels: ["pinned"])
        _ = try await create(f, LaunchTemplateData(imageId: "resolve:ssm:/golden/web:pinned"), name: "pinned-lt")
        // An imported version is not checked (AWS checked it when it was made): its parameter may be gone since.
        let imported = #"{"LaunchTemplateVersions": [{"LaunchTemplateName": "orphan-lt", "VersionNumber": 1, "DefaultVersion": true,"#
            + #" "LaunchTemplateData": {"ImageId": "resolve:ssm:/golden/gone"}}]}"#
        _ = try await f.cloud.importAccountDocument(Data(imported.utf8), region: .usEast1)
        let findings = try await Doctor.examine(regions: [.usEast1], golden: Doctor.defaultGolden, cloud: f.cloud, now: Fixture.now)
        let unusable = findings.filter { $0.kind == .templateParameterUnusable }
        #expect(unusable.map(\.resource) == ["orphan-lt:1"])
        let limit = findings.filter { $0.kind == .parameterVersionLimit }
        #expect(limit.map(\.resource) == ["/golden/web"])
        #expect(limit.first?.detail.contains("95 of 100 versions") == true)
        #expect(limit.first?.detail.contains("5 more puts succeed") == true)
    }

    /// LabelParameterVersion: "Labels can't begin with a number, "aws" or "ssm" (not case sensitive). If
    /// a label fails to meet these requirements, then the label isn't associated with a parameter and
    /// the system displays it in the list of InvalidLabels." ParameterVersionLabelLimitExceeded: "A
    /// parameter version can have a maximum of ten labels."
    @Test func invalidLabelsAreLeftOffAndTheValidOnesAttached() async throws {
        let f = try await Fixture()
        _ = try await f.cloud.putParameter(region: .usEast1, name: "/app/mode", value: "a", dataType: "text", overwrite: false)
        let invalid = try await f.cloud.labelParameterVersion(region: .usEast1, name: "/app/mode", version: 1,
                                                              labels: ["stable", "1st", "AWSlabel", "ssm-x", "has space", "ok.v-1_2"])
        #expect(invalid == ["1st", "AWSlabel", "ssm-x", "has space"])
        #expect(try await f.cloud.getParameterHistory(region: .usEast1, name: "/app/mode").first?.labels == ["stable", "ok.v-1_2"])
        #expect(try await f.cloud.labelParameterVersion(region: .usEast1, name: "/app/mode", version: 1, labels: ["9lives"]) == ["9lives"])
        try await f.cloud.labelParameterVersion(region: .usEast1, name: "/app/mode", version: 1, labels: ["twice", "twice"])
        #expect(try await f.cloud.getParameterHistory(region: .usEast1, name: "/app/mode").first?.labels == ["stable", "ok.v-1_2", "twice"])
        let missing = await #expect(throws: IngotError.self) {
            try await f.cloud.labelParameterVersion(region: .usEast1, name: "/app/none", version: 1, labels: ["1bad"])
        }
        #expect(missing?.code == "ParameterNotFound", "a missing parameter is not found even when every label is invalid")

        try await f.cloud.labelParameterVersion(region: .usEast1, name: "/app/mode", version: 1, labels: (1...7).map { "l\($0)" })
        let tooMany = await #expect(throws: IngotError.self) {
            try await f.cloud.labelParameterVersion(region: .usEast1, name: "/app/mode", version: 1, labels: ["one-more"])
        }
        #expect(tooMany?.code == "ParameterVersionLabelLimitExceeded")
        #expect(try await f.cloud.getParameterHistory(region: .usEast1, name: "/app/mode").first?.labels.count == 10)
    }

    /// PutParameter's Name: "The maximum length for a parameter name that you specify is 1011
    /// characters. This count of 1011 characters includes the characters in the ARN that precede the
    /// name you specify." HierarchyLevelLimitExceededException: "A hierarchy can have a maximum of 15 levels."
    @Test func parameterNamesAreLimitedInDepthAndLength() async throws {
        let f = try await Fixture()
        let fifteen = "/" + (1...15).map { "l\($0)" }.joined(separator: "/")
        #expect(try await f.cloud.putParameter(region: .usEast1, name: fifteen, value: "v", dataType: "text", overwrite: false) == 1)
        let deep = await #expect(throws: IngotError.self) {
            try await f.cloud.putParameter(region: .usEast1, name: fifteen + "/l16", value: "v", dataType: "text", overwrite: false)
        }
        #expect(deep?.code == "HierarchyLevelLimitExceededException" && deep?.kind == .invalidInput)

        let prefix = "arn:aws:ssm:us-east-1:\(f.cloud.caller.rawValue):parameter/"
        let longest = String(repeating: "n", count: 1011 - prefix.count)
        #expect(try await f.cloud.putParameter(region: .usEast1, name: longest, value: "v", dataType: "text", overwrite: false) == 1)
        let long = await #expect(throws: IngotError.self) {
            try await f.cloud.putParameter(region: .usEast1, name: longest + "n", value: "v", dataType: "text", overwrite: false)
        }
        #expect(long?.code == "ValidationException")
        // A leading slash is not part of the ARN's count ("parameter/name", not "parameter//name").
        #expect(try await f.cloud.putParameter(region: .usEast1, name: "/" + longest.dropFirst(), value: "v", dataType: "text", overwrite: false) == 1)
    }

    /// CreateAutoScalingGroup: "The name can contain any ASCII character 33 to 126 including most
    /// punctuation characters, digits, and upper and lowercased letters. You cannot use a colon (:) in
    /// the name." UpdateAutoScalingGroup's DefaultInstanceWarmup: "To remove a value that you previously
    /// set, include the property but specify -1 for the value."
    @Test func groupNamesFollowTheAPIAndAWarmupOfMinusOneRemovesIt() async throws {
        let f = try await Fixture()
        let image = try await f.build("golden-web-1")
        let template = try await create(f, LaunchTemplateData(imageId: image.rawValue))
        for bad in ["web:prod", "web prod", "web\tprod", "wéb", ""] {
            let refused = await #expect(throws: IngotError.self, "\(bad)") {
                try await f.cloud.createAutoScalingGroup(region: .usEast1, name: bad, settings: GroupSettings(launchTemplateName: "web-lt", minSize: 0, maxSize: 1))
            }
            #expect(refused?.code == "ValidationError" && refused?.kind == .invalidInput)
        }
        // A template may be named by its id, as AWS accepts either; the group shows its name.
        let group = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web!prod#1", settings: GroupSettings(
            launchTemplateName: template.templateId, minSize: 0, maxSize: 1, defaultInstanceWarmup: 120))
        #expect(group.launchTemplateName == "web-lt" && group.defaultInstanceWarmup == 120)
        let cleared = try await f.cloud.updateAutoScalingGroup(region: .usEast1, name: "web!prod#1", settings: GroupSettings(defaultInstanceWarmup: -1))
        #expect(cleared.defaultInstanceWarmup == nil)
    }

    /// "InvalidLaunchTemplateId.NotFound: The specified launch template ID does not exist." Every API that
    /// takes LaunchTemplateName also takes LaunchTemplateId.
    @Test func templatesAreReachedByIdAsByName() async throws {
        let f = try await Fixture()
        let image = try await f.build("golden-web-1")
        let template = try await create(f, LaunchTemplateData(imageId: image.rawValue))
        let byId = try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: template.templateId, versions: [])
        #expect(byId.map(\.templateName) == ["web-lt"])
        let unknown = await #expect(throws: IngotError.self) {
            try await f.cloud.describeLaunchTemplateVersions(region: .usEast1, name: "lt-0123456789abcdef0", versions: [])
        }
        #expect(unknown?.code == "InvalidLaunchTemplateId.NotFound")
        #expect(isLaunchTemplateID(template.templateId) && !isLaunchTemplateID("lt-web") && !isLaunchTemplateID("web-lt"))
    }
}

@Suite struct LaunchTemplateDataTests {
    /// Fields Ingot has no type for are kept whole through decoding, inheritance and encoding.
    @Test func unknownFieldsSurviveInheritanceAndEncoding() throws {
        let json = #"""
        {"ImageId": "ami-0123456789abcdef0", "NetworkInterfaces": [{"DeviceIndex": 0, "Groups": ["sg-1"], "AssociatePublicIpAddress": true}],
         "Placement": {"Tenancy": "dedicated"}, "BlockDeviceMappings": [{"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"}],
         "CpuOptions": {"CoreCount": 2, "ThreadsPerCore": 1}, "FutureField": {"Nested": [1.5, null, "x"]}}
        """#
        let data = try JSONDecoder().decode(LaunchTemplateData.self, from: Data(json.utf8))
        #expect(data.imageId == "ami-0123456789abcdef0")
        #expect(data.fields["networkInterfaces"] == .array([.object(["deviceIndex": .int(0), "groups": .array([.string("sg-1")]), "associatePublicIpAddress": .bool(true)])]))
        #expect(data.blockDeviceMappings?.first?.virtualName == "ephemeral0")
        #expect(data.fields["futureField"] == .object(["nested": .array([.double(1.5), .null, .string("x")])]))

        let next = data.overridden(by: LaunchTemplateData(imageId: "ami-0fedcba9876543210"))
        var expected = data.fields
        expected["imageId"] = .string("ami-0fedcba9876543210")
        #expect(next.fields == expected, "only the image id changes")
        let again = try JSONDecoder().decode(LaunchTemplateData.self, from: try JSONEncoder().encode(next))
        #expect(again == next)
        // The ephemeral device stays an instance store volume: no "ebs" appears.
        #expect(String(decoding: try JSONEncoder().encode(next), as: UTF8.self).contains("\"ebs\"") == false)
    }

    /// A DR copy in another region leaves out what names the source region's resources (EC2 user guide,
    /// "Regions and Zones": security groups, key pairs, subnets, snapshots and KMS keys are regional),
    /// and keeps everything else whole.
    @Test func aCopyForAnotherRegionLeavesOutRegionalReferencesOnly() throws {
        let json = #"""
        {"ImageId": "ami-0123456789abcdef0", "KeyName": "ops", "SecurityGroupIds": ["sg-1"],
         "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": "subnet-1", "Groups": ["sg-2"], "AssociatePublicIpAddress": true}],
         "Placement": {"AvailabilityZone": "us-east-1a", "Tenancy": "dedicated"},
         "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-1", "KmsKeyId": "k", "VolumeSize": 30, "Iops": 3000}}],
         "CapacityReservationSpecification": {"CapacityReservationTarget": {"CapacityReservationId": "cr-1"}}, "Monitoring": {"Enabled": true}}
        """#
        var data = try JSONDecoder().decode(LaunchTemplateData.self, from: Data(json.utf8))
        let removed = data.removeRegionalReferences()
        #expect(removed.count == 7, "\(removed)")
        let expected = #"""
        {"imageId": "ami-0123456789abcdef0", "networkInterfaces": [{"deviceIndex": 0, "associatePublicIpAddress": true}],
         "placement": {"tenancy": "dedicated"}, "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 30, "iops": 3000}}],
         "monitoring": {"enabled": true}}
        """#
        #expect(data == (try JSONDecoder().decode(LaunchTemplateData.self, from: Data(expected.utf8))))
    }

    @Test func aFieldIngotReadsMustHaveAWSType() throws {
        for (json, field) in [(#"{"ImageId": 5}"#, "imageId"), (#"{"SecurityGroupIds": "sg-1"}"#, "securityGroupIds"),
                              (#"{"BlockDeviceMappings": [{"Ebs": {}}]}"#, "blockDeviceMappings"), (#"{"IamInstanceProfile": "web"}"#, "iamInstanceProfile")] {
            guard case .object(let fields) = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) else { Issue.record("not an object"); continue }
            let error = #expect(throws: IngotError.self) { try LaunchTemplateData(fields: fields, field: "launch-template-data") }
            #expect(error?.message.hasPrefix("launch-template-data.\(field):") == true, "\(json)")
        }
    }
}
