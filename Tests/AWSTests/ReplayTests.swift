import Foundation
import Synchronization
import IngotAWS
import IngotCore
import Testing

/// Runs `body` with an AWSCloud whose every service is the loopback server.
func withReplayCloud<T: Sendable>(retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
                                  _ responder: @escaping @Sendable (RecordedRequest, Int) async -> Reply,
                                  _ body: (AWSCloud, LoopbackServer) async throws -> T) async throws -> T {
    try await LoopbackServer.with(responder) { server in
        let cloud = AWSCloud(client: AWSClient(configuration: server.configuration(), retryPolicy: retry), account: .defaultLocal)
        do {
            let result = try await body(cloud, server)
            try await cloud.shutdown()
            return result
        } catch {
            try? await cloud.shutdown()
            throw error
        }
    }
}

@Suite("Recorded AWS answers from a loopback server: what moto lacks, retries, faults")
struct ReplayTests {
    @Test("DescribeImages follows nextToken and reads DeprecationTime, SourceImageId/Region, protection and block devices")
    func describeImagesPagesAndLineage() async throws {
        let page1 = try Fixture.text("describe-images-page1.xml"), page2 = try Fixture.text("describe-images-page2.xml")
        try await withReplayCloud({ request, _ in .xml(request.form["NextToken"] == "page-2-token" ? page2 : page1) }) { cloud, server in
            let images = try await cloud.describeImages(DescribeImagesRequest(
                region: .usEast1, owners: [.caller, .amazon], filters: [.name(["golden-*"]), .tag(key: "golden", values: ["true", "yes"])],
                includeDeprecated: true))
            #expect(images.map(\.id.rawValue) == ["ami-0abcdef1234567890", "ami-1a2b3c4d"])
            let golden = try #require(images.first)
            #expect(golden.deprecationTime == Timestamp.parse("2025-03-05T10:11:00.000Z"))
            #expect(golden.sourceImageId?.rawValue == "ami-0fedcba9876543210")
            #expect(golden.sourceImageRegion?.code == "us-west-2")
            #expect(golden.description == "Golden web & api image <2.4.0>")
            #expect(golden.bootMode == .uefiPreferred)
            #expect(golden.deregistrationProtection == .disabledUntil(try #require(Timestamp.parse("2024-04-05T10:11:12.000Z"))))
            #expect(golden.imageVersion == ImageVersion(parsing: "2.4.0/3"), "from the Image Builder ARN tag")
            #expect(golden.tags[tag: "empty"] == "")
            #expect(golden.blockDeviceMappings.count == 2)
            #expect(golden.blockDeviceMappings[0].encrypted == true)
            #expect(golden.blockDeviceMappings[0].kmsKeyId?.hasPrefix("arn:aws:kms:") == true)
            #expect(golden.blockDeviceMappings[1].virtualName == "ephemeral0")
            #expect(golden.blockDeviceMappings[1].snapshotId == nil)
            #expect(golden.snapshotIds.map(\.rawValue) == ["snap-0abcdef1234567890"])
            #expect(golden.isDeprecated(at: try #require(Timestamp.parse("2026-01-01T00:00:00Z"))))
            let amazon = images[1]
            #expect(amazon.ownerAlias == "amazon")
            #expect(amazon.isPublic)
            #expect(amazon.architecture == .arm64)
            #expect(amazon.deprecationTime == nil && amazon.sourceImageId == nil && amazon.bootMode == nil && amazon.description == nil)
            #expect(amazon.tags.isEmpty)

            let requests = server.requests
            #expect(requests.count == 2)
            let form = requests[0].form
            #expect(form["Action"] == "DescribeImages")
            #expect(form["Version"] == "2016-11-15")
            #expect(form["Owner.1"] == "self" && form["Owner.2"] == "amazon")
            #expect(form["Filter.1.Name"] == "name" && form["Filter.1.Value.1"] == "golden-*")
            #expect(form["Filter.2.Name"] == "tag:golden" && form["Filter.2.Value.1"] == "true" && form["Filter.2.Value.2"] == "yes")
            #expect(form["IncludeDeprecated"] == "true")
            #expect(form["IncludeDisabled"] == nil)
            #expect(form["MaxResults"] == "1000")
            #expect(form["NextToken"] == nil)
            #expect(requests[1].form["NextToken"] == "page-2-token")
            #expect(requests[0].header("Authorization")?.contains("/us-east-1/ec2/aws4_request") == true)
            #expect(requests[0].header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
        }
    }

