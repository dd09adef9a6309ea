#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Carries out a DR plan step by step, planning again after each: idempotent (a second run finds
/// nothing to do) and resumable (after a failure, or once a pending copy lands, run it again).
public enum DRApplier {
    public struct Outcome: Sendable {
        /// What this run did, in order.
        public var done: [DRStep]
        /// The plan after the last step: steps left are waiting (e.g. for a copy), blockers remain.
        public var remaining: DRPlan
    }

    /// A step the cloud refused: what was done before it, and why.
    public struct StepFailed: Error, CustomStringConvertible {
        public var step: DRStep
        public var done: [DRStep]
        public var underlying: any Error
        public var description: String {
            "\(step.name) \(step.resource) in \(step.region) failed: \(underlying)" + (done.isEmpty ? "; nothing was done before it" : "; done before it: "
                + done.map { "\($0.name) \($0.resource)" }.joined(separator: ", ")) + ". Fix the cause and run `ingot dr apply` again: it resumes from there."
        }
    }

    public static func apply<C: LaunchTemplateCloud & AutoScalingCloud & ParameterCloud & KeyCloud>(_ request: DRRequest, cloud: C, now: @Sendable () -> Date) async throws -> Outcome {
        var done: [DRStep] = []
        var plan = try await DRPlanner.plan(request, cloud: cloud, now: now())
        // Each step changes what the next plan contains; a bound guards against a step that never takes.
        for _ in 0..<(plan.steps.count * 2 + 8) {
            guard let step = plan.steps.first(where: { $0.waitsFor == nil }) else { return Outcome(done: done, remaining: plan) }
            if let last = done.last, last == step {
                throw StepFailed(step: step, done: done, underlying: IngotError.failed("the step took no effect"))
            }
            do {
                try await execute(step, request: request, cloud: cloud)
            } catch {
                throw StepFailed(step: step, done: done, underlying: error)
            }
            done.append(step)
            plan = try await DRPlanner.plan(request, cloud: cloud, now: now())
        }
        return Outcome(done: done, remaining: plan)
    }

    static func execute<C: LaunchTemplateCloud & AutoScalingCloud & ParameterCloud & KeyCloud>(_ step: DRStep, request: DRRequest, cloud: C) async throws {
        let dr = request.drAccount.map { cloud.acting(as: $0) } ?? cloud
        switch step.action {
        case .copyImage(let source, let encrypted, let kmsKeyId, let name):
            _ = try await cloud.copyImage(CopyImageRequest(sourceRegion: request.sourceRegion, sourceImageId: source, region: request.region,
                                                           name: try name.map { try ImageName($0) }, copyImageTags: true, encrypted: encrypted, kmsKeyId: kmsKeyId))
        case .grantKey(let key, let account):
            try await cloud.grantKeyUse(region: request.region, key: key, account: account)
        case .shareImage(let image, let account):
            try await cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: request.region, imageId: image, add: [.account(account)]))
        case .createTemplate(let name, let data):
            _ = try await dr.createLaunchTemplate(CreateLaunchTemplateRequest(region: request.region, name: name, data: data,
                                                                              versionDescription: "DR copy from \(request.sourceRegion)"))
        case .createTemplateVersion(let name, let imageId, let after):
            _ = try await dr.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(
                region: request.region, name: name, sourceVersion: .default, data: LaunchTemplateData(imageId: imageId),
                versionDescription: "DR: \(imageId)", clientToken: "ingot-dr-\(imageId)-\(after)"))
        case .setDefault(let name, let version):
            _ = try await dr.modifyLaunchTemplate(region: request.region, name: name, defaultVersion: version)
        case .createGroup(let name, let settings):
            _ = try await dr.createAutoScalingGroup(region: request.region, name: name, settings: settings)
        case .scaleGroup(let name, let desired):
            let group = try await dr.describeAutoScalingGroups(region: request.region, names: [name]).first
            var settings = GroupSettings(desiredCapacity: desired)
            if let group, group.maxSize < desired { settings.maxSize = desired }
            _ = try await dr.updateAutoScalingGroup(region: request.region, name: name, settings: settings)
        }
    }
}
