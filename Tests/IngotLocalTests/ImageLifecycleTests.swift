import Foundation
import Testing
import IngotCore
@testable import IngotLocal

@Suite struct CopyImageTests {
    @Test func copyHasANewIdLineageAndIsPendingUntilItsSnapshotsLand() async throws {
        let f = try await Fixture()
        let source = try await f.build("golden-web-1", size: 30)
        let copyID = try await f.cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: source, region: .euWest1))
        #expect(copyID != source)
        let copy = try await f.image(copyID, region: .euWest1)
        #expect(copy.sourceImageId == source)
        #expect(copy.sourceImageRegion == .usEast1)
        #expect(copy.region == .euWest1)
        #expect(copy.state == .pending)
        let landed = try #require(copy.availableAt)
        #expect(landed.timeIntervalSince(Fixture.now) >= 300)
        #expect(landed.timeIntervalSince(Fixture.now) == ImageRules.copyDuration(totalGiB: 30, crossRegion: true))
        // The copy's snapshots are new, in the destination region, pending with it.
        let snapshotID = try #require(copy.snapshotIds.first)
        #expect(snapshotID != (try await f.image(source)).snapshotIds.first)
        let before = try await f.cloud.describeSnapshots(DescribeSnapshotsRequest(region: .euWest1, snapshotIds: [snapshotID]))
        #expect(before.first?.state == .pending)
        // The clock passing the completion time makes it available.
        let later = try await f.image(copyID, region: .euWest1, as: f.at(landed))
        #expect(later.state == .available)
        #expect(later.availableAt == nil)
        let after = try await f.at(landed).describeSnapshots(DescribeSnapshotsRequest(region: .euWest1, snapshotIds: [snapshotID]))
        #expect(after.first?.state == .completed)
    }

    @Test func biggerImagesTakeLongerToCopy() async throws {
        let f = try await Fixture()
        let small = try await f.build("small", size: 8)
        let big = try await f.build("big", size: 500)
        let a = try await f.image(try await f.cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: small, region: .euWest1)), region: .euWest1)
        let b = try await f.image(try await f.cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: big, region: .euWest1)), region: .euWest1)
        #expect(try #require(b.availableAt) > #require(a.availableAt))
    }

    @Test func tagsAreCopiedOnlyWhenAskedAndNeverLaunchPermissions() async throws {
        let f = try await Fixture()
        // Block public access for AMIs is on for new accounts: these tests make images public.
        try await f.cloud.setImageBlockPublicAccess(.unblocked, region: .usEast1)
        let source = try await f.build("tagged", tags: [Tag(key: "golden", value: "true"), Tag(key: "team", value: "web")])
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: source, add: [.account(Fixture.other), .everyone]))
        let plain = try await f.image(try await f.cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: source, region: .euWest1)), region: .euWest1)
        #expect(plain.tags.isEmpty)
        #expect(plain.launchPermissions.isEmpty)
        #expect(!plain.isPublic)
        let withTags = try await f.image(try await f.cloud.copyImage(CopyImageRequest(
            sourceRegion: .usEast1, sourceImageId: source, region: .apSoutheast2, copyImageTags: true, tags: [Tag(key: "team", value: "dr")])), region: .apSoutheast2)
        #expect(withTags.tags == [Tag(key: "golden", value: "true"), Tag(key: "team", value: "dr")])
        #expect(withTags.launchPermissions.isEmpty)
    }

    @Test func encryptedSourcesYieldEncryptedCopies() async throws {
        let f = try await Fixture()
        let source = try await f.build("secret", encrypted: true)
        let copy = try await f.image(try await f.cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: source, region: .euWest1, encrypted: false)), region: .euWest1)
        #expect(copy.isEncrypted)
        // Snapshots name their key by ARN, as DescribeImages shows it: here the destination's AWS managed key.
        #expect(copy.blockDeviceMappings.first?.kmsKeyId == KMSKey.awsManagedEBS(account: f.cloud.caller, region: .euWest1).arn)
        let dr = try await f.cloud.createKey(region: .apSoutheast2, description: "dr", alias: "alias/dr")
        let keyed = try await f.image(try await f.cloud.copyImage(CopyImageRequest(
            sourceRegion: .usEast1, sourceImageId: source, region: .apSoutheast2, encrypted: true, kmsKeyId: "alias/dr")), region: .apSoutheast2)
        #expect(keyed.blockDeviceMappings.first?.kmsKeyId == dr.arn)
        let error = await #expect(throws: IngotError.self) {
            try await f.cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: source, region: .usWest2, kmsKeyId: "alias/dr"))
        }
        #expect(error?.code == "InvalidParameterCombination")
        #expect(error?.kind == .invalidInput)
    }

    @Test func lineageSurvivesACopyOfACopy() async throws {
        let f = try await Fixture()
        let source = try await f.build("chain")
        let first = try await f.cloud.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: source, region: .euWest1))
        let landed = try #require(try await f.image(first, region: .euWest1).availableAt)
        let second = try await f.at(landed).copyImage(CopyImageRequest(sourceRegion: .euWest1, sourceImageId: first, region: .apSoutheast2))
        let image = try await f.image(second, region: .apSoutheast2)
        #expect(image.sourceImageId == first)
        #expect(image.sourceImageRegion == .euWest1)
        // A pending copy cannot itself be copied yet.
        let error = await #expect(throws: IngotError.self) {
            try await f.cloud.copyImage(CopyImageRequest(sourceRegion: .apSoutheast2, sourceImageId: second, region: .usWest2))
        }
        #expect(error?.code == "IncorrectState")
    }

    @Test func copyingAnImageYouCannotSeeIsNotFound() async throws {
        let f = try await Fixture()
        let source = try await f.build("private")
        let error = await #expect(throws: IngotError.self) {
            try await f.other.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: source, region: .euWest1))
        }
        #expect(error?.code == "InvalidAMIID.NotFound")
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: source, add: [.account(Fixture.other)]))
        let copy = try await f.other.copyImage(CopyImageRequest(sourceRegion: .usEast1, sourceImageId: source, region: .euWest1))
        #expect(try await f.image(copy, region: .euWest1, as: f.other).ownerId == Fixture.other)
    }
}