    @Test("an empty imagesSet is no images; ImageId lists are sent without MaxResults")
    func emptySet() async throws {
        let empty = try Fixture.text("describe-images-empty.xml")
        try await withReplayCloud({ _, _ in .xml(empty) }) { cloud, server in
            let images = try await cloud.describeImages(DescribeImagesRequest(region: .euWest1, imageIds: [ImageID(trusted: "ami-0abcdef1234567890"), ImageID(trusted: "ami-1a2b3c4d")]))
            #expect(images.isEmpty)
            let form = try #require(server.requests.first).form
            #expect(form["ImageId.1"] == "ami-0abcdef1234567890" && form["ImageId.2"] == "ami-1a2b3c4d")
            #expect(form["MaxResults"] == nil)
            #expect(server.requests.first?.header("Authorization")?.contains("/eu-west-1/ec2/aws4_request") == true)
        }
    }

    @Test("EnableImageDeprecation sends DeprecateAt and reads back the time AWS recorded")
    func deprecation() async throws {
        let page1 = try Fixture.text("describe-images-page1.xml").replacingOccurrences(of: "<nextToken>page-2-token</nextToken>", with: "")
        try await withReplayCloud({ request, _ in
            request.action == "EnableImageDeprecation"
                ? .xml(#"<EnableImageDeprecationResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x</requestId><return>true</return></EnableImageDeprecationResponse>"#)
                : .xml(page1)
        }) { cloud, server in
            let at = try #require(Timestamp.parse("2025-03-05T10:11:17Z"))
            let recorded = try await cloud.enableImageDeprecation(region: .usEast1, imageId: ImageID(trusted: "ami-0abcdef1234567890"), deprecateAt: at)
            #expect(recorded == Timestamp.parse("2025-03-05T10:11:00.000Z"))
            let form = try #require(server.requests.first).form
            #expect(form["Action"] == "EnableImageDeprecation")
            #expect(form["DeprecateAt"] == "2025-03-05T10:11:17.000Z")
            #expect(server.requests[1].form["IncludeDeprecated"] == "true")
        }
    }

    @Test("DeleteLaunchTemplateVersions: deleted and refused versions with AWS's codes")
    func deleteLaunchTemplateVersions() async throws {
        let answer = try Fixture.text("delete-launch-template-versions.xml")
        try await withReplayCloud({ _, _ in .xml(answer) }) { cloud, server in
            let result = try await cloud.deleteLaunchTemplateVersions(region: .usEast1, name: "MyLaunchTemplate", versions: [1, 2])
            #expect(result.deleted == [2])
            #expect(result.failed == [1: "launchTemplateVersionIsDefaultVersion"])
            let form = try #require(server.requests.first).form
            #expect(form["LaunchTemplateName"] == "MyLaunchTemplate")
            #expect(form["LaunchTemplateVersion.1"] == "1" && form["LaunchTemplateVersion.2"] == "2")
        }
    }

    @Test("DescribeLaunchTemplateVersions decodes AWS's example; a range is asked as MinVersion/MaxVersion")
    func launchTemplateVersions() async throws {
        let answer = try Fixture.text("describe-launch-template-versions.xml")
        try await withReplayCloud({ _, _ in .xml(answer) }) { cloud, server in
            let versions = try await cloud.describeLaunchTemplateVersions(region: .usEast1, name: "MyLaunchTemplate", versions: [.range(1...2)])
            #expect(versions.map(\.versionNumber) == [2, 1])
            let v2 = versions[0]
            #expect(v2.templateId == "lt-0a20c965061f64abc")
            #expect(v2.versionDescription == "WebVersion2")
            #expect(!v2.defaultVersion && versions[1].defaultVersion)
            #expect(v2.data.securityGroupIds == ["sg-5e9b1c21"])
            #expect(v2.data.iamInstanceProfile == "arn:aws:iam::123456789012:instance-profile/web")
            #expect(v2.data.metadataOptions == MetadataOptions(httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled"))
            #expect(versions[1].data == LaunchTemplateData(imageId: "ami-8c1be5f6", instanceType: "t2.micro"))
            let form = try #require(server.requests.first).form
            #expect(form["MinVersion"] == "1" && form["MaxVersion"] == "2")
            #expect(form["LaunchTemplateVersion.1"] == nil)
        }
    }

    @Test("requests carry what moto ignores: RegisterImage devices and tags, CopyImage, SourceVersion, launch permissions")
    func requestEncoding() async throws {
        let versions = try Fixture.text("describe-launch-template-versions.xml")
        try await withReplayCloud({ request, _ in
            switch request.action {
            case "DescribeLaunchTemplateVersions":
                .xml(versions)
            case "RegisterImage", "CopyImage":
                .xml("<\(request.action)Response><requestId>x</requestId><imageId>ami-0123456789abcdef0</imageId></\(request.action)Response>")
            case "CreateLaunchTemplateVersion":
                .xml("""
                <CreateLaunchTemplateVersionResponse><launchTemplateVersion><launchTemplateId>lt-1</launchTemplateId>
                <launchTemplateName>web-lt</launchTemplateName><versionNumber>4</versionNumber><defaultVersion>false</defaultVersion>
                <createTime>2024-01-01T00:00:00.000Z</createTime><launchTemplateData><imageId>ami-0123456789abcdef0</imageId>
                <instanceType>t3.micro</instanceType></launchTemplateData></launchTemplateVersion></CreateLaunchTemplateVersionResponse>
                """)
            default:
                .xml("<\(request.action)Response><return>true</return></\(request.action)Response>")
            }
        }) { cloud, server in
            _ = try await cloud.registerImage(RegisterImageRequest(
                region: .usEast1, name: try ImageName("golden web (x86)"), architecture: .arm64, bootMode: .uefi,
                blockDeviceMappings: [BlockDeviceMapping(deviceName: "/dev/xvda", snapshotId: SnapshotID(trusted: "snap-0123456789abcdef0"), volumeSize: 20),
                                      BlockDeviceMapping(deviceName: "/dev/sdb", virtualName: "ephemeral0")],
                tags: [Tag(key: "golden", value: "true")], imageVersion: ImageVersion(parsing: "1.2.3/4")))
            _ = try await cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: ImageID(trusted: "ami-0fedcba9876543210"), region: .euWest1,
                                                           name: try ImageName("golden-dr"), copyImageTags: true, encrypted: true, kmsKeyId: "alias/dr"))
            let version = try await cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(
                region: .usEast1, name: "web-lt", sourceVersion: .default, data: LaunchTemplateData(imageId: "ami-0123456789abcdef0"),
                versionDescription: "golden-web 2.4.0/3", clientToken: "ingot-refresh-1"))
            #expect(version.versionNumber == 4)
            try await cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(
                region: .usEast1, imageId: ImageID(trusted: "ami-0123456789abcdef0"),
                add: [.account(try AccountID("210987654321")), .everyone, .organization("arn:aws:organizations::123456789012:organization/o-abc")],
                remove: [.organizationalUnit("arn:aws:organizations::123456789012:ou/o-abc/ou-ab-cdefgh")]))

            let r = server.requests.map(\.form)
            #expect(r[0]["Name"] == "golden web (x86)")
            #expect(r[0]["Architecture"] == "arm64" && r[0]["BootMode"] == "uefi" && r[0]["VirtualizationType"] == "hvm")
            #expect(r[0]["BlockDeviceMapping.1.Ebs.SnapshotId"] == "snap-0123456789abcdef0" && r[0]["BlockDeviceMapping.1.Ebs.VolumeSize"] == "20")
            #expect(r[0]["BlockDeviceMapping.1.Ebs.Encrypted"] == nil, "a snapshot's volume takes the snapshot's encryption")
            #expect(r[0]["BlockDeviceMapping.2.VirtualName"] == "ephemeral0" && r[0]["BlockDeviceMapping.2.Ebs.VolumeSize"] == nil)
            #expect(r[0]["TagSpecification.1.ResourceType"] == "image")
            #expect(r[0]["TagSpecification.1.Tag.1.Key"] == "golden" && r[0]["TagSpecification.1.Tag.2.Key"] == "Version")
            #expect(r[0]["TagSpecification.1.Tag.2.Value"] == "1.2.3/4")
            #expect(r[1]["SourceRegion"] == "us-east-1" && r[1]["SourceImageId"] == "ami-0fedcba9876543210")
            #expect(r[1]["CopyImageTags"] == "true" && r[1]["Encrypted"] == "true" && r[1]["KmsKeyId"] == "alias/dr")
            #expect(server.requests[1].header("Authorization")?.contains("/eu-west-1/ec2/") == true, "CopyImage goes to the destination region")
            // The source version is read, and the full data goes with SourceVersion (endpoints without inheritance get it right).
            #expect(r[2]["Action"] == "DescribeLaunchTemplateVersions" && r[2]["LaunchTemplateVersion.1"] == "$Default")
            #expect(r[3]["SourceVersion"] == "$Default" && r[3]["ClientToken"] == "ingot-refresh-1")
            #expect(r[3]["LaunchTemplateData.ImageId"] == "ami-0123456789abcdef0" && r[3]["LaunchTemplateData.InstanceType"] == "t2.micro")
            #expect(r[4]["LaunchPermission.Add.1.UserId"] == "210987654321" && r[4]["LaunchPermission.Add.2.Group"] == "all")
            #expect(r[4]["LaunchPermission.Add.3.OrganizationArn"] == "arn:aws:organizations::123456789012:organization/o-abc")
            #expect(r[4]["LaunchPermission.Remove.1.OrganizationalUnitArn"] == "arn:aws:organizations::123456789012:ou/o-abc/ou-ab-cdefgh")
        }
    }

    @Test("an EC2 action answering <return>false</return> is a failure, not a silent success")
    func returnFalse() async throws {
        try await withReplayCloud({ _, _ in .xml("<DisableImageDeprecationResponse><requestId>x</requestId><return>false</return></DisableImageDeprecationResponse>") }) { cloud, _ in
            let error = await #expect(throws: IngotError.self) {
                try await cloud.disableImageDeprecation(region: .usEast1, imageId: ImageID(trusted: "ami-0123456789abcdef0"))
            }
            #expect(error?.message == "DisableImageDeprecation answered false")
        }
    }

    @Test("groups: instances' images from EC2, versions from Auto Scaling or the launch template tag")
    func autoScalingGroupInstances() async throws {
        let groups = try Fixture.text("describe-auto-scaling-groups.xml"), instances = try Fixture.text("describe-instances-for-group.xml")
        try await withReplayCloud({ request, _ in .xml(request.action == "DescribeInstances" ? instances : groups) }) { cloud, server in
            let group = try #require(try await cloud.describeAutoScalingGroups(region: .usEast1, names: ["web-asg"]).first)
            #expect(group.launchTemplateName == "web-lt" && group.launchTemplateVersion == .number(3))
            #expect(group.minSize == 2 && group.maxSize == 8 && group.desiredCapacity == 2)
            #expect(group.defaultInstanceWarmup == 120 && group.healthCheckGracePeriod == 300)
            #expect(group.availabilityZones == ["us-east-1a", "us-east-1b"])
            #expect(group.instances.map(\.imageId) == ["ami-0abcdef1234567890", "ami-0fedcba9876543210"])
            #expect(group.instances.map(\.launchTemplateVersion) == [3, 2], "`$Latest` is resolved through the instance's aws:ec2launchtemplate:version tag")
            #expect(server.requests[0].form["AutoScalingGroupNames.member.1"] == "web-asg")
            #expect(server.requests[0].form["Version"] == "2011-01-01")
            #expect(server.requests[0].header("Authorization")?.contains("/us-east-1/autoscaling/aws4_request") == true)
            #expect(server.requests[1].form["InstanceId.1"] == "i-0a1b2c3d4e5f60001" && server.requests[1].form["InstanceId.2"] == "i-0a1b2c3d4e5f60002")
        }
    }
}

