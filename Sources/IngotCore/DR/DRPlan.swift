#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AWS's DR strategies, cheapest first.
public enum DRMode: String, Sendable, Hashable, Codable, CaseIterable {
    case backupRestore = "backup-restore", pilotLight = "pilot-light", warmStandby = "warm-standby", activeActive = "active-active"

    public init(parsing text: String) throws {
        guard let m = DRMode(rawValue: text.lowercased()) else {
            throw IngotError.invalid("mode", "'\(text)' is not one of \(DRMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = m
    }
}

/// `--standby-capacity`: a number of instances or a share of the source's desired capacity.
public enum StandbyCapacity: Sendable, Hashable {
    case instances(Int), percent(Int)

    public init(parsing text: String) throws {
        if text.hasSuffix("%"), let p = Int(text.dropLast()) {
            guard (0...100).contains(p) else { throw IngotError.invalid("standby-capacity", "\(text) is outside 0% to 100% of the source group's desired capacity") }
            self = .percent(p)
            return
        }
        if let n = Int(text) {
            guard n >= 0 else { throw IngotError.invalid("standby-capacity", "\(n) instances is negative; give 0 or more, or a percentage like 25%") }
            self = .instances(n)
            return
        }
        throw IngotError.invalid("standby-capacity", "'\(text)' is not a number of instances or a percentage like 25%")
    }

    public func of(_ desired: Int) -> Int {
        switch self {
        case .instances(let n): min(n, desired)
        case .percent(let p): (desired * p + 99) / 100
        }
    }
}

/// What a DR plan covers: an Auto Scaling group (its template and capacity) or a launch template alone.
public enum DRWorkload: Sendable, Hashable {
    case group(String), template(String)
    public var name: String { switch self { case .group(let n), .template(let n): n } }
    public var kind: String { switch self { case .group: "group"; case .template: "template" } }
    /// Whether it is an Auto Scaling group (it has capacity to launch and drill).
    public var isGroup: Bool { if case .group = self { return true } else { return false } }
}

public struct DRRequest: Sendable, Hashable {
    public var sourceRegion: Region
    public var region: Region
    public var mode: DRMode
    public var standbyCapacity: StandbyCapacity?
    public var drAccount: AccountID?
    public var kmsKeyId: String?
    public var workloads: [DRWorkload]
    /// Boot time of the copied (baked) AMI used for the RTO, seconds (p95 of the rollout engine's baked profile).
    public var bootSeconds: Double
    /// RunInstances token bucket: burst and refill per second.
    public var launchBurst: Double
    public var launchRate: Double

    public init(sourceRegion: Region, region: Region, mode: DRMode = .pilotLight, standbyCapacity: StandbyCapacity? = nil, drAccount: AccountID? = nil,
                kmsKeyId: String? = nil, workloads: [DRWorkload], bootSeconds: Double = 68, launchBurst: Double = 1000, launchRate: Double = 2) {
        self.sourceRegion = sourceRegion
        self.region = region
        self.mode = mode
        self.standbyCapacity = standbyCapacity
        self.drAccount = drAccount
        self.kmsKeyId = kmsKeyId
        self.workloads = workloads
        self.bootSeconds = bootSeconds
        self.launchBurst = launchBurst
        self.launchRate = launchRate
    }

    public func validate() throws {
        guard sourceRegion != region else { throw IngotError.invalid("region", "the DR region must differ from --source-region \(sourceRegion)") }
        guard !workloads.isEmpty else { throw IngotError.invalid("group", "give --group NAME, --template NAME or -f ingot.yaml with a dr section") }
        if standbyCapacity != nil && mode != .warmStandby {
            throw IngotError.invalid("standby-capacity", "only applies to --mode warm-standby (pilot light runs 0, active-active runs the full capacity)")
        }
    }

    /// Instances the DR group keeps running in this mode, for a source group of `desired`.
    public func standby(for desired: Int) -> Int {
        switch mode {
        case .backupRestore, .pilotLight: 0
        case .warmStandby: (standbyCapacity ?? .percent(25)).of(desired)
        case .activeActive: desired
        }
    }
}

/// One step of a plan, in order.
public struct DRStep: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// CopyImage of the source image into the DR region (tags copied); a name when the source's is taken there.
        case copyImage(source: ImageID, encrypted: Bool, kmsKeyId: String?, name: String?)
        case shareImage(image: ImageID, account: AccountID)
        /// Lets the DR account use the customer managed key that encrypts the DR image (CreateGrant).
        case grantKey(key: String, account: AccountID)
        /// A new template in the DR region from the source version's data, on the DR image.
        case createTemplate(name: String, data: LaunchTemplateData)
        /// A new version on the DR image, inheriting the default version; `after`: the template's latest
        /// version when planned (with the image, it makes the ClientToken).
        case createTemplateVersion(name: String, imageId: String, after: Int)
        case setDefault(name: String, version: Int)
        case createGroup(name: String, settings: GroupSettings)
        case scaleGroup(name: String, desired: Int)
    }

