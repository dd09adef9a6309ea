import Foundation
import IngotAWS
import IngotCore
import Testing

@Suite("Signed requests checked by moto_server's IAM auth", .motoServerCheckingSignatures, .enabled(if: MotoServer.isInstalled, MotoServer.skipMessage))
struct MotoAuthTests {
    var credentials: AWSCredentials { get throws { try #require(MotoServer.credentials) } }

    @Test("EC2, launch templates, Auto Scaling, SSM and STS calls pass moto's signature check")
    func signedCallsAccepted() async throws {
        try await withMotoCloud(credentials: try credentials) { cloud in
            #expect(cloud.account == AccountID.defaultLocal)
            let instance = try await launchBuilder(cloud)
            let name = uniqueName("signed")
            let id = try await cloud.createImage(CreateImageRequest(region: .usEast1, instanceId: instance.id, name: try ImageName(name),
                                                                   tags: [Tag(key: "note", value: "spaces & symbols: a+b=c/d?e")]))
            let images = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller],
                                                                              filters: [.name([name]), .tag(key: "note", values: ["spaces & symbols: a+b=c/d?e"])]))
            #expect(images.map(\.id) == [id])
            // Another region: the credential scope changes with it.
            _ = try await cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: id, region: .euWest1, name: try ImageName(name)))

            let template = uniqueName("signed-lt")
            _ = try await cloud.createLaunchTemplate(CreateLaunchTemplateRequest(
                region: .usEast1, name: template, data: LaunchTemplateData(imageId: id.rawValue, instanceType: "t3.micro",
                                                                           userData: "IyEvYmluL3NoCmVjaG8gaGk=")))
            let group = try await cloud.createAutoScalingGroup(region: .usEast1, name: uniqueName("signed-asg"), settings: GroupSettings(
                launchTemplateName: template, launchTemplateVersion: .number(1), minSize: 0, maxSize: 2, desiredCapacity: 1, availabilityZones: ["us-east-1a"]))
            #expect(group.instances.count == 1)

            let parameter = "/signed/" + uniqueName("p")
            _ = try await cloud.putParameter(region: .usEast1, name: parameter, value: id.rawValue, dataType: "text", overwrite: false)
            #expect(try await cloud.getParameter(region: .usEast1, name: parameter).value == id.rawValue)
        }
    }

    @Test("a wrong secret is refused with SignatureDoesNotMatch, not retried")
    func wrongSecretRefused() async throws {
        let good = try credentials
        let moto = try MotoServer.require()
        let bad = AWSCredentials(accessKeyId: good.accessKeyId, secretAccessKey: String(good.secretAccessKey.reversed()))
        let client = AWSClient(configuration: moto.configuration(credentials: bad))
        let error = await #expect(throws: IngotError.self) {
            try await client.query(.ec2, region: .usEast1, QueryParameters(action: "DescribeRegions", version: "2016-11-15"))
        }
        try await client.shutdown()
        #expect(error?.code == "SignatureDoesNotMatch" || error?.code == "AuthFailure")
        #expect(error?.message.contains("gave up") == false)
        #expect(error?.description.contains(bad.secretAccessKey) == false)
    }

    @Test("an access key moto's IAM does not know is refused")
    func unknownKeyRefused() async throws {
        let moto = try MotoServer.require()
        let client = AWSClient(configuration: moto.configuration(credentials: AWSCredentials(accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x")))
        let error = await #expect(throws: IngotError.self) {
            try await client.query(.autoScaling, region: .usEast1, QueryParameters(action: "DescribeAutoScalingGroups", version: "2011-01-01"))
        }
        try await client.shutdown()
        #expect(error?.code == "InvalidClientTokenId")
    }
}
