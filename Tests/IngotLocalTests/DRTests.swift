import Foundation
import Testing
import IngotCore
@testable import IngotLocal

typealias Tag = IngotCore.Tag

/// `DRPlanner` and `DRApplier` on the local cloud: each check with its positive and negative case.
@Suite struct DRTests {
    /// A group web-asg of `desired` in us-east-1 on a golden build, its template web-lt.
    static func workload(_ f: Fixture, desired: Int = 4, encrypted: Bool = false, size: Int = 20) async throws -> ImageID {
        let image = try await f.build("golden-web-1.2.0-1", tags: [Tag(key: "golden", value: "true")], size: size, encrypted: encrypted, version: "1.2.0/1")
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(imageId: image.rawValue, instanceType: "c7i.large")))
        _ = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(
            launchTemplateName: "web-lt", launchTemplateVersion: .number(1), minSize: 0, maxSize: 10, desiredCapacity: desired, healthCheckGracePeriod: 300))
        return image
    }

    static func request(_ mode: DRMode = .pilotLight, standby: StandbyCapacity? = nil, dr: AccountID? = nil, kms: String? = nil) -> DRRequest {
        DRRequest(sourceRegion: .usEast1, region: .euWest1, mode: mode, standbyCapacity: standby, drAccount: dr, kmsKeyId: kms, workloads: [.group("web-asg")])
    }

    static func copy(_ f: Fixture, _ id: ImageID, from: Region = .usEast1, to: Region = .euWest1, tags: Bool = true) async throws -> ImageID {
        try await copy(f.cloud, id, from: from, to: to, tags: tags)
    }

    static func copy(_ c: LocalCloud, _ id: ImageID, from: Region = .usEast1, to: Region = .euWest1, tags: Bool = true) async throws -> ImageID {
        try await c.copyImage(CopyImageRequest(sourceRegion: from, sourceImageId: id, region: to, copyImageTags: tags))
    }

    static let later = Fixture.now.addingTimeInterval(86_400)

    @Test func aMissingCopyIsABlockerWithACopyStepAndItsDuration() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f, size: 20)
        let plan = try await DRPlanner.plan(Self.request(), cloud: f.cloud, now: Fixture.now)
        #expect(plan.workloads[0].imageStatus == .missing)
        #expect(plan.blockers.count == 1 && plan.blockers[0].reason.contains("no copy in eu-west-1"))
        let copy = try #require(plan.steps.first)
        #expect(copy.name == "copy-image" && copy.resource == image.rawValue)
        #expect(copy.estimatedSeconds == 300 + 45 * 20)
        #expect(plan.steps.map(\.name) == ["copy-image", "create-template", "create-group"])
        #expect(plan.rtoBreakdown.copy == 1200)
    }

    @Test func anAvailableCopyFoundThroughACopyOfACopyIsNoBlocker() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f)
        let hop = try await Self.copy(f, image, to: .apSoutheast2)
        let viaHop = try await Self.copy(f.at(Self.later), hop, from: .apSoutheast2, to: .euWest1)
        let plan = try await DRPlanner.plan(Self.request(), cloud: f.at(Self.later.addingTimeInterval(86_400)), now: Self.later.addingTimeInterval(86_400))
        #expect(plan.blockers.isEmpty)
        #expect(plan.workloads[0].drImage?.id == viaHop && plan.workloads[0].imageStatus == .available)
        #expect(plan.steps.map(\.name) == ["create-template", "create-group"])
    }

    @Test func aPendingCopyIsAWarningUntilTheClockPassesItsTime() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f, size: 10)
        let copy = try await Self.copy(f, image)
        let pending = try await DRPlanner.plan(Self.request(), cloud: f.cloud, now: Fixture.now)
        #expect(pending.blockers.isEmpty && pending.workloads[0].imageStatus == .pending)
        #expect(pending.warnings.contains { $0.reason.contains("still pending") })
        #expect(pending.rtoBreakdown.copy == 300 + 45 * 10)
        let done = Fixture.now.addingTimeInterval(3600)
        let landed = try await DRPlanner.plan(Self.request(), cloud: f.at(done), now: done)
        #expect(landed.workloads[0].imageStatus == .available && landed.workloads[0].drImage?.id == copy)
        #expect(landed.rtoBreakdown.copy == 0)
    }

    @Test func anOlderBuildInTheDRRegionIsStaleNotABlocker() async throws {
        let f = try await Fixture()
        let old = try await f.build("golden-web-1.1.0-1", version: "1.1.0/1")
        _ = try await Self.copy(f, old)
        let image = try await Self.workload(f)
        let plan = try await DRPlanner.plan(Self.request(), cloud: f.at(Self.later), now: Self.later)
        #expect(plan.workloads[0].imageStatus == .stale)
        #expect(plan.blockers.isEmpty)
        #expect(plan.warnings.contains { $0.reason.hasPrefix("stale") })
        #expect(plan.steps.first?.name == "copy-image" && plan.steps.first?.resource == image.rawValue)
    }

    @Test func aDisabledCopyIsABlocker() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f)
        let copy = try await Self.copy(f, image)
        try await f.at(Self.later).disableImage(region: .euWest1, imageId: copy)
        let plan = try await DRPlanner.plan(Self.request(), cloud: f.at(Self.later), now: Self.later)
        #expect(plan.blockers.contains { $0.reason.contains("disabled") })
    }

    @Test func encryptedImagesNeedAKeyTheDRSideCanUse() async throws {
        // A customer-managed key of the source region: keys are regional, so the copy needs one of the DR region.
        let f = try await Fixture()
        let image = try await f.cloud.buildImage(region: .usEast1, name: try ImageName("golden-web-1.2.0-1"), imageVersion: try ImageVersion("1.2.0/1"),
                                                 volumeSize: 20, encrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc")
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(imageId: image.rawValue)))
        _ = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(
            launchTemplateName: "web-lt", launchTemplateVersion: .number(1), minSize: 0, maxSize: 4, desiredCapacity: 2, healthCheckGracePeriod: 60))
        let without = try await DRPlanner.plan(Self.request(), cloud: f.cloud, now: Fixture.now)
        #expect(without.blockers.contains { $0.reason.contains("--kms-key-id for eu-west-1") })
        #expect(!without.steps.contains { $0.name == "copy-image" })
        _ = try await f.cloud.createKey(region: .euWest1, description: "dr", alias: "alias/dr")
        let with = try await DRPlanner.plan(Self.request(kms: "alias/dr"), cloud: f.cloud, now: Fixture.now)
        #expect(with.blockers.allSatisfy { !$0.reason.contains("kms") })
        guard case .copyImage(_, let encrypted, let key, _)? = with.steps.first?.action else { Issue.record("no copy step"); return }
        #expect(encrypted && key == "alias/dr")

        // AWS's own key (EBS encryption by default): the copy is made under the DR region's AWS-managed key...
        let g = try await Fixture()
        _ = try await Self.workload(g, encrypted: true)
        let same = try await DRPlanner.plan(Self.request(), cloud: g.cloud, now: Fixture.now)
        #expect(same.steps.first?.name == "copy-image" && same.warnings.contains { $0.reason.contains("alias/aws/ebs") })
        // ... which another account cannot use: a blocker for a DR account.
        let other = try await DRPlanner.plan(Self.request(dr: Fixture.other), cloud: g.cloud, now: Fixture.now)
        #expect(other.blockers.contains { $0.reason.contains("cannot be shared") })
    }

    @Test func aDisabledCopyIsReplacedByACopyUnderAnotherName() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f)
        let copy = try await Self.copy(f, image)
        try await f.at(Self.later).disableImage(region: .euWest1, imageId: copy)
        let applied = try await DRApplier.apply(Self.request(), cloud: f.at(Self.later), now: { Self.later })
        #expect(applied.done.first?.name == "copy-image" && applied.done.first?.detail.contains("-dr-") == true)
        #expect(applied.remaining.blockers.isEmpty)
    }

    @Test func aDRAccountNeedsLaunchPermissionOnTheCopy() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f)
        let copy = try await Self.copy(f, image)
        let plan = try await DRPlanner.plan(Self.request(dr: Fixture.other), cloud: f.at(Self.later), now: Self.later)
        #expect(plan.steps.first?.name == "share-image" && plan.steps.first?.resource == copy.rawValue)
        try await f.at(Self.later).modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .euWest1, imageId: copy, add: [.account(Fixture.other)]))
        let shared = try await DRPlanner.plan(Self.request(dr: Fixture.other), cloud: f.at(Self.later), now: Self.later)
        #expect(!shared.steps.contains { $0.name == "share-image" })
        let sameAccount = try await DRPlanner.plan(Self.request(), cloud: f.at(Self.later), now: Self.later)
        #expect(!sameAccount.steps.contains { $0.name == "share-image" })
    }

    @Test func aCopyWithoutTheSourcesTagsIsAWarning() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f)
        _ = try await Self.copy(f, image, tags: false)
        let plan = try await DRPlanner.plan(Self.request(), cloud: f.at(Self.later), now: Self.later)
        #expect(plan.warnings.contains { $0.reason.contains("lacks tags golden=true") })
        let f2 = try await Fixture()
        let image2 = try await Self.workload(f2)
        _ = try await Self.copy(f2, image2, tags: true)
        let tagged = try await DRPlanner.plan(Self.request(), cloud: f2.at(Self.later), now: Self.later)
        #expect(!tagged.warnings.contains { $0.reason.contains("lacks tags") })
    }

    @Test func theDRTemplateMustDefaultToTheCopy() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f)
        let old = try await f.build("golden-web-1.0.0-1", region: .euWest1, version: "1.0.0/1")
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .euWest1, name: "web-lt", data: LaunchTemplateData(imageId: old.rawValue)))
        let copy = try await Self.copy(f, image)
        let plan = try await DRPlanner.plan(Self.request(), cloud: f.at(Self.later), now: Self.later)
        #expect(plan.steps.map(\.name).prefix(2) == ["create-template-version", "set-default"])
        guard case .createTemplateVersion(_, let target, _)? = plan.steps.first?.action else { Issue.record("no version step"); return }
        #expect(target == copy.rawValue)
    }

    @Test func groupCapacityFollowsTheMode() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f, desired: 8)
        _ = try await Self.copy(f, image)
        let c = f.at(Self.later)
        let pilot = try await DRPlanner.plan(Self.request(.pilotLight), cloud: c, now: Self.later)
        #expect(pilot.workloads[0].standbyCapacity == 0 && !pilot.steps.contains { $0.name == "scale-group" })
        let warm = try await DRPlanner.plan(Self.request(.warmStandby, standby: .percent(25)), cloud: c, now: Self.later)
        #expect(warm.workloads[0].standbyCapacity == 2 && warm.steps.contains { $0.name == "scale-group" })
        let active = try await DRPlanner.plan(Self.request(.activeActive), cloud: c, now: Self.later)
        #expect(active.workloads[0].standbyCapacity == 8)
        let backup = try await DRPlanner.plan(Self.request(.backupRestore), cloud: c, now: Self.later)
        #expect(!backup.steps.contains { $0.name == "create-group" } && backup.rtoBreakdown.setup == 60)
    }

    @Test func rtoFallsAsStandbyCapacityGrows() async throws {
        let f = try await Fixture()
        let image = try await Self.workload(f, desired: 10)
        _ = try await Self.copy(f, image)
        let c = f.at(Self.later)
        var last = Int.max
        for share in [0, 10, 50, 90, 100] {
            var r = Self.request(.warmStandby, standby: .percent(share))
            r.launchBurst = 1
            r.launchRate = 0.5
            let rto = try await DRPlanner.plan(r, cloud: c, now: Self.later).rtoSeconds
            #expect(rto <= last, "standby \(share)%")
            last = rto
        }
        #expect(last == 0)
    }

    @Test func applyIsIdempotentAndResumesAfterAPendingCopy() async throws {
        let f = try await Fixture()
        _ = try await Self.workload(f, desired: 4)
        let request = Self.request(.warmStandby, standby: .instances(2))
        let first = try await DRApplier.apply(request, cloud: f.cloud, now: { Fixture.now })
        #expect(first.done.map(\.name) == ["copy-image", "create-template", "create-group"])
        // The scale-up waits for the copy to land.
        #expect(first.remaining.steps.map(\.name) == ["scale-group"] && first.remaining.steps[0].waitsFor != nil)
        let again = try await DRApplier.apply(request, cloud: f.cloud, now: { Fixture.now })
        #expect(again.done.isEmpty)
        let landed = try await DRApplier.apply(request, cloud: f.at(Self.later), now: { Self.later })
        #expect(landed.done.map(\.name) == ["scale-group"] && landed.remaining.steps.isEmpty && landed.remaining.blockers.isEmpty)
        let group = try #require(try await f.cloud.describeAutoScalingGroups(region: .euWest1, names: ["web-asg"]).first)
        #expect(group.desiredCapacity == 2 && group.instances.count == 2)
        #expect(try await DRApplier.apply(request, cloud: f.at(Self.later), now: { Self.later }).done.isEmpty)
    }

    @Test func applyStopsAtTheFirstFailingStepSayingWhatWasDone() async throws {
        let f = try await Fixture()
        let web = try await Self.workload(f)
        _ = try await Self.copy(f, web)
        // api-asg launches from a build still copying into us-east-1: CopyImage refuses a pending source.
        let api = try await f.build("golden-api-2.0.0-1", region: .apSoutheast2, version: "2.0.0/1")
        let landing = try await Self.copy(f, api, from: .apSoutheast2, to: .usEast1)
        _ = try await f.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "api-lt", data: LaunchTemplateData(imageId: landing.rawValue)))
        _ = try await f.cloud.createAutoScalingGroup(region: .usEast1, name: "api-asg", settings: GroupSettings(
            launchTemplateName: "api-lt", launchTemplateVersion: .number(1), minSize: 0, maxSize: 4, desiredCapacity: 0, healthCheckGracePeriod: 60))
        var request = Self.request()
        request.workloads = [.group("web-asg"), .group("api-asg")]
        // A minute later: web's copy to eu-west-1 is pending (templates and groups can use it), api's build is still landing in us-east-1.
        let soon = Fixture.now.addingTimeInterval(60)
        let c = f.at(soon)
        do {
            _ = try await DRApplier.apply(request, cloud: c, now: { soon })
            Issue.record("apply should have failed")
        } catch let failure as DRApplier.StepFailed {
            #expect(failure.step.name == "copy-image" && failure.step.resource == landing.rawValue)
            #expect(failure.done.map(\.name) == ["create-template", "create-group"])
            #expect(failure.description.contains("IncorrectState") && failure.description.contains("run `ingot dr apply` again"))
        }
        // What was done stays done: a second run does not redo it, and fails at the same step.
        await #expect(throws: DRApplier.StepFailed.self) { _ = try await DRApplier.apply(request, cloud: c, now: { soon }) }
        #expect(try await c.describeAutoScalingGroups(region: .euWest1, names: []).map(\.name) == ["web-asg"])
        // Once the build has landed in us-east-1, the same command finishes the job.
        let done = try await DRApplier.apply(request, cloud: f.at(Self.later), now: { Self.later })
        #expect(done.done.map(\.name).first == "copy-image")
    }
}
