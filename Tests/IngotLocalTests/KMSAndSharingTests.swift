import Foundation
import Testing
@testable import IngotCore
@testable import IngotLocal

/// KMS keys, sharing and tags as the EC2 and KMS references state them (issue 17). Each test quotes
/// the sentence it checks.
@Suite struct KMSAndSharingTests {
    static let later = Fixture.now.addingTimeInterval(86_400)

    func build(_ f: Fixture, _ name: String, key: String) async throws -> ImageID {
        try await f.cloud.buildImage(region: .usEast1, name: try ImageName(name), encrypted: true, kmsKeyId: key)
    }

    func copy(_ f: Fixture, _ id: ImageID, into region: Region = .usWest2, key: String?, as cloud: LocalCloud? = nil,
              copyTags: Bool = false) async throws -> ImageID {
        try await (cloud ?? f.cloud).copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: id, region: region,
                                                                copyImageTags: copyTags, encrypted: key != nil, kmsKeyId: key))
    }

    /// CopyImage's KmsKeyId: "Amazon Web Services authenticates the KMS key asynchronously. Therefore, if
    /// you specify an identifier that is not valid, the action can appear to complete, but eventually
    /// fails. The specified KMS key must exist in the destination Region."
    @Test func aCopyUnderAKeyItCannotUseIsPendingThenFailed() async throws {
        let f = try await Fixture()
        let image = try await f.build("golden-web-1")
        let east = try await f.cloud.createKey(region: .usEast1, description: "east", alias: "alias/golden")
        let west = try await f.cloud.createKey(region: .usWest2, description: "west", alias: "alias/golden")
        for bad in [east.arn, "not-a-key", "alias/missing", "arn:aws:kms:us-west-2:\(f.cloud.caller.rawValue):key/1234abcd-12ab-34cd-56ef-1234567890ab"] {
            let id = try await copy(f, image, key: bad)
            #expect(try await f.image(id, region: .usWest2).state == .pending, "\(bad): the copy appears to start")
            let landed = try await f.image(id, region: .usWest2, as: f.at(Self.later))
            #expect(landed.state == .failed, "\(bad)")
            #expect(landed.stateReason?.contains("Copy image failed") == true)
            _ = try await f.at(Self.later).deregisterImage(region: .usWest2, imageId: id, deleteAssociatedSnapshots: true)
        }
        // Every form of a good key: id, alias, key ARN, alias ARN; the copy's snapshots name the key ARN.
        for good in [west.keyId, "alias/golden", west.arn, "arn:aws:kms:us-west-2:\(f.cloud.caller.rawValue):alias/golden"] {
            let id = try await copy(f, image, key: good)
            let landed = try await f.image(id, region: .usWest2, as: f.at(Self.later))
            #expect(landed.state == .available, "\(good)")
            #expect(landed.blockDeviceMappings.compactMap(\.kmsKeyId) == [west.arn])
            _ = try await f.at(Self.later).deregisterImage(region: .usWest2, imageId: id, deleteAssociatedSnapshots: true)
        }
    }

    /// EC2 user guide, Share an AMI: "You can't share AMIs that are backed by snapshots that are encrypted
    /// with the default AWS managed key." "If you share an AMI that is backed by encrypted snapshots, you
    /// must allow the AWS accounts to use the KMS keys that were used to encrypt the snapshots."
    @Test func sharingNeedsACustomerKeyAndTheOtherAccountNeedsAGrant() async throws {
        let f = try await Fixture()
        let managed = try await f.build("golden-managed-1", encrypted: true)
        let refused = await #expect(throws: IngotError.self) {
            try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: managed, add: [.account(Fixture.other)]))
        }
        #expect(refused?.code == "InvalidParameter")
        #expect(try await f.image(managed).launchPermissions.userIds.isEmpty, "nothing written")

        let key = try await f.cloud.createKey(region: .usEast1, description: "golden", alias: "alias/golden")
        let customer = try await build(f, "golden-customer-1", key: key.arn)
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: customer, add: [.account(Fixture.other)]))
        // Shared, but the key is not: the other account's copy fails.
        let withoutGrant = try await copy(f, customer, into: .usEast1, key: nil, as: f.other)
        #expect(try await f.image(withoutGrant, as: f.other.at(.at(Self.later))).state == .failed)
        // Launching it starts and terminates at once ("Client.InternalError: Client error on launch").
        #expect(try await f.other.runInstances(RunInstancesRequest(region: .usEast1, imageId: customer)).map(\.state) == [.terminated])
        try await f.cloud.grantKeyUse(region: .usEast1, key: "alias/golden", account: Fixture.other)
        #expect(try await f.other.runInstances(RunInstancesRequest(region: .usEast1, imageId: customer)).map(\.state) == [.running])
        let withGrant = try await f.other.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: customer, region: .usEast1,
                                                                      name: try ImageName("golden-customer-copy")))
        let landed = try await f.image(withGrant, as: f.other.at(.at(Self.later)))
        #expect(landed.state == .available)
        // "An encrypted snapshot that you do not own ... is copied to a snapshot that is encrypted by your AWS account's default KMS key."
        #expect(landed.blockDeviceMappings.compactMap(\.kmsKeyId) == [KMSKey.awsManagedEBS(account: Fixture.other, region: .usEast1).arn])
        // An AWS managed key cannot be granted to another account.
        let managedGrant = await #expect(throws: IngotError.self) {
            try await f.cloud.grantKeyUse(region: .usEast1, key: "alias/aws/ebs", account: Fixture.other)
        }
        #expect(managedGrant?.code == "UnsupportedOperationException")
    }

    /// Share an AMI: "When you share an AMI, your user-defined tags are not available to any AWS account
    /// that the AMI is shared with." CopyImageTags: "The following tags are not be copied: System tags
    /// (prefixed with aws:) For public and shared AMIs, user-defined tags that are attached by other
    /// Amazon Web Services accounts".
    @Test func anotherAccountSeesNoUserTagsAndTagFiltersDoNotMatchForIt() async throws {
        let f = try await Fixture()
        let image = try await f.build("golden-web-1", tags: [Tag(key: "golden", value: "true")])
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: image, add: [.account(Fixture.other)]))
        #expect(try await f.image(image).tags.contains(Tag(key: "golden", value: "true")))
        #expect(try await f.image(image, as: f.other).tags.isEmpty)
        let byTag = try await f.list(as: f.other) { $0.filters = [.tag(key: "golden", values: ["true"])] }
        #expect(byTag.isEmpty)
        let ownByTag = try await f.list { $0.filters = [.tag(key: "golden", values: ["true"])] }
        #expect(ownByTag.map(\.id) == [image])
        let copied = try await copy(f, image, into: .usEast1, key: nil, as: f.other, copyTags: true)
        #expect(try await f.image(copied, as: f.other).tags.isEmpty)

        let selector = ImageSelector(tags: ["golden": ["true"]], owners: [.account(f.cloud.caller)])
        #expect(selector.sharedTagWarning(caller: Fixture.other) != nil)
        #expect(selector.sharedTagWarning(caller: f.cloud.caller) == nil)
    }

    /// Deprecate an AMI: "By default, the deprecation date of all public AMIs is set to two years from the
    /// AMI creation date. You can set the deprecation date to earlier than two years. To cancel the
    /// deprecation date, or to move the deprecation to a later date, you must make the AMI private".
    /// Block public access: "When block public access is enabled, any attempt to make an AMI public is
    /// automatically blocked", enabled by default for new accounts.
    @Test func publicImagesAreBlockedByDefaultAndDeprecateWithinTwoYears() async throws {
        let f = try await Fixture()
        let image = try await f.build("golden-public-1")
        #expect(try await f.cloud.imageBlockPublicAccess(region: .usEast1) == .blockNewSharing)
        let blocked = await #expect(throws: IngotError.self) {
            try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: image, add: [.everyone]))
        }
        #expect(blocked?.code == "OperationNotPermitted")
        #expect(try await f.image(image).isPublic == false)

        try await f.cloud.setImageBlockPublicAccess(.unblocked, region: .usEast1)
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: image, add: [.everyone]))
        let made = try await f.image(image)
        let twoYears = try #require(Calendar(identifier: .gregorian).date(byAdding: .year, value: 2, to: made.creationDate))
        #expect(made.isPublic && made.deprecationTime.map { twoYears.timeIntervalSince($0) >= 0 && twoYears.timeIntervalSince($0) < 60 } == true)
        let earlier = Fixture.now.addingTimeInterval(30 * 86_400)
        _ = try await f.cloud.enableImageDeprecation(region: .usEast1, imageId: image, deprecateAt: earlier)
        for attempt in ["cancel", "later"] {
            let refused = await #expect(throws: IngotError.self, "\(attempt)") {
                if attempt == "cancel" { try await f.cloud.disableImageDeprecation(region: .usEast1, imageId: image) }
                else { _ = try await f.cloud.enableImageDeprecation(region: .usEast1, imageId: image, deprecateAt: earlier.addingTimeInterval(86_400)) }
            }
            #expect(refused?.code == "OperationNotPermitted")
        }
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: image, remove: [.everyone]))
        try await f.cloud.disableImageDeprecation(region: .usEast1, imageId: image)
        #expect(try await f.image(image).deprecationTime == nil, "private again: the date can be cancelled")
    }

    /// A DR plan for another account with a customer key emits the grant that lets that account use it,
    /// and blocks on a key of another region or one that does not exist (the copy would fail).
    @Test func drPlansCheckTheKeyAndGrantItToTheDRAccount() async throws {
        let f = try await Fixture()
        let key = try await f.cloud.createKey(region: .euWest1, description: "dr", alias: "alias/dr")
        let east = try await f.cloud.createKey(region: .usEast1, description: "east", alias: nil)
        let image = try await build(f, "golden-web-1", key: east.arn)
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(imageId: image.rawValue)))
        func plan(_ kms: String?) async throws -> DRPlan {
            try await DRPlanner.plan(DRRequest(sourceRegion: .usEast1, region: .euWest1, drAccount: Fixture.other, kmsKeyId: kms,
                                               workloads: [.template("web-lt")]), cloud: f.cloud, now: Fixture.now)
        }
        for bad in [east.arn, "alias/missing"] {
            let p = try await plan(bad)
            #expect(p.blockers.contains { $0.reason.contains("--kms-key-id") }, "\(bad): \(p.blockers.map(\.reason))")
        }
        let good = try await plan("alias/dr")
        #expect(!good.blockers.contains { $0.reason.contains("kms") || $0.reason.contains("AWS-managed") }, "\(good.blockers.map(\.reason))")
        #expect(good.steps.contains { if case .grantKey(key.arn, Fixture.other) = $0.action { true } else { false } })
        // Applying it grants the key; the next plan has no grant step left.
        let request = DRRequest(sourceRegion: .usEast1, region: .euWest1, drAccount: Fixture.other, kmsKeyId: "alias/dr", workloads: [.template("web-lt")])
        let applied = try await DRApplier.apply(request, cloud: f.cloud, now: { Fixture.now })
        #expect(applied.done.map(\.name).contains("grant-key"))
        #expect(try await f.cloud.describeKey(region: .euWest1, key: "alias/dr").grantees == [Fixture.other])
        #expect(!applied.remaining.steps.contains { $0.name == "grant-key" })
    }
}