    public var action: Action
    public var region: Region
    public var workload: String
    /// What the step works on (an image, template or group), as a person reads it.
    public var resource: String
    public var estimatedSeconds: Int
    public var detail: String
    /// The step cannot run yet (a copy it needs is still pending, or comes from an earlier step).
    public var waitsFor: String?

    public var name: String {
        switch action {
        case .copyImage: "copy-image"
        case .shareImage: "share-image"
        case .grantKey: "grant-key"
        case .createTemplate: "create-template"
        case .createTemplateVersion: "create-template-version"
        case .setDefault: "set-default"
        case .createGroup: "create-group"
        case .scaleGroup: "scale-group"
        }
    }
}

public struct DRFinding: Sendable, Hashable, Codable {
    public var resource: String
    public var reason: String
    public init(resource: String, reason: String) {
        self.resource = resource
        self.reason = reason
    }
}

/// One workload's state in the DR region.
public struct DRWorkloadStatus: Sendable, Hashable {
    public var workload: DRWorkload
    public var sourceImage: Image?
    /// The DR region's copy of the source build (by lineage, else the same version of the family).
    public var drImage: Image?
    public var imageStatus: DRImageStatus
    /// Source capacity and what the mode keeps running in the DR region.
    public var fullCapacity: Int
    public var standbyCapacity: Int
    public var runningCapacity: Int
    public var healthCheckGracePeriod: Int
    public var warmup: Int
}

public struct DRPlan: Sendable, Hashable {
    public var request: DRRequest
    public var workloads: [DRWorkloadStatus]
    public var steps: [DRStep]
    public var blockers: [DRFinding]
    public var warnings: [DRFinding]
    public var rtoSeconds: Int
    public var rtoBreakdown: RTOBreakdown
}

/// Where the DR region's copy of a workload's build stands.
public enum DRImageStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Launchable now.
    case available
    /// Launchable (deprecation only hides it from listings).
    case deprecated
    /// A copy is on its way.
    case pending
    /// No copy of the build.
    case missing
    /// A copy of an older build only.
    case stale
    /// The copy is disabled: it cannot launch.
    case disabled

    /// Whether instances can launch from it now.
    public var isLaunchable: Bool { self == .available || self == .deprecated }
}

/// The parts of an RTO estimate, in seconds.
public struct RTOBreakdown: Sendable, Hashable, Codable {
    /// Copying images still missing or pending.
    public var copy: Int
    /// The DR account's setup at failover (a group made then, a template shared).
    public var setup: Int
    /// Launching the capacity still to run under the RunInstances rate limit.
    public var launch: Int
    /// Boot, health-check grace period and warm-up.
    public var bootAndWarmup: Int

    public init(copy: Int, setup: Int, launch: Int, bootAndWarmup: Int) {
        self.copy = copy
        self.setup = setup
        self.launch = launch
        self.bootAndWarmup = bootAndWarmup
    }

    public var total: Int { copy + setup + launch + bootAndWarmup }
    /// Before the first launch can start: copying and setup.
    public var beforeLaunch: Int { copy + setup }
}