@Suite struct DeprecationAndVisibilityTests {
    @Test func ownerSeesItsDeprecatedImagesOthersNeedIncludeDeprecated() async throws {
        let f = try await Fixture()
        let id = try await f.build("old-build")
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, add: [.account(Fixture.other)]))
        let time = try await f.cloud.enableImageDeprecation(region: .usEast1, imageId: id, deprecateAt: Fixture.now.addingTimeInterval(3600 + 20))
        #expect(time == Fixture.now.addingTimeInterval(3600))  // rounded to the minute
        let later = Fixture.now.addingTimeInterval(7200)
        // Before the time: still visible to everyone it is shared with.
        #expect(try await f.list(as: f.other).map(\.id) == [id])
        // After: the owner still sees it, the other account only with IncludeDeprecated or by id.
        #expect(try await f.list(as: f.at(later)).map(\.id) == [id])
        #expect(try await f.list(as: f.at(later).acting(as: Fixture.other)).isEmpty)
        #expect(try await f.list(as: f.at(later).acting(as: Fixture.other)) { $0.includeDeprecated = true }.map(\.id) == [id])
        #expect(try await f.list(as: f.at(later).acting(as: Fixture.other)) { $0.imageIds = [id] }.map(\.id) == [id])
        // Deprecated images are still launchable.
        let instances = try await f.at(later).acting(as: Fixture.other).runInstances(RunInstancesRequest(region: .usEast1, imageId: id))
        #expect(instances.count == 1)
        // DisableImageDeprecation undoes it.
        try await f.cloud.disableImageDeprecation(region: .usEast1, imageId: id)
        #expect(try await f.list(as: f.at(later).acting(as: Fixture.other)).map(\.id) == [id])
    }

    @Test func deprecationInThePastOrTooFarIsRefusedAndNothingChanges() async throws {
        let f = try await Fixture()
        let id = try await f.build("x-build")
        let past = await #expect(throws: IngotError.self) {
            try await f.cloud.enableImageDeprecation(region: .usEast1, imageId: id, deprecateAt: Fixture.now.addingTimeInterval(-60))
        }
        #expect(past?.kind == .invalidInput)
        await #expect(throws: IngotError.self) {
            try await f.cloud.enableImageDeprecation(region: .usEast1, imageId: id, deprecateAt: Fixture.now.addingTimeInterval(11 * 365 * 86_400))
        }
        #expect(try await f.image(id).deprecationTime == nil)
    }

    @Test func onlyTheOwnerChangesAnImage() async throws {
        let f = try await Fixture()
        let id = try await f.build("mine")
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, add: [.account(Fixture.other)]))
        let error = await #expect(throws: IngotError.self) {
            try await f.other.enableImageDeprecation(region: .usEast1, imageId: id, deprecateAt: Fixture.now.addingTimeInterval(86_400))
        }
        #expect(error?.code == "AuthFailure")
        let missing = await #expect(throws: IngotError.self) {
            try await f.cloud.disableImage(region: .usEast1, imageId: ImageID(trusted: "ami-00000000000000000"))
        }
        #expect(missing?.code == "InvalidAMIID.NotFound")
    }

    @Test func disablingMakesAnImagePrivateAndEnablingDoesNotRestoreSharing() async throws {
        let f = try await Fixture()
        // Block public access for AMIs is on for new accounts: these tests make images public.
        try await f.cloud.setImageBlockPublicAccess(.unblocked, region: .usEast1)
        let id = try await f.build("to-disable")
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, add: [.account(Fixture.other), .everyone]))
        try await f.cloud.disableImage(region: .usEast1, imageId: id)
        let disabled = try await f.image(id)
        #expect(disabled.state == .disabled)
        #expect(disabled.launchPermissions.isEmpty)
        #expect(try await f.list().isEmpty)
        #expect(try await f.list { $0.includeDisabled = true }.map(\.id) == [id])
        #expect(try await f.list(as: f.other) { $0.includeDisabled = true }.isEmpty)
        let launch = await #expect(throws: IngotError.self) { try await f.cloud.runInstances(RunInstancesRequest(region: .usEast1, imageId: id)) }
        #expect(launch?.code == "InvalidAMIID.Unavailable")
        let share = await #expect(throws: IngotError.self) {
            try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, add: [.everyone]))
        }
        #expect(share?.code == "IncorrectState")
        try await f.cloud.enableImage(region: .usEast1, imageId: id)
        let enabled = try await f.image(id)
        #expect(enabled.state == .available)
        #expect(enabled.launchPermissions.isEmpty)
        #expect(try await f.list(as: f.other).isEmpty)
    }

    @Test func encryptedImagesCannotBeMadePublic() async throws {
        let f = try await Fixture()
        // A customer managed key: an image under the AWS managed key cannot even be shared with an account.
        let key = try await f.cloud.createKey(region: .usEast1, description: "images", alias: nil)
        let id = try await f.cloud.buildImage(region: .usEast1, name: try ImageName("encrypted-one"), encrypted: true, kmsKeyId: key.arn)
        try await f.cloud.setImageBlockPublicAccess(.unblocked, region: .usEast1)
        let error = await #expect(throws: IngotError.self) {
            try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, add: [.everyone]))
        }
        #expect(error?.code == "InvalidParameter")
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, add: [.account(Fixture.other)]))
        #expect(try await f.image(id).launchPermissions.userIds == [Fixture.other])
    }

    @Test func sharingAddsAndRemovesEachKindOfPermission() async throws {
        let f = try await Fixture()
        // Block public access for AMIs is on for new accounts: these tests make images public.
        try await f.cloud.setImageBlockPublicAccess(.unblocked, region: .usEast1)
        let id = try await f.build("shared")
        let org = try LaunchPermission.organization(parsing: "arn:aws:organizations::123456789012:organization/o-abc123def4")
        let ou = try LaunchPermission.organizationalUnit(parsing: "arn:aws:organizations::123456789012:ou/o-abc123def4/ou-ab12-cdef3456")
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, add: [.account(Fixture.other), .everyone, org, ou]))
        var image = try await f.image(id)
        #expect(image.launchPermissions.userIds == [Fixture.other])
        #expect(image.isPublic)
        #expect(image.launchPermissions.organizationArns.count == 1)
        #expect(image.launchPermissions.organizationalUnitArns.count == 1)
        #expect(try await f.list(as: f.cloud.acting(as: AccountID(trusted: "999999999999"))).map(\.id) == [id])  // public
        try await f.cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: id, remove: [.everyone, org]))
        image = try await f.image(id)
        #expect(!image.isPublic)
        #expect(image.launchPermissions.organizationArns.isEmpty)
        #expect(try await f.list(as: f.cloud.acting(as: AccountID(trusted: "999999999999"))).isEmpty)
        #expect(try await f.list(as: f.other).map(\.id) == [id])
        #expect(throws: IngotError.self) { try LaunchPermission.organization(parsing: "o-abc") }
    }
}

