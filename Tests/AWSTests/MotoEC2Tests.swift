import Foundation
import IngotAWS
import IngotCore
import Testing

typealias Tag = IngotCore.Tag

/// Runs `body` with an AWSCloud on the suite's moto_server (signing with the suite's IAM key when
/// moto checks signatures), and closes its connections after.
func withMotoCloud<T: Sendable>(credentials: AWSCredentials? = nil, _ body: (AWSCloud) async throws -> T) async throws -> T {
    let moto = try MotoServer.require()
    let credentials = credentials ?? MotoServer.credentials ?? AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")
    let cloud = try await AWSCloud.connect(moto.configuration(credentials: credentials),
                                           retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50)))
    do {
        let result = try await body(cloud)
        try await cloud.shutdown()
        return result
    } catch {
        try? await cloud.shutdown()
        throw error
    }
}

/// An instance launched from one of moto's bundled Amazon images. Some of those carry values AWS
/// never sends (root device type `standard`), which the decoder refuses, so the base image is
/// picked with a raw, filtered DescribeImages.
func launchBuilder(_ cloud: AWSCloud, region: Region = .usEast1) async throws -> Instance {
    var q = QueryParameters(action: "DescribeImages", version: "2016-11-15")
    q.ec2List("Owner", ["amazon"])
    q.ec2Filters([("root-device-type", ["ebs"]), ("architecture", ["x86_64"]), ("name", ["amzn2-ami-*"])])
    let answer = try await cloud.client.query(.ec2, region: region, q)
    let base = try #require(answer.items("imagesSet").first?.string("imageId"))
    let instances = try await cloud.runInstances(RunInstancesRequest(region: region, imageId: ImageID(trusted: base), instanceType: "t3.micro"))
    return try #require(instances.first)
}

@Suite("EC2 images and snapshots against moto_server, every request signature-checked", .motoServerCheckingSignatures, .enabled(if: MotoServer.isInstalled, MotoServer.skipMessage))
struct MotoEC2Tests {
    @Test func connectLearnsTheAccount() async throws {
        let account = try await withMotoCloud { $0.account }
        #expect(account == AccountID.defaultLocal)
    }

    @Test func describeRegions() async throws {
        let regions = try await withMotoCloud { try await $0.describeRegions(region: .usEast1) }
        #expect(regions.contains(.usEast1) && regions.contains(.euWest1) && regions.contains(.apSoutheast2))
        #expect(regions == regions.sorted())
    }