/// Plans a standby in another region from copied AMIs: what exists, what is missing, the steps and the
/// RTO. ``read(_:cloud:)`` fetches a ``DRSnapshot``; ``decide(_:_:now:)`` is the pure decision.
public enum DRPlanner {
    public static func plan<C: LaunchTemplateCloud & AutoScalingCloud & ParameterCloud & KeyCloud>(_ request: DRRequest, cloud: C, now: Date) async throws -> DRPlan {
        try request.validate()
        return decide(request, try await read(request, cloud: cloud), now: now)
    }

    /// The plan for `request` from what was read.
    public static func decide(_ request: DRRequest, _ snapshot: DRSnapshot, now: Date) -> DRPlan {
        var plan = PlanBuilder(request: request, snapshot: snapshot, now: now)
        for source in snapshot.sources { plan.add(source) }
        return plan.finish()
    }

    /// Seconds until the last of `count` launches gets a RunInstances token (a full bucket to start).
    public static func launchSeconds(_ count: Int, _ r: DRRequest) -> Int {
        Int((max(0, Double(count) - r.launchBurst) / r.launchRate).rounded(.up))
    }
}

/// The decision, one workload at a time: its DR image, encryption and sharing, template and group.
private struct PlanBuilder {
    let request: DRRequest
    let snapshot: DRSnapshot
    let now: Date
    var statuses: [DRWorkloadStatus] = []
    var steps: [DRStep] = [], blockers: [DRFinding] = [], warnings: [DRFinding] = []
    var copySeconds = 0, setupSeconds = 0

    init(request: DRRequest, snapshot: DRSnapshot, now: Date) {
        self.request = request
        self.snapshot = snapshot
        self.now = now
    }

    var crossAccount: Bool { request.drAccount.map { $0 != snapshot.caller } ?? false }

    mutating func add(_ source: DRSnapshot.Source) {
        let workload = source.workload, group = source.group
        let full = group?.desiredCapacity ?? 0
        let standby = group == nil ? 0 : request.standby(for: full)
        var status = DRWorkloadStatus(workload: workload, sourceImage: source.image, drImage: nil, imageStatus: .missing, fullCapacity: full,
                                      standbyCapacity: standby, runningCapacity: 0, healthCheckGracePeriod: group?.healthCheckGracePeriod ?? 0,
                                      warmup: group?.defaultInstanceWarmup ?? group?.healthCheckGracePeriod ?? 0)
        guard let sourceImage = source.image else {
            blockers.append(DRFinding(resource: "\(workload.kind) \(workload.name)", reason: "its image \(source.imageId) is not visible in \(request.sourceRegion): nothing to copy"))
            statuses.append(status)
            return
        }
        let copy = chooseCopy(of: sourceImage, for: workload, status: &status)
        encryptionAndSharing(of: sourceImage, for: workload, needsCopy: copy.needed, waitsFor: copy.waitsFor, status: status)
        let target = copy.needed ? nil : status.drImage?.id.rawValue
        let templateWaits = template(source, target: target, waitsFor: copy.waitsFor)
        if let group {
            self.group(group, source: source, standby: standby, status: &status, templateWaits: templateWaits, waitsFor: copy.waitsFor)
        }
        statuses.append(status)
    }