@Suite struct DeregistrationAndSnapshotTests {
    /// A deregistered image stays visible by id while an instance launched from it still runs.
    @Test func aDeregisteredImageStaysVisibleWhileAnInstanceRunsFromIt() async throws {
        let f = try await Fixture()
        let id = try await f.build("still-running")
        let instance = try #require(try await f.cloud.runInstances(RunInstancesRequest(region: .usEast1, imageId: id)).first)
        _ = try await f.cloud.deregisterImage(region: .usEast1, imageId: id, deleteAssociatedSnapshots: false)
        let later = f.at(Fixture.now.addingTimeInterval(86_400))
        #expect(try await f.image(id, as: later).state == .deregistered)
        #expect(try await f.list(as: later).map(\.id).contains(id) == false, "listings do not show it")
        try await later.terminateInstances(region: .usEast1, instanceIds: [instance.id])
        await #expect(throws: IngotError.self) { try await f.image(id, as: later) }
    }

    @Test func snapshotsSurviveDeregistrationUnlessAskedAndKeepCosting() async throws {
        let f = try await Fixture()
        let id = try await f.build("short-lived", size: 20)
        let snapshot = try #require(try await f.image(id).snapshotIds.first)
        let result = try await f.cloud.deregisterImage(region: .usEast1, imageId: id, deleteAssociatedSnapshots: false)
        #expect(result.retainedSnapshots == [snapshot])
        // DescribeImages: "Recently deregistered images appear in the returned results for a short interval
        // and then return empty results. After all instances that reference a deregistered AMI are
        // terminated, specifying the ID of the image will eventually return an error".
        #expect(try await f.image(id).state == .deregistered)
        await #expect(throws: IngotError.self) { try await f.image(id, as: f.at(Fixture.now.addingTimeInterval(16 * 60))) }
        let orphans = try await f.cloud.describeSnapshots(DescribeSnapshotsRequest(region: .usEast1, orphanedOnly: true))
        #expect(orphans.map(\.id) == [snapshot])
        #expect(orphans.first?.volumeSize == 20)
        // Re-register from the orphan, then deregister with DeleteAssociatedSnapshots.
        let again = try await f.cloud.registerImage(RegisterImageRequest(
            region: .usEast1, name: try ImageName("reborn"), blockDeviceMappings: [BlockDeviceMapping(deviceName: "/dev/xvda", snapshotId: snapshot)]))
        let deleted = try await f.cloud.deregisterImage(region: .usEast1, imageId: again, deleteAssociatedSnapshots: true)
        #expect(deleted.deletedSnapshots == [snapshot])
        #expect(try await f.cloud.describeSnapshots(DescribeSnapshotsRequest(region: .usEast1)).isEmpty)
    }