    @Test("CreateImage, DescribeImages by owner, name and tag filters, CreateTags, ModifyImageAttribute, DeregisterImage")
    func imageLifecycle() async throws {
        try await withMotoCloud { cloud in
            let instance = try await launchBuilder(cloud)
            #expect(instance.state == .running || instance.state == .pending)
            let name = uniqueName("golden-web")
            let id = try await cloud.createImage(CreateImageRequest(
                region: .usEast1, instanceId: instance.id, name: try ImageName(name), description: "golden web",
                tags: [Tag(key: "golden", value: "true")], imageVersion: ImageVersion(parsing: "2.4.0/3")))

            let found = try await cloud.describeImages(DescribeImagesRequest(
                region: .usEast1, owners: [.caller], filters: [.name([name]), .tag(key: "golden", values: ["true"])]))
            #expect(found.map(\.id) == [id])
            let image = try #require(found.first)
            #expect(image.name == name)
            #expect(image.description == "golden web")
            #expect(image.ownerId == cloud.account)
            #expect(image.tags[tag: "golden"] == "true")
            #expect(image.tags[tag: "Version"] == "2.4.0/3")
            #expect(image.imageVersion == ImageVersion(parsing: "2.4.0/3"))
            #expect(!image.snapshotIds.isEmpty)
            #expect(image.region == .usEast1)

            // A filter that matches nothing gives an empty set, not an error.
            let none = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller],
                                                                            filters: [.name([name]), .tag(key: "golden", values: ["false"])]))
            #expect(none.isEmpty)

            try await cloud.createTags(region: .usEast1, imageId: id, tags: [Tag(key: "team", value: "web")])
            let byTagKey = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller], filters: [.tagKey(["team"]), .name([name])]))
            #expect(byTagKey.map(\.id) == [id])

            let other = try AccountID("210987654321")
            try await cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, add: [.account(other)]))
            #expect(try await cloud.describeLaunchPermissions(region: .usEast1, imageId: id).userIds == [other])
            try await cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, remove: [.account(other)]))
            #expect(try await cloud.describeLaunchPermissions(region: .usEast1, imageId: id).userIds.isEmpty)

            let result = try await cloud.deregisterImage(region: .usEast1, imageId: id, deleteAssociatedSnapshots: false)
            #expect(result.retainedSnapshots == image.snapshotIds)
            #expect(result.deletedSnapshots.isEmpty)
            let after = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller], filters: [.name([name])]))
            #expect(after.allSatisfy { $0.state == .deregistered })
        }
    }

    // moto's RegisterImage reads only Name and Description; the full request is checked against
    // the loopback server (ReplayTests).
    @Test("RegisterImage; DescribeSnapshots knows which images use a snapshot; orphans; DeleteSnapshot")
    func registerImageAndSnapshots() async throws {
        try await withMotoCloud { cloud in
            let instance = try await launchBuilder(cloud)
            let source = try await cloud.createImage(CreateImageRequest(region: .usEast1, instanceId: instance.id, name: try ImageName(uniqueName("src"))))
            let sourceImage = try #require(try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, imageIds: [source])).first)
            let snapshot = try #require(sourceImage.snapshotIds.first)

            let name = uniqueName("registered")
            let registered = try await cloud.registerImage(RegisterImageRequest(
                region: .usEast1, name: try ImageName(name), description: "from a snapshot", rootDeviceName: "/dev/xvda",
                blockDeviceMappings: [BlockDeviceMapping(deviceName: "/dev/xvda", snapshotId: snapshot, volumeSize: 8, volumeType: .gp3)]))
            let image = try #require(try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, imageIds: [registered])).first)
            #expect(image.name == name)
            #expect(image.description == "from a snapshot")

            let snapshots = try await cloud.describeSnapshots(DescribeSnapshotsRequest(region: .usEast1, snapshotIds: [snapshot]))
            #expect(snapshots.map(\.id) == [snapshot])
            #expect(snapshots.first?.imageIds == [source])
            #expect(snapshots.first?.ownerId == cloud.account)
            #expect((snapshots.first?.volumeSize ?? 0) > 0)
            let before = try await cloud.describeSnapshots(DescribeSnapshotsRequest(region: .usEast1, orphanedOnly: true))
            #expect(!before.contains { $0.id == snapshot })

            let result = try await cloud.deregisterImage(region: .usEast1, imageId: source, deleteAssociatedSnapshots: false)
            #expect(result.retainedSnapshots == [snapshot])
            let orphans = try await cloud.describeSnapshots(DescribeSnapshotsRequest(region: .usEast1, orphanedOnly: true))
            #expect(orphans.contains { $0.id == snapshot })
            try await cloud.deleteSnapshot(region: .usEast1, snapshotId: snapshot)
            let error = await #expect(throws: IngotError.self) {
                try await cloud.describeSnapshots(DescribeSnapshotsRequest(region: .usEast1, snapshotIds: [snapshot]))
            }
            #expect(error?.code == "InvalidSnapshot.NotFound")
        }
    }

    @Test("EC2's <Response><Errors> envelope becomes an IngotError with AWS's code")
    func ec2ErrorEnvelope() async throws {
        try await withMotoCloud { cloud in
            let error = await #expect(throws: IngotError.self) {
                try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, imageIds: [ImageID(trusted: "ami-12345678")]))
            }
            #expect(error?.code == "InvalidAMIID.NotFound")
            #expect(error?.kind == .refused)
            #expect(error?.description == "InvalidAMIID.NotFound: The image id '[ami-12345678]' does not exist")
        }
    }

    @Test("CopyImage is sent to the destination region's endpoint and the copy lives there")
    func copyImageAcrossRegions() async throws {
        try await withMotoCloud { cloud in
            let instance = try await launchBuilder(cloud)
            let name = uniqueName("golden-api")
            let source = try await cloud.createImage(CreateImageRequest(region: .usEast1, instanceId: instance.id, name: try ImageName(name),
                                                                       tags: [Tag(key: "golden", value: "true")]))
            let copy = try await cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: source, region: .euWest1,
                                                                  tags: [Tag(key: "dr", value: "true")]))
            #expect(copy != source)
            let copies = try await cloud.describeImages(DescribeImagesRequest(region: .euWest1, imageIds: [copy]))
            #expect(copies.first?.name == name, "without a name the copy takes the source's")
            #expect(copies.first?.region == .euWest1)
            // Not in the source region: moto keeps regions apart by the credential scope.
            let inSource = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller], filters: [.imageId([copy.rawValue])]))
            #expect(inSource.isEmpty)
        }
    }

    @Test("an action the endpoint lacks is reported as not supported, without retries")
    func unsupportedAction() async throws {
        try await withMotoCloud { cloud in
            let instance = try await launchBuilder(cloud)
            let id = try await cloud.createImage(CreateImageRequest(region: .usEast1, instanceId: instance.id, name: try ImageName(uniqueName("dep"))))
            let start = ContinuousClock.now
            let error = await #expect(throws: IngotError.self) {
                try await cloud.enableImageDeprecation(region: .usEast1, imageId: id, deprecateAt: Date().addingTimeInterval(86_400))
            }
            #expect(error?.message == "EnableImageDeprecation is not supported by this endpoint")
            #expect(error?.code == "UnsupportedOperation")
            // No retries: the message would say "gave up after N attempts"; the time is only a sanity bound.
            #expect(error?.message.contains("gave up") == false)
            #expect(ContinuousClock.now - start < .seconds(20))
        }
    }

    @Test func actingAsAnotherAccountIsRefused() async throws {
        try await withMotoCloud { cloud in
            let other = cloud.acting(as: try AccountID("210987654321"))
            #expect(other.caller.rawValue == "210987654321")
            let error = await #expect(throws: IngotError.self) {
                try await other.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller]))
            }
            #expect(error?.message.contains("AWS acts only as the credentials' account 123456789012") == true)
        }
    }
}