    /// The DR copy: same lineage root, else the same version of the same family; the best state first.
    /// Decides the image status, and whether a copy is still needed.
    private mutating func chooseCopy(of sourceImage: Image, for workload: DRWorkload, status: inout DRWorkloadStatus) -> (needed: Bool, waitsFor: String?) {
        let family = Doctor.family(of: sourceImage.name)
        let drImages = (snapshot.drImages[family] ?? []).filter { $0.state != .deregistered }
        let root = snapshot.root(of: sourceImage)
        var matches = drImages.filter { snapshot.root(of: $0) == root }
        if matches.isEmpty, let v = sourceImage.imageVersion {
            matches = drImages.filter { $0.imageVersion == v && Doctor.family(of: $0.name) == family }
        }
        let now = self.now
        func rank(_ i: Image) -> Int {
            switch i.state {
            case .available: i.isDeprecated(at: now) ? 1 : 0
            case .pending: 2
            case .disabled: 3
            default: 4
            }
        }
        let dr = matches.sorted { rank($0) != rank($1) ? rank($0) < rank($1) : $0.creationDate > $1.creationDate }.first
        if let dr, rank(dr) <= 2 {
            status.drImage = dr
            var waitsFor: String?
            switch dr.state {
            case .pending:
                // AWS does not say when a copy lands: estimate it from when it started and its GiB.
                let lands = dr.availableAt ?? dr.creationDate.addingTimeInterval(ImageRules.copyDuration(totalGiB: sourceImage.totalSnapshotGiB, crossRegion: true))
                let left = max(0, Int(lands.timeIntervalSince(now).rounded(.up)))
                status.imageStatus = .pending
                copySeconds = max(copySeconds, left)
                let when = (dr.availableAt == nil ? "about " : "") + Timestamp.format(lands)
                waitsFor = "copy \(dr.id) (available at \(when))"
                warnings.append(DRFinding(resource: "image \(dr.id)", reason: "the copy of \(sourceImage.id) is still pending: available at \(when) (in \(left) s)"))
            default:
                status.imageStatus = rank(dr) == 1 ? .deprecated : .available
                if rank(dr) == 1 {
                    warnings.append(DRFinding(resource: "image \(dr.id)", reason: "the DR copy is deprecated since \(Timestamp.format(dr.deprecationTime ?? now)): still launchable by id, hidden from other accounts' searches"))
                }
            }
            let missingTags = sourceImage.tags.filter { tag in !dr.tags.contains(tag) && !tag.key.hasPrefix("aws:") }
            if !missingTags.isEmpty {
                warnings.append(DRFinding(resource: "image \(dr.id)", reason: "the copy lacks tags \(missingTags.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) (copies drop tags unless CopyImageTags): selectors on them will not find it"))
            }
            return (false, waitsFor)
        }
        // An older build of the family (by version, else by date): launchable, but stale.
        func isOlder(_ i: Image) -> Bool {
            if let a = i.imageVersion, let b = sourceImage.imageVersion { return a < b }
            return i.creationDate < sourceImage.creationDate
        }
        let older = drImages.filter { $0.state == .available && Doctor.family(of: $0.name) == family && isOlder($0) }
            .max { a, b in a.imageVersion.flatMap { va in b.imageVersion.map { va < $0 } } ?? (a.creationDate < b.creationDate) }
        if let dr, dr.state == .disabled {
            blockers.append(DRFinding(resource: "image \(dr.id)", reason: "the DR copy of \(sourceImage.id) is disabled: it cannot launch"))
            status.imageStatus = .disabled
        } else if let older {
            status.imageStatus = .stale
            status.drImage = older
            warnings.append(DRFinding(resource: "image \(older.id)", reason: "stale: \(request.region) has \(older.name), an older build than \(sourceImage.name) that \(workload.kind) \(workload.name) runs"))
        } else {
            status.imageStatus = .missing
            blockers.append(DRFinding(resource: Self.resource(sourceImage), reason: "no copy in \(request.region): nothing launchable there for \(workload.kind) \(workload.name), which cannot fail over at all if \(request.sourceRegion) is lost before the copy exists"))
        }
        return (true, "the copy of \(sourceImage.id)")
    }

    private static func resource(_ image: Image) -> String { "image \(image.id) (\(image.name))" }