    @Test func aSnapshotSharedByTwoImagesIsNeverDeleted() async throws {
        let f = try await Fixture()
        let first = try await f.build("first-user")
        let snapshot = try #require(try await f.image(first).snapshotIds.first)
        let second = try await f.cloud.registerImage(RegisterImageRequest(
            region: .usEast1, name: try ImageName("second-user"), blockDeviceMappings: [BlockDeviceMapping(deviceName: "/dev/xvda", snapshotId: snapshot, volumeSize: 16)]))
        #expect(try await f.image(second).blockDeviceMappings.first?.volumeSize == 16)
        let result = try await f.cloud.deregisterImage(region: .usEast1, imageId: first, deleteAssociatedSnapshots: true)
        #expect(result.deletedSnapshots.isEmpty)
        #expect(result.retainedSnapshots == [snapshot])
        let snap = try await f.cloud.describeSnapshots(DescribeSnapshotsRequest(region: .usEast1, snapshotIds: [snapshot]))
        #expect(snap.first?.imageIds == [second])
    }

    @Test func deletingASnapshotInUseIsRefused() async throws {
        let f = try await Fixture()
        let id = try await f.build("in-use")
        let snapshot = try #require(try await f.image(id).snapshotIds.first)
        let error = await #expect(throws: IngotError.self) { try await f.cloud.deleteSnapshot(region: .usEast1, snapshotId: snapshot) }
        #expect(error?.code == "InvalidSnapshot.InUse")
        #expect(error?.message.contains(id.rawValue) == true)
        _ = try await f.cloud.deregisterImage(region: .usEast1, imageId: id, deleteAssociatedSnapshots: false)
        try await f.cloud.deleteSnapshot(region: .usEast1, snapshotId: snapshot)
        let gone = await #expect(throws: IngotError.self) { try await f.cloud.deleteSnapshot(region: .usEast1, snapshotId: snapshot) }
        #expect(gone?.code == "InvalidSnapshot.NotFound")
    }

