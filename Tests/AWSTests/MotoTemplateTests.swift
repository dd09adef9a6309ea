import Foundation
import IngotAWS
import IngotCore
import Testing

@Suite("Launch templates, Auto Scaling and SSM against moto_server, every request signature-checked", .motoServerCheckingSignatures, .enabled(if: MotoServer.isInstalled, MotoServer.skipMessage))
struct MotoTemplateTests {
    static let data = LaunchTemplateData(
        imageId: "ami-0123456789abcdef0", instanceType: "t3.micro", keyName: "ops",
        securityGroupIds: ["sg-0123456789abcdef0", "sg-0fedcba9876543210"],
        blockDeviceMappings: [TemplateBlockDevice(deviceName: "/dev/xvda", volumeSize: 20, volumeType: "gp3", encrypted: true, deleteOnTermination: true)],
        metadataOptions: MetadataOptions(httpTokens: "required", httpPutResponseHopLimit: 2),
        tagSpecifications: [TagSpecification(resourceType: "instance", tags: [Tag(key: "team", value: "web")])])

    @Test("CreateLaunchTemplate, versions with SourceVersion, $Latest/$Default/ranges, ModifyLaunchTemplate")
    func launchTemplateVersions() async throws {
        try await withMotoCloud { cloud in
            let name = uniqueName("web-lt")
            let first = try await cloud.createLaunchTemplate(CreateLaunchTemplateRequest(
                region: .usEast1, name: name, data: Self.data, versionDescription: "first", tags: [Tag(key: "team", value: "web")]))
            #expect(first.versionNumber == 1)
            #expect(first.defaultVersion)
            #expect(first.templateName == name)
            #expect(first.versionDescription == "first")
            var sent = Self.data
            // moto also lists the template's own tag specification (launch-template) in the data; AWS does not.
            var got = first.data
            got.tagSpecifications = got.tagSpecifications?.filter { $0.resourceType != "launch-template" }
            sent.tagSpecifications = Self.data.tagSpecifications
            #expect(got == sent)

            let second = try await cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(
                region: .usEast1, name: name, sourceVersion: .number(1), data: LaunchTemplateData(imageId: "ami-0fedcba9876543210"),
                versionDescription: "new image"))
            #expect(second.versionNumber == 2)
            #expect(!second.defaultVersion)
            #expect(second.data.imageId == "ami-0fedcba9876543210")
            // AWS makes the new version inherit the source's fields; moto does not (the request's
            // SourceVersion is checked against the loopback server in ReplayTests).

            let latest = try await cloud.describeLaunchTemplateVersions(region: .usEast1, name: name, versions: [.latest])
            #expect(latest.map(\.versionNumber) == [2])
            let byDefault = try await cloud.describeLaunchTemplateVersions(region: .usEast1, name: name, versions: [.default])
            #expect(byDefault.map(\.versionNumber) == [1])
            let all = try await cloud.describeLaunchTemplateVersions(region: .usEast1, name: name, versions: [])
            #expect(all.map(\.versionNumber) == [2, 1])

            let modified = try await cloud.modifyLaunchTemplate(region: .usEast1, name: name, defaultVersion: 2)
            #expect(modified.defaultVersionNumber == 2)
            let templates = try await cloud.describeLaunchTemplates(region: .usEast1, names: [name])
            #expect(templates.count == 1)
            #expect(templates.first?.defaultVersionNumber == 2)
            #expect(templates.first?.latestVersionNumber == 2)
            #expect(templates.first?.ownerId == cloud.account)
            #expect(templates.first?.tags[tag: "team"] == "web")
            let everyTemplate = try await cloud.describeLaunchTemplates(region: .usEast1, names: [])
            #expect(everyTemplate.contains { $0.name == name })
        }
    }

    @Test("DeleteLaunchTemplateVersions, which moto lacks, is reported as not supported")
    func deleteVersionsUnsupported() async throws {
        try await withMotoCloud { cloud in
            let name = uniqueName("del-lt")
            _ = try await cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: name, data: Self.data))
            let error = await #expect(throws: IngotError.self) {
                try await cloud.deleteLaunchTemplateVersions(region: .usEast1, name: name, versions: [1])
            }
            #expect(error?.message == "DeleteLaunchTemplateVersions is not supported by this endpoint")
        }
    }

    @Test("Auto Scaling: create, describe with instances and their images, update, SetDesiredCapacity, error envelope")
    func autoScalingGroups() async throws {
        try await withMotoCloud { cloud in
            let builder = try await launchBuilder(cloud)
            let image = try #require(builder.imageId)
            let template = uniqueName("asg-lt")
            _ = try await cloud.createLaunchTemplate(CreateLaunchTemplateRequest(
                region: .usEast1, name: template, data: LaunchTemplateData(imageId: image.rawValue, instanceType: "t3.micro")))
            let name = uniqueName("web-asg")
            let group = try await cloud.createAutoScalingGroup(region: .usEast1, name: name, settings: GroupSettings(
                launchTemplateName: template, launchTemplateVersion: .number(1), minSize: 1, maxSize: 4, desiredCapacity: 2,
                availabilityZones: ["us-east-1a", "us-east-1b"], healthCheckGracePeriod: 120))
            #expect(group.name == name)
            #expect(group.launchTemplateName == template)
            #expect(group.launchTemplateVersion == .number(1))
            #expect(group.minSize == 1 && group.maxSize == 4 && group.desiredCapacity == 2)
            #expect(Set(group.availabilityZones) == ["us-east-1a", "us-east-1b"])
            #expect(group.healthCheckGracePeriod == 120)
            #expect(group.instances.count == 2)
            #expect(group.instances.allSatisfy { $0.imageId == image.rawValue && $0.launchTemplateVersion == 1 })
            #expect(!group.usesMovingVersion)

            let updated = try await cloud.updateAutoScalingGroup(region: .usEast1, name: name, settings: GroupSettings(launchTemplateVersion: .latest, maxSize: 6))
            #expect(updated.launchTemplateVersion == .latest)
            #expect(updated.launchTemplateName == template)
            #expect(updated.maxSize == 6)
            #expect(updated.usesMovingVersion)

            let scaled = try await cloud.setDesiredCapacity(region: .usEast1, name: name, desiredCapacity: 3)
            #expect(scaled.desiredCapacity == 3)
            #expect(scaled.instances.count == 3)

            let listed = try await cloud.describeAutoScalingGroups(region: .usEast1, names: [name])
            #expect(listed.map(\.name) == [name])
            #expect(try await cloud.describeAutoScalingGroups(region: .usEast1, names: [uniqueName("missing")]).isEmpty)

            // Auto Scaling's <ErrorResponse><Error> envelope.
            let error = await #expect(throws: IngotError.self) {
                try await cloud.createAutoScalingGroup(region: .usEast1, name: uniqueName("no-zones"), settings: GroupSettings(
                    launchTemplateName: template, minSize: 0, maxSize: 1, desiredCapacity: 0))
            }
            #expect(error?.code == "ValidationError")
            #expect(error?.kind == .invalidInput)
            #expect(error?.message == "At least one Availability Zone or VPC Subnet is required.")
        }
    }

    @Test("A group made with a MixedInstancesPolicy: its template, overrides (types and AMIs) and distribution come back from DescribeAutoScalingGroups")
    func mixedInstancesPolicyGroup() async throws {
        try await withMotoCloud { cloud in
            let builder = try await launchBuilder(cloud)
            let image = try #require(builder.imageId).rawValue
            let template = uniqueName("mip-lt")
            _ = try await cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: template, data: LaunchTemplateData(imageId: image, instanceType: "t3.micro")))
            let policy = MixedInstancesPolicy(launchTemplateName: template, launchTemplateVersion: .number(1),
                                              overrides: [.init(instanceType: "t3.small", imageId: image), .init(instanceType: "t3.medium", imageId: image)],
                                              instancesDistribution: ["onDemandBaseCapacity": .int(1)])
            let name = uniqueName("mip-asg")
            let group = try await cloud.createAutoScalingGroup(region: .usEast1, name: name, settings: GroupSettings(
                minSize: 0, maxSize: 2, desiredCapacity: 1, availabilityZones: ["us-east-1a"], mixedInstancesPolicy: policy))
            #expect(group.launchTemplateName == template && group.launchTemplateVersion == .number(1))
            #expect(group.mixedInstancesPolicy?.overrides.map(\.instanceType) == ["t3.small", "t3.medium"])
            #expect(group.mixedInstancesPolicy?.overrides.allSatisfy { $0.imageId == image } == true)
            #expect(group.mixedInstancesPolicy?.instancesDistribution["onDemandBaseCapacity"] == .int(1))
        }
    }

    @Test("DescribeAutoScalingGroups follows NextToken past moto's 50-group pages")
    func groupPages() async throws {
        try await withMotoCloud { cloud in
            let template = uniqueName("paged-lt")
            _ = try await cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usWest2, name: template,
                                                                                 data: LaunchTemplateData(imageId: "ami-0123456789abcdef0")))
            let prefix = uniqueName("paged")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<53 {
                    group.addTask {
                        _ = try await cloud.createAutoScalingGroup(region: .usWest2, name: "\(prefix)-\(i)", settings: GroupSettings(
                            launchTemplateName: template, minSize: 0, maxSize: 1, desiredCapacity: 0, availabilityZones: ["us-west-2a"]))
                    }
                }
                try await group.waitForAll()
            }
            let all = try await cloud.describeAutoScalingGroups(region: .usWest2, names: [])
            #expect(all.filter { $0.name.hasPrefix(prefix) }.count == 53)
        }
    }

    @Test("credentials and endpoint from the environment (AWS_ENDPOINT_URL) reach moto")
    func environmentConfiguration() async throws {
        let moto = try MotoServer.require()
        let key = try #require(MotoServer.credentials)
        let config = try AWSConfiguration.resolve(environment: [
            "AWS_ACCESS_KEY_ID": key.accessKeyId, "AWS_SECRET_ACCESS_KEY": key.secretAccessKey, "AWS_DEFAULT_REGION": "ap-southeast-2",
            "AWS_ENDPOINT_URL": moto.endpoint,
        ], home: FileManager.default.temporaryDirectory.path)
        #expect(config.region == .apSoutheast2)
        let cloud = try await AWSCloud.connect(config)
        let templates = try await cloud.describeLaunchTemplates(region: .apSoutheast2, names: [])
        try await cloud.shutdown()
        #expect(templates.isEmpty)
        #expect(cloud.account == AccountID.defaultLocal)
    }

    @Test("StartInstanceRefresh, which moto lacks, is reported as not supported")
    func instanceRefreshUnsupported() async throws {
        try await withMotoCloud { cloud in
            let error = await #expect(throws: IngotError.self) {
                try await cloud.startInstanceRefresh(StartInstanceRefreshRequest(
                    region: .usEast1, autoScalingGroupName: "any", launchTemplateName: "any-lt", launchTemplateVersion: 1))
            }
            #expect(error?.message == "StartInstanceRefresh is not supported by this endpoint")
        }
    }

    @Test("SSM parameters over the JSON protocol: put, overwrite, history, labels, get by version and label")
    func ssmParameters() async throws {
        try await withMotoCloud { cloud in
            let name = "/golden/" + uniqueName("web")
            let v1 = try await cloud.putParameter(region: .usEast1, name: name, value: "ami-0123456789abcdef0", dataType: "text", overwrite: false)
            #expect(v1 == 1)
            let refused = await #expect(throws: IngotError.self) {
                try await cloud.putParameter(region: .usEast1, name: name, value: "ami-0fedcba9876543210", dataType: "text", overwrite: false)
            }
            #expect(refused?.code == "ParameterAlreadyExists")
            let v2 = try await cloud.putParameter(region: .usEast1, name: name, value: "ami-0fedcba9876543210", dataType: "text", overwrite: true)
            #expect(v2 == 2)

            let current = try await cloud.getParameter(region: .usEast1, name: name)
            #expect(current.value == "ami-0fedcba9876543210")
            #expect(current.version == 2)
            #expect(current.dataType == "text")
            #expect(current.region == .usEast1)
            #expect(current.lastModifiedDate.timeIntervalSince1970 > 0)

            try await cloud.labelParameterVersion(region: .usEast1, name: name, version: 1, labels: ["stable"])
            let stable = try await cloud.getParameter(region: .usEast1, name: "\(name):stable")
            #expect(stable.version == 1)
            #expect(stable.value == "ami-0123456789abcdef0")
            #expect(stable.labels == ["stable"])
            let first = try await cloud.getParameter(region: .usEast1, name: "\(name):1")
            #expect(first.value == "ami-0123456789abcdef0")

            let history = try await cloud.getParameterHistory(region: .usEast1, name: name)
            #expect(history.map(\.version) == [1, 2])
            #expect(history.first?.labels == ["stable"])

            let missing = await #expect(throws: IngotError.self) {
                try await cloud.getParameter(region: .usEast1, name: "/golden/" + uniqueName("missing"))
            }
            #expect(missing?.code == "ParameterNotFound")
        }
    }

    @Test("more than one page of SSM history is followed with NextToken")
    func ssmHistoryPages() async throws {
        try await withMotoCloud { cloud in
            let name = "/paged/" + uniqueName("p")
            for i in 0..<55 {
                _ = try await cloud.putParameter(region: .usEast1, name: name, value: "value-\(i)", dataType: "text", overwrite: i > 0)
            }
            let history = try await cloud.getParameterHistory(region: .usEast1, name: name)
            #expect(history.map(\.version) == Array(1...55))
        }
    }
}