    /// Encryption (KMS keys are regional, a copy under a key it cannot use fails, and an image encrypted
    /// with an AWS managed key cannot be shared with another account), the copy step, key grants and
    /// launch permissions.
    private mutating func encryptionAndSharing(of sourceImage: Image, for workload: DRWorkload, needsCopy: Bool, waitsFor: String?, status: DRWorkloadStatus) {
        let resource = Self.resource(sourceImage)
        let caller = snapshot.caller
        let sourceKeyId = sourceImage.blockDeviceMappings.first(where: { $0.encrypted == true })?.kmsKeyId
        let sourceKey = sourceImage.isEncrypted ? snapshot.key(DRSnapshot.keyName(of: sourceImage), in: request.sourceRegion) : nil
        var keyToGrant: KMSKey?
        if needsCopy {
            var keyProblem: String?
            var requested: KMSKey?
            if let text = request.kmsKeyId {
                if let reference = KMSKeyReference(text) {
                    if case .denied(let message) = snapshot.keys[DRSnapshot.KeyName(region: request.region, key: text)] {
                        keyProblem = "\(text) is not a key \(caller) may use (\(message))"
                    } else {
                        requested = snapshot.key(text, in: request.region)
                        keyProblem = reference.problem(copyingInto: request.region, caller: caller, key: requested)
                    }
                } else {
                    keyProblem = "\(text) is not a KMS key id, alias, key ARN or alias ARN"
                }
            }
            if let keyProblem {
                // CopyImage: "The specified KMS key must exist in the destination Region"; otherwise the copy "can appear to complete, but eventually fails".
                blockers.append(DRFinding(resource: resource, reason: "--kms-key-id: \(keyProblem): the copy would fail; give a customer managed key of \(request.region)"))
            } else if crossAccount && (requested?.manager == .aws || (request.kmsKeyId == nil && sourceImage.isEncrypted)) {
                blockers.append(DRFinding(resource: resource, reason: "encrypted: a copy under the AWS-managed key \(ImageRules.defaultEBSKey) cannot be shared with \(request.drAccount?.rawValue ?? ""); give --kms-key-id of a customer-managed key in \(request.region) that account may use"))
            } else if sourceImage.isEncrypted && request.kmsKeyId == nil && sourceKey?.manager != .aws {
                blockers.append(DRFinding(resource: resource, reason: "encrypted with the customer-managed key \(sourceKeyId ?? "") of \(request.sourceRegion): KMS keys are regional, give --kms-key-id for \(request.region) (or --kms-key-id \(ImageRules.defaultEBSKey) to accept AWS's key)"))
            } else {
                if sourceImage.isEncrypted && request.kmsKeyId == nil {
                    warnings.append(DRFinding(resource: resource, reason: "the copy will be encrypted with \(request.region)'s AWS-managed key \(ImageRules.defaultEBSKey)"))
                }
                // CopyImage keeps the source's name, which must be free in the DR region (a disabled or failed copy may hold it).
                let taken = (snapshot.drImages[Doctor.family(of: sourceImage.name)] ?? []).contains { $0.name == sourceImage.name && $0.state != .deregistered }
                let name = taken ? String("\(sourceImage.name)-dr-\(Timestamp.format(now).filter(\.isNumber).prefix(12))".suffix(128)) : nil
                let copyEstimate = Int(ImageRules.copyDuration(totalGiB: sourceImage.totalSnapshotGiB, crossRegion: true))
                copySeconds = max(copySeconds, copyEstimate)
                steps.append(DRStep(action: .copyImage(source: sourceImage.id, encrypted: sourceImage.isEncrypted || request.kmsKeyId != nil, kmsKeyId: request.kmsKeyId, name: name),
                                    region: request.region, workload: workload.name, resource: sourceImage.id.rawValue, estimatedSeconds: copyEstimate,
                                    detail: "CopyImage \(sourceImage.id) (\(sourceImage.totalSnapshotGiB) GiB) from \(request.sourceRegion), with its tags" + (name.map { " as \($0)" } ?? "")))
                if crossAccount, requested?.manager == .customer { keyToGrant = requested }
            }
        } else if crossAccount, let dr = status.drImage, dr.isEncrypted {
            let drKey = snapshot.key(DRSnapshot.keyName(of: dr), in: request.region)
            if let refusal = ImageRules.sharingRefusal(dr, isAWSManaged: { _ in drKey?.manager == .aws }) {
                blockers.append(DRFinding(resource: "image \(dr.id)", reason: "encrypted with the AWS-managed key \(ImageRules.defaultEBSKey): it cannot be shared with \(request.drAccount?.rawValue ?? "") (\(refusal.code ?? "")); copy it again with --kms-key-id of a key that account may use"))
            } else if drKey?.manager == .customer {
                keyToGrant = drKey
            }
        }
        // "If you share an AMI that is backed by encrypted snapshots, you must allow the AWS accounts to use the KMS keys."
        if let key = keyToGrant, let account = request.drAccount, !key.usable(by: account) {
            steps.append(DRStep(action: .grantKey(key: key.arn, account: account), region: request.region, workload: workload.name,
                                resource: key.arn, estimatedSeconds: 1, detail: "CreateGrant: let \(account) use \(key.aliases.first ?? key.keyId) to launch the DR image"))
        }
        // Launch permissions: copies never inherit them.
        guard crossAccount, let account = request.drAccount else { return }
        if !needsCopy, let dr = status.drImage {
            if !dr.launchPermissions.userIds.contains(account) && !dr.launchPermissions.isPublic {
                steps.append(DRStep(action: .shareImage(image: dr.id, account: account), region: request.region, workload: workload.name,
                                    resource: dr.id.rawValue, estimatedSeconds: 1, detail: "ModifyImageAttribute: launch permission for \(account)"))
            }
        } else if needsCopy {
            steps.append(DRStep(action: .shareImage(image: sourceImage.id, account: account), region: request.region, workload: workload.name,
                                resource: "copy of \(sourceImage.id)", estimatedSeconds: 1, detail: "launch permission for \(account) on the new copy",
                                waitsFor: waitsFor))
        }
    }