    @Test func protectionBlocksDeregistrationAndTheCooldownLasts24Hours() async throws {
        let f = try await Fixture()
        let id = try await f.build("protected")
        try await f.cloud.enableImageDeregistrationProtection(region: .usEast1, imageId: id, withCooldown: true)
        let blocked = await #expect(throws: IngotError.self) { try await f.cloud.deregisterImage(region: .usEast1, imageId: id, deleteAssociatedSnapshots: false) }
        #expect(blocked?.code == "InvalidImage.DeregistrationProtected")
        try await f.cloud.disableImageDeregistrationProtection(region: .usEast1, imageId: id)
        #expect(try await f.image(id).deregistrationProtection == .disabledUntil(Fixture.now.addingTimeInterval(86_400)))
        await #expect(throws: IngotError.self) {
            try await f.at(Fixture.now.addingTimeInterval(3600)).deregisterImage(region: .usEast1, imageId: id, deleteAssociatedSnapshots: false)
        }
        _ = try await f.at(Fixture.now.addingTimeInterval(86_400)).deregisterImage(region: .usEast1, imageId: id, deleteAssociatedSnapshots: false)
    }

    @Test func createImageFromAnInstanceSnapshotsEachVolume() async throws {
        let f = try await Fixture()
        let base = try await f.build("base-image", size: 12)
        let instance = try #require(try await f.cloud.runInstances(RunInstancesRequest(region: .usEast1, imageId: base, rootVolumeSize: 20)).first)
        #expect(instance.volumes.first?.volumeSize == 20)
        let id = try await f.cloud.createImage(CreateImageRequest(region: .usEast1, instanceId: instance.id, name: try ImageName("from-instance"), noReboot: true))
        let image = try await f.image(id)
        #expect(image.sourceInstanceId == instance.id)
        #expect(image.noReboot == true)
        #expect(image.blockDeviceMappings.first?.volumeSize == 20)
        #expect(image.snapshotIds.count == 1)
        let duplicate = await #expect(throws: IngotError.self) {
            try await f.cloud.createImage(CreateImageRequest(region: .usEast1, instanceId: instance.id, name: try ImageName("from-instance")))
        }
        #expect(duplicate?.code == "InvalidAMIName.Duplicate")
    }
}