@Suite("Retries: throttling, 5xx, slow answers, dropped connections; none for validation errors or HTML 500")
struct RetryTests {
    static let empty = (try? Fixture.text("describe-images-empty.xml")) ?? ""

    func describe(_ cloud: AWSCloud) async throws -> [Image] {
        try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller]))
    }

    @Test("EC2 RequestLimitExceeded twice, then success")
    func throttledThenSuccess() async throws {
        let throttled = try Fixture.text("ec2-request-limit-exceeded.xml")
        try await withReplayCloud({ _, n in n < 2 ? .respond(status: 503, body: throttled) : .xml(Self.empty) }) { cloud, server in
            let images = try await describe(cloud)
            #expect(images.isEmpty)
            #expect(server.requests.count == 3)
        }
    }

    @Test("Auto Scaling Throttling (HTTP 400) is retried")
    func autoScalingThrottling() async throws {
        let throttled = try Fixture.text("autoscaling-throttling.xml")
        let groups = try Fixture.text("describe-auto-scaling-groups.xml").replacingOccurrences(of: "<Version>$Latest</Version>", with: "<Version>3</Version>")
        let instances = try Fixture.text("describe-instances-for-group.xml")
        try await withReplayCloud({ r, n in
            n == 0 ? .respond(status: 400, body: throttled) : .xml(r.action == "DescribeInstances" ? instances : groups)
        }) { cloud, server in
            let groups = try await cloud.describeAutoScalingGroups(region: .usEast1, names: ["web-asg"])
            #expect(groups.count == 1)
            #expect(server.requests.map(\.action) == ["DescribeAutoScalingGroups", "DescribeAutoScalingGroups", "DescribeInstances"])
        }
    }

    @Test("503 Unavailable and a bare 502 are retried")
    func serverErrorsRetried() async throws {
        let unavailable = try Fixture.text("ec2-unavailable.xml")
        try await withReplayCloud({ _, n in
            switch n {
            case 0: .respond(status: 503, body: unavailable)
            case 1: .respond(status: 502, contentType: "text/plain", body: "Bad Gateway")
            default: .xml(Self.empty)
            }
        }) { cloud, server in
            let images = try await describe(cloud)
            #expect(images.isEmpty)
            #expect(server.requests.count == 3)
        }
    }

    @Test("one HTTP client: sequential calls reuse the kept-alive connection")
    func connectionReuse() async throws {
        try await withReplayCloud({ _, _ in .xml(Self.empty) }) { cloud, server in
            for _ in 0..<5 { _ = try await describe(cloud) }
            #expect(server.requests.count == 5)
            #expect(Set(server.requests.compactMap(\.clientPort)).count == 1)
        }
    }

    @Test("a dropped connection is retried on a new one")
    func droppedConnection() async throws {
        try await withReplayCloud({ _, n in n == 0 ? .drop : .xml(Self.empty) }) { cloud, server in
            let images = try await describe(cloud)
            #expect(images.isEmpty)
            #expect(server.requests.count == 2)
        }
    }

    @Test("a slow answer past the attempt timeout is retried")
    func slowAnswer() async throws {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20), attemptTimeout: .seconds(1))
        // The first answer would take 60 s: finishing well before means the 1 s attempt timeout cut it and
        // a retry answered. (The margins are wide: on a loaded 2-core CI machine the test's threads can wait,
        // and even the immediate second answer can miss its timeout, so a third attempt is allowed.)
        try await withReplayCloud(retry: policy, { _, n in n == 0 ? .slow(.seconds(60), status: 200, body: Self.empty) : .xml(Self.empty) }) { cloud, server in
            let start = ContinuousClock.now
            let images = try await describe(cloud)
            #expect(images.isEmpty)
            #expect(ContinuousClock.now - start < .seconds(30))
            #expect((2...3).contains(server.requests.count))
        }
    }

    @Test("throttling forever stops after maxAttempts with the AWS code and how many attempts")
    func boundedAttempts() async throws {
        let throttled = try Fixture.text("ec2-request-limit-exceeded.xml")
        try await withReplayCloud({ _, _ in .respond(status: 503, body: throttled) }) { cloud, server in
            let error = await #expect(throws: IngotError.self) { try await describe(cloud) }
            #expect(error?.code == "RequestLimitExceeded")
            #expect(error?.message == "Request limit exceeded. (gave up after 4 attempts: throttled (RequestLimitExceeded))")
            #expect(server.requests.count == 4)
        }
    }

    /// A clock the test advances: waits take no real time, answers none of virtual time.
    final class VirtualTimer: Sendable {
        let now = Mutex(Duration.zero)
        let waits = Mutex([Duration]())
        var timer: RetryTimer {
            RetryTimer(elapsed: { self.now.withLock { $0 } }, sleep: { d in self.now.withLock { $0 += d }; self.waits.withLock { $0.append(d) } })
        }
    }

    @Test("the total time bound stops retries before maxAttempts")
    func boundedTime() async throws {
        let policy = RetryPolicy(maxAttempts: 50, baseDelay: .milliseconds(100), maxDelay: .milliseconds(100), maxTotal: .milliseconds(350))
        let unavailable = try Fixture.text("ec2-unavailable.xml")
        let clock = VirtualTimer()
        // unit 1.0: every wait is its full ceiling (100 ms) of virtual time: retries at 100, 200 and 300 ms;
        // a fourth wait would end at 400 ms, past the 350 ms bound, so the call gives up after 4 attempts.
        try await LoopbackServer.with({ _, _ in .respond(status: 503, body: unavailable) }) { server in
            let cloud = AWSCloud(client: AWSClient(configuration: server.configuration(), retryPolicy: policy, random: { 1.0 }, timer: clock.timer),
                                 account: .defaultLocal)
            let error = await #expect(throws: IngotError.self) { try await describe(cloud) }
            try await cloud.shutdown()
            #expect(error?.code == "Unavailable")
            #expect(server.requests.count == 4)
            #expect(clock.waits.withLock { $0 } == [.milliseconds(100), .milliseconds(100), .milliseconds(100)])
        }
    }

    @Test("backoff grows exponentially to its cap, with full jitter")
    func backoffWaits() async throws {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500), maxTotal: .seconds(60))
        let throttled = try Fixture.text("ec2-request-limit-exceeded.xml")
        let clock = VirtualTimer()
        try await LoopbackServer.with({ _, n in n < 5 ? .respond(status: 503, body: throttled) : .xml(Self.empty) }) { server in
            let cloud = AWSCloud(client: AWSClient(configuration: server.configuration(), retryPolicy: policy, random: { 0.5 }, timer: clock.timer),
                                 account: .defaultLocal)
            #expect(try await describe(cloud).isEmpty)
            try await cloud.shutdown()
            // Half of each ceiling: 100, 200, 400, then the 500 ms cap.
            #expect(clock.waits.withLock { $0 } == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(250), .milliseconds(250)])
            #expect(server.requests.count == 6)
        }
    }

    @Test("a clock-skew refusal teaches the client the endpoint's time; the retry is signed with it")
    func clockSkew() async throws {
        let expired = """
            <Response><Errors><Error><Code>RequestExpired</Code><Message>Request has expired.</Message></Error></Errors><RequestID>r</RequestID></Response>
            """
        // The endpoint is an hour ahead of this machine.
        let ahead = Date().addingTimeInterval(3600)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let header = formatter.string(from: ahead)
        try await withReplayCloud({ _, n in n == 0 ? .respond(status: 400, body: expired, headers: [("Date", header)]) : .xml(Self.empty) }) { cloud, server in
            _ = try await describe(cloud)
            _ = try await describe(cloud)
            #expect(server.requests.count == 3)
            let amz = DateFormatter()
            amz.locale = Locale(identifier: "en_US_POSIX")
            amz.timeZone = TimeZone(identifier: "GMT")
            amz.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            let offsets = server.requests.compactMap { $0.header("X-Amz-Date").flatMap(amz.date(from:)) }.map { $0.timeIntervalSince(ahead) }
            #expect(offsets.count == 3)
            #expect(abs(offsets[0] + 3600) < 120, "first signed by the local clock")
            #expect(abs(offsets[1]) < 120, "then by the endpoint's")
            #expect(abs(offsets[2]) < 120, "and it stays learnt")
        }
    }

    @Test("a refused signature without a skewed clock is not retried")
    func signatureRefusedNoSkew() async throws {
        let refused = "<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors></Response>"
        try await withReplayCloud({ _, _ in .respond(status: 401, body: refused) }) { cloud, server in
            let error = await #expect(throws: IngotError.self) { try await describe(cloud) }
            #expect(error?.code == "AuthFailure")
            #expect(server.requests.count == 1)
        }
    }

    @Test("a validation error (400) is not retried")
    func validationNotRetried() async throws {
        let invalid = try Fixture.text("ec2-invalid-parameter.xml")
        try await withReplayCloud({ _, _ in .respond(status: 400, body: invalid) }) { cloud, server in
            let error = await #expect(throws: IngotError.self) { try await describe(cloud) }
            #expect(error?.code == "InvalidParameterValue")
            #expect(error?.kind == .invalidInput)
            #expect(server.requests.count == 1)
        }
    }

    @Test("Auto Scaling ValidationError is not retried and keeps AWS's message")
    func autoScalingValidation() async throws {
        let invalid = try Fixture.text("autoscaling-validation-error.xml")
        try await withReplayCloud({ _, _ in .respond(status: 400, body: invalid) }) { cloud, server in
            let error = await #expect(throws: IngotError.self) {
                try await cloud.setDesiredCapacity(region: .usEast1, name: "no-such-group", desiredCapacity: 1)
            }
            #expect(error?.description == "ValidationError: AutoScalingGroup name not found - no-such-group")
            #expect(server.requests.count == 1)
        }
    }

    @Test("an HTML 500 is 'not supported by this endpoint', not retried")
    func htmlServerError() async throws {
        let html = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>"
        try await withReplayCloud({ _, _ in .respond(status: 500, contentType: "text/html; charset=utf-8", body: html) }) { cloud, server in
            let error = await #expect(throws: IngotError.self) {
                try await cloud.disableImage(region: .usEast1, imageId: ImageID(trusted: "ami-0123456789abcdef0"))
            }
            #expect(error?.message == "DisableImage is not supported by this endpoint")
            #expect(server.requests.count == 1)
        }
    }

    @Test("an endpoint repeating NextToken is an error, not an endless loop")
    func repeatedToken() async throws {
        let page = try Fixture.text("describe-images-page2.xml").replacingOccurrences(of: "</imagesSet>", with: "</imagesSet><nextToken>same</nextToken>")
        try await withReplayCloud({ _, _ in .xml(page) }) { cloud, server in
            let error = await #expect(throws: IngotError.self) { try await describe(cloud) }
            #expect(error?.message.contains("repeated NextToken") == true)
            #expect(server.requests.count == 2)
        }
    }
}