    /// The DR launch template: its default version must launch the DR copy (`target`, nil while it is
    /// still to be copied). Returns whether the template waits for the copy.
    private mutating func template(_ source: DRSnapshot.Source, target: String?, waitsFor: String?) -> Bool {
        let name = source.templateName, workload = source.workload.name
        guard let template = snapshot.drTemplates[name] else {
            var data = source.version.data
            data.imageId = target ?? ""
            // Security groups, key pairs, KMS keys, subnets and the like belong to their region: not carried over.
            let dropped = data.removeRegionalReferences()
            if !dropped.isEmpty {
                warnings.append(DRFinding(resource: "launch template \(name)", reason: "\(dropped.joined(separator: ", ")) of \(request.sourceRegion) are regional and left out of the DR template: set \(request.region)'s own before failing over"))
            }
            steps.append(DRStep(action: .createTemplate(name: name, data: data), region: request.region, workload: workload, resource: name,
                                estimatedSeconds: 1, detail: "CreateLaunchTemplate from \(request.sourceRegion)'s version \(source.version.versionNumber) on \(target ?? "the copy")",
                                waitsFor: target == nil ? waitsFor : nil))
            return target == nil
        }
        let versions = snapshot.drTemplateVersions[name] ?? []
        let defaultImage = versions.first { $0.versionNumber == template.defaultVersionNumber }?.data.imageId
        guard target == nil || defaultImage != target else { return false }
        // A version that already launches the copy (after a rollback, say) becomes the default again.
        if let target, let existing = versions.filter({ $0.data.imageId == target }).max(by: { $0.versionNumber < $1.versionNumber }) {
            steps.append(DRStep(action: .setDefault(name: name, version: existing.versionNumber), region: request.region, workload: workload,
                                resource: name, estimatedSeconds: 1, detail: "ModifyLaunchTemplate: default version \(existing.versionNumber)"))
        } else {
            steps.append(DRStep(action: .createTemplateVersion(name: name, imageId: target ?? "", after: template.latestVersionNumber),
                                region: request.region, workload: workload,
                                resource: name, estimatedSeconds: 1, detail: "a version on \(target ?? "the copy") inheriting $Default", waitsFor: target == nil ? waitsFor : nil))
            steps.append(DRStep(action: .setDefault(name: name, version: template.latestVersionNumber + 1), region: request.region, workload: workload,
                                resource: name, estimatedSeconds: 1, detail: "make it the default", waitsFor: target == nil ? waitsFor : nil))
        }
        return target == nil
    }

    /// The DR group, with the capacity the mode keeps running.
    private mutating func group(_ group: AutoScalingGroup, source: DRSnapshot.Source, standby: Int, status: inout DRWorkloadStatus, templateWaits: Bool, waitsFor: String?) {
        let templateName = source.templateName, workload = source.workload.name, full = status.fullCapacity
        let existing = snapshot.drGroups[group.name]
        status.runningCapacity = existing?.desiredCapacity ?? 0
        let launchWaits = status.imageStatus.isLaunchable ? nil : waitsFor
        if let existing {
            if existing.launchTemplateName != templateName || existing.launchTemplateVersion != .default {
                warnings.append(DRFinding(resource: "group \(group.name)", reason: "launches \(existing.launchTemplateName):\(existing.launchTemplateVersion), not \(templateName):$Default: the DR template's default version does not reach it"))
            }
            if existing.maxSize < full {
                warnings.append(DRFinding(resource: "group \(group.name)", reason: "max size \(existing.maxSize) is below the \(full) instances a failover needs"))
            }
            if existing.desiredCapacity < standby {
                steps.append(DRStep(action: .scaleGroup(name: group.name, desired: standby), region: request.region, workload: workload, resource: group.name,
                                    estimatedSeconds: DRPlanner.launchSeconds(standby - existing.desiredCapacity, request) + Int(request.bootSeconds),
                                    detail: "SetDesiredCapacity \(existing.desiredCapacity) -> \(standby) (\(request.mode.rawValue))", waitsFor: launchWaits))
            }
        } else if request.mode != .backupRestore {
            let zones = Array(request.region.availabilityZones.prefix(max(1, group.availabilityZones.count)))
            let settings = GroupSettings(launchTemplateName: templateName, launchTemplateVersion: .default, minSize: 0, maxSize: max(group.maxSize, full),
                                         desiredCapacity: 0, availabilityZones: zones, healthCheckGracePeriod: group.healthCheckGracePeriod,
                                         defaultInstanceWarmup: group.defaultInstanceWarmup)
            steps.append(DRStep(action: .createGroup(name: group.name, settings: settings), region: request.region, workload: workload, resource: group.name,
                                estimatedSeconds: 1, detail: "CreateAutoScalingGroup on \(templateName):$Default in \(zones.joined(separator: ","))",
                                waitsFor: templateWaits ? "the launch template \(templateName)" : nil))
            if standby > 0 {
                steps.append(DRStep(action: .scaleGroup(name: group.name, desired: standby), region: request.region, workload: workload, resource: group.name,
                                    estimatedSeconds: DRPlanner.launchSeconds(standby, request) + Int(request.bootSeconds),
                                    detail: "SetDesiredCapacity 0 -> \(standby) (\(request.mode.rawValue))", waitsFor: launchWaits))
            }
        } else {
            // Backup and restore: the group is made at failover.
            setupSeconds = max(setupSeconds, 60)
        }
    }

    /// RTO: copies, then the capacity still to launch (all workloads share the region's RunInstances
    /// bucket), then boot, health-check grace and warm-up. A standby can only run on a launchable copy:
    /// without one, the whole capacity is still to launch.
    func finish() -> DRPlan {
        let missing = statuses.reduce(0) { sum, w in
            sum + max(0, w.fullCapacity - (w.imageStatus.isLaunchable ? w.standbyCapacity : 0))
        }
        let launch = missing > 0 ? DRPlanner.launchSeconds(missing, request) : 0
        let ready = missing > 0 ? Int(request.bootSeconds) + (statuses.map { max($0.healthCheckGracePeriod, $0.warmup) }.max() ?? 0) : 0
        let breakdown = RTOBreakdown(copy: copySeconds, setup: setupSeconds, launch: launch, bootAndWarmup: ready)
        return DRPlan(request: request, workloads: statuses, steps: steps, blockers: blockers, warnings: warnings,
                      rtoSeconds: breakdown.total, rtoBreakdown: breakdown)
    }
}
