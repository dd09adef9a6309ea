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

/// Plans a standby in another region from copied AMIs: what exists, what is missing, the steps and the RTO.
public enum DRPlanner {
    public static func plan<C: LaunchTemplateCloud & AutoScalingCloud & ParameterCloud & KeyCloud>(_ request: DRRequest, cloud: C, now: Date) async throws -> DRPlan {
        try request.validate()
        let drCloud = request.drAccount.map { cloud.acting(as: $0) } ?? cloud
        var lineage = Lineage(cloud: cloud)
        var statuses: [DRWorkloadStatus] = []
        var steps: [DRStep] = [], blockers: [DRFinding] = [], warnings: [DRFinding] = []
        var copySeconds = 0, setupSeconds = 0
        // What the plan reads, once: the groups of both regions, the DR templates, and the DR region's
        // images per image family (copies keep their source's name unless renamed).
        let sourceGroups = Dictionary(try await cloud.describeAutoScalingGroups(region: request.sourceRegion, names: []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let drGroups = Dictionary(try await drCloud.describeAutoScalingGroups(region: request.region, names: []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let drTemplates = Dictionary(try await drCloud.describeLaunchTemplates(region: request.region, names: []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var familyImages: [String: [Image]] = [:]

        for workload in request.workloads {
            // The source: the template version the group launches (or the template's default) and its image.
            var group: AutoScalingGroup?
            let templateName: String, version: TemplateVersion
            switch workload {
            case .group(let name):
                guard let g = sourceGroups[name] else {
                    throw IngotError.refused("ValidationError", "no group \(name) in \(request.sourceRegion)")
                }
                group = g
                templateName = g.launchTemplateName
                version = g.launchTemplateVersion
            case .template(let name):
                templateName = name
                version = .default
            }
            guard let sourceVersion = try await cloud.describeLaunchTemplateVersions(region: request.sourceRegion, name: templateName,
                                                                                     versions: [TemplateVersionSelector(version)]).first else {
                throw IngotError.refused("InvalidLaunchTemplateName.NotFoundException", "no launch template \(templateName) version in \(request.sourceRegion)")
            }
            // A version that launches nothing (no image, a parameter gone) is a blocker below (its image is
            // not visible), not a failure of the plan.
            let parameter = try? await LaunchTarget.parameter(of: sourceVersion, region: request.sourceRegion, cloud: cloud)
            let sourceImageId = (try? LaunchTarget.decide(templateName: templateName, version: sourceVersion, parameter: parameter ?? nil))?.imageId
                ?? sourceVersion.data.imageId ?? ""
            let full = group?.desiredCapacity ?? 0
            let standby = group == nil ? 0 : request.standby(for: full)
            let source = try? ImageID(sourceImageId)
            // A deregistered image DescribeImages still answers for has nothing left to copy.
            let sourceImage = (try await source.asyncMap { try await lineage.image($0, region: request.sourceRegion) } ?? nil).flatMap { $0.state == .deregistered ? nil : $0 }
            var status = DRWorkloadStatus(workload: workload, sourceImage: sourceImage, drImage: nil, imageStatus: .missing, fullCapacity: full,
                                          standbyCapacity: standby, runningCapacity: 0, healthCheckGracePeriod: group?.healthCheckGracePeriod ?? 0,
                                          warmup: group?.defaultInstanceWarmup ?? group?.healthCheckGracePeriod ?? 0)
            guard let sourceImage else {
                blockers.append(DRFinding(resource: "\(workload.kind) \(workload.name)", reason: "its image \(sourceImageId) is not visible in \(request.sourceRegion): nothing to copy"))
                statuses.append(status)
                continue
            }

            // The DR copy: same lineage root, else the same version of the same family; the best state first.
            let family = Doctor.family(of: sourceImage.name)
            if familyImages[family] == nil {
                let found = try await cloud.describeImages(DescribeImagesRequest(region: request.region, owners: ["self"], filters: [.name(["\(family)-*", family])],
                                                                                 includeDeprecated: true, includeDisabled: true))
                for image in found { lineage.known[image.id] = image }
                familyImages[family] = found
            }
            let drImages = familyImages[family] ?? []
            let root = try await lineage.root(sourceImage)
            var matches: [Image] = []
            for image in drImages where image.state != .deregistered {
                if try await lineage.root(image) == root { matches.append(image) }
            }
            if matches.isEmpty, let v = sourceImage.imageVersion {
                matches = drImages.filter { $0.imageVersion == v && Doctor.family(of: $0.name) == Doctor.family(of: sourceImage.name) && $0.state != .deregistered }
            }
            func rank(_ i: Image) -> Int {
                switch i.state {
                case .available: (i.deprecationTime.map { $0 <= now } ?? false) ? 1 : 0
                case .pending: 2
                case .disabled: 3
                default: 4
                }
            }
            let dr = matches.sorted { rank($0) != rank($1) ? rank($0) < rank($1) : $0.creationDate > $1.creationDate }.first
            // An older build of the family (by version, else by date): launchable, but stale.
            func isOlder(_ i: Image) -> Bool {
                if let a = i.imageVersion, let b = sourceImage.imageVersion { return a < b }
                return i.creationDate < sourceImage.creationDate
            }
            let older = drImages.filter { $0.state == .available && Doctor.family(of: $0.name) == family && isOlder($0) }
                .max { a, b in a.imageVersion.flatMap { va in b.imageVersion.map { va < $0 } } ?? (a.creationDate < b.creationDate) }
            let resource = "image \(sourceImage.id) (\(sourceImage.name))"
            let copyEstimate = Int(ImageRules.copyDuration(totalGiB: sourceImage.totalSnapshotGiB, crossRegion: true))
            var needsCopy = false
            var drImageRef: String?
            var waitsFor: String?

            if let dr, rank(dr) <= 2 {
                status.drImage = dr
                drImageRef = dr.id.rawValue
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
            } else {
                needsCopy = true
                if let dr, dr.state == .disabled {
                    blockers.append(DRFinding(resource: "image \(dr.id)", reason: "the DR copy of \(sourceImage.id) is disabled: it cannot launch"))
                    status.imageStatus = .disabled
                } else if let older {
                    status.imageStatus = .stale
                    status.drImage = older
                    warnings.append(DRFinding(resource: "image \(older.id)", reason: "stale: \(request.region) has \(older.name), an older build than \(sourceImage.name) that \(workload.kind) \(workload.name) runs"))
                } else {
                    status.imageStatus = .missing
                    blockers.append(DRFinding(resource: resource, reason: "no copy in \(request.region): nothing launchable there for \(workload.kind) \(workload.name), which cannot fail over at all if \(request.sourceRegion) is lost before the copy exists"))
                }
            }
            // Encryption: KMS keys are regional, a copy under a key it cannot use fails, and an image
            // encrypted with an AWS managed key cannot be shared with another account.
            let crossAccount = request.drAccount.map { $0 != cloud.caller } ?? false
            let sourceKeyId = sourceImage.blockDeviceMappings.first(where: { $0.encrypted == true })?.kmsKeyId
            let sourceKey = sourceImage.isEncrypted ? (try? await cloud.findKey(region: request.sourceRegion, key: sourceKeyId ?? ImageRules.defaultEBSKey)) ?? nil : nil
            var keyToGrant: KMSKey?
            if needsCopy {
                var keyProblem: String?
                var requested: KMSKey?
                if let text = request.kmsKeyId {
                    if let reference = KMSKeyReference(text) {
                        do {
                            requested = reference.region.map { $0 == request.region } ?? true ? try await cloud.findKey(region: request.region, key: text) : nil
                            keyProblem = reference.problem(copyingInto: request.region, caller: cloud.caller, key: requested)
                        } catch let e as IngotError where e.code == "AccessDeniedException" {
                            keyProblem = "\(text) is not a key \(cloud.caller) may use (\(e.message))"
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
                    let taken = drImages.contains { $0.name == sourceImage.name && $0.state != .deregistered }
                    let name = taken ? String("\(sourceImage.name)-dr-\(Timestamp.format(now).filter(\.isNumber).prefix(12))".suffix(128)) : nil
                    copySeconds = max(copySeconds, copyEstimate)
                    steps.append(DRStep(action: .copyImage(source: sourceImage.id, encrypted: sourceImage.isEncrypted || request.kmsKeyId != nil, kmsKeyId: request.kmsKeyId, name: name),
                                        region: request.region, workload: workload.name, resource: sourceImage.id.rawValue, estimatedSeconds: copyEstimate,
                                        detail: "CopyImage \(sourceImage.id) (\(sourceImage.totalSnapshotGiB) GiB) from \(request.sourceRegion), with its tags" + (name.map { " as \($0)" } ?? "")))
                    if crossAccount, requested?.manager == .customer { keyToGrant = requested }
                }
                waitsFor = "the copy of \(sourceImage.id)"
            } else if crossAccount, let dr = status.drImage, dr.isEncrypted {
                let drKeyId = dr.blockDeviceMappings.first(where: { $0.encrypted == true })?.kmsKeyId
                let drKey = (try? await cloud.findKey(region: request.region, key: drKeyId ?? ImageRules.defaultEBSKey)) ?? nil
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
            if let account = request.drAccount, account != cloud.caller, let dr = status.drImage, !needsCopy {
                if !dr.launchPermissions.userIds.contains(account) && !dr.launchPermissions.isPublic {
                    steps.append(DRStep(action: .shareImage(image: dr.id, account: account), region: request.region, workload: workload.name,
                                        resource: dr.id.rawValue, estimatedSeconds: 1, detail: "ModifyImageAttribute: launch permission for \(account)"))
                }
            } else if let account = request.drAccount, account != cloud.caller, needsCopy {
                steps.append(DRStep(action: .shareImage(image: sourceImage.id, account: account), region: request.region, workload: workload.name,
                                    resource: "copy of \(sourceImage.id)", estimatedSeconds: 1, detail: "launch permission for \(account) on the new copy",
                                    waitsFor: waitsFor))
            }

            // The DR launch template: its default version must launch the DR copy.
            let target = needsCopy ? nil : drImageRef
            var templateWaits = false
            if let template = drTemplates[templateName] {
                let defaultImage = try await drCloud.describeLaunchTemplateVersions(region: request.region, name: templateName, versions: [.default]).first?.data.imageId
                if target == nil || defaultImage != target {
                    // Every version only when the default does not do: one may already launch the copy.
                    let versions = try await drCloud.describeLaunchTemplateVersions(region: request.region, name: templateName,
                                                                                    versions: [.range(1...max(1, template.latestVersionNumber))])
                    templateWaits = target == nil
                    // A version that already launches the copy (after a rollback, say) becomes the default again.
                    if let target, let existing = versions.filter({ $0.data.imageId == target }).max(by: { $0.versionNumber < $1.versionNumber }) {
                        steps.append(DRStep(action: .setDefault(name: templateName, version: existing.versionNumber), region: request.region, workload: workload.name,
                                            resource: templateName, estimatedSeconds: 1, detail: "ModifyLaunchTemplate: default version \(existing.versionNumber)"))
                    } else {
                        steps.append(DRStep(action: .createTemplateVersion(name: templateName, imageId: target ?? "", after: template.latestVersionNumber),
                                            region: request.region, workload: workload.name,
                                            resource: templateName, estimatedSeconds: 1, detail: "a version on \(target ?? "the copy") inheriting $Default", waitsFor: target == nil ? waitsFor : nil))
                        steps.append(DRStep(action: .setDefault(name: templateName, version: template.latestVersionNumber + 1), region: request.region, workload: workload.name,
                                            resource: templateName, estimatedSeconds: 1, detail: "make it the default", waitsFor: target == nil ? waitsFor : nil))
                    }
                }
            } else {
                templateWaits = target == nil
                var data = sourceVersion.data
                data.imageId = target ?? ""
                // Security groups, key pairs, KMS keys, subnets and the like belong to their region: not carried over.
                let dropped = data.removeRegionalReferences()
                if !dropped.isEmpty {
                    warnings.append(DRFinding(resource: "launch template \(templateName)", reason: "\(dropped.joined(separator: ", ")) of \(request.sourceRegion) are regional and left out of the DR template: set \(request.region)'s own before failing over"))
                }
                steps.append(DRStep(action: .createTemplate(name: templateName, data: data), region: request.region, workload: workload.name, resource: templateName,
                                    estimatedSeconds: 1, detail: "CreateLaunchTemplate from \(request.sourceRegion)'s version \(sourceVersion.versionNumber) on \(target ?? "the copy")",
                                    waitsFor: target == nil ? waitsFor : nil))
            }

            // The DR group, with the capacity the mode keeps running.
            if let group {
                let existing = drGroups[group.name]
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
                        steps.append(DRStep(action: .scaleGroup(name: group.name, desired: standby), region: request.region, workload: workload.name, resource: group.name,
                                            estimatedSeconds: launchSeconds(standby - existing.desiredCapacity, request) + Int(request.bootSeconds),
                                            detail: "SetDesiredCapacity \(existing.desiredCapacity) -> \(standby) (\(request.mode.rawValue))", waitsFor: launchWaits))
                    }
                } else if request.mode != .backupRestore {
                    let zones = Array(request.region.availabilityZones.prefix(max(1, group.availabilityZones.count)))
                    let settings = GroupSettings(launchTemplateName: templateName, launchTemplateVersion: .default, minSize: 0, maxSize: max(group.maxSize, full),
                                                 desiredCapacity: 0, availabilityZones: zones, healthCheckGracePeriod: group.healthCheckGracePeriod,
                                                 defaultInstanceWarmup: group.defaultInstanceWarmup)
                    steps.append(DRStep(action: .createGroup(name: group.name, settings: settings), region: request.region, workload: workload.name, resource: group.name,
                                        estimatedSeconds: 1, detail: "CreateAutoScalingGroup on \(templateName):$Default in \(zones.joined(separator: ","))",
                                        waitsFor: templateWaits ? "the launch template \(templateName)" : nil))
                    if standby > 0 {
                        steps.append(DRStep(action: .scaleGroup(name: group.name, desired: standby), region: request.region, workload: workload.name, resource: group.name,
                                            estimatedSeconds: launchSeconds(standby, request) + Int(request.bootSeconds),
                                            detail: "SetDesiredCapacity 0 -> \(standby) (\(request.mode.rawValue))", waitsFor: launchWaits))
                    }
                } else {
                    // Backup and restore: the group is made at failover.
                    setupSeconds = max(setupSeconds, 60)
                }
            }
            statuses.append(status)
        }

        // RTO: copies, then the capacity still to launch (all workloads share the region's RunInstances
        // bucket), then boot, health-check grace and warm-up.
        // A standby can only run on a launchable copy: without one, the whole capacity is still to launch.
        let missing = statuses.reduce(0) { sum, w in
            sum + max(0, w.fullCapacity - (w.imageStatus.isLaunchable ? w.standbyCapacity : 0))
        }
        let launch = missing > 0 ? launchSeconds(missing, request) : 0
        let ready = missing > 0 ? Int(request.bootSeconds) + (statuses.map { max($0.healthCheckGracePeriod, $0.warmup) }.max() ?? 0) : 0
        let breakdown = RTOBreakdown(copy: copySeconds, setup: setupSeconds, launch: launch, bootAndWarmup: ready)
        return DRPlan(request: request, workloads: statuses, steps: steps, blockers: blockers, warnings: warnings,
                      rtoSeconds: breakdown.total, rtoBreakdown: breakdown)
    }

    /// Seconds until the last of `count` launches gets a RunInstances token (a full bucket to start).
    public static func launchSeconds(_ count: Int, _ r: DRRequest) -> Int {
        Int((max(0, Double(count) - r.launchBurst) / r.launchRate).rounded(.up))
    }

    /// Images by id, fetched from their regions as the lineage is walked (copies of copies cross regions).
    struct Lineage<C: Cloud> {
        let cloud: C
        var known: [ImageID: Image] = [:]
        /// Roots already walked: every workload compares the family's DR images against its source.
        var roots: [ImageID: ImageID] = [:]
        /// Ids DescribeImages no longer knows (deregistered), asked once.
        var missing: Set<ImageID> = []

        /// The image, or nil when it is gone: DescribeImages answers `InvalidAMIID.NotFound` for an id
        /// that was deregistered (the source of a copy, once cleaned up), and a missing ancestor only
        /// ends a lineage walk; it never fails the plan.
        mutating func image(_ id: ImageID, region: Region) async throws -> Image? {
            if let i = known[id] { return i }
            if missing.contains(id) { return nil }
            let found: Image?
            do {
                found = try await cloud.describeImage(id, region: region)
            } catch let error as IngotError where error.code == "InvalidAMIID.NotFound" {
                found = nil
            }
            if let found { known[id] = found } else { missing.insert(id) }
            return found
        }

        /// The original build an image was copied from, through copies of copies.
        mutating func root(_ image: Image) async throws -> ImageID {
            if let known = roots[image.id] { return known }
            let found = try await walk(image)
            roots[image.id] = found
            return found
        }

        private mutating func walk(_ image: Image) async throws -> ImageID {
            var current = image
            var seen: Set<ImageID> = [image.id]
            while let source = current.sourceImageId {
                guard seen.insert(source).inserted,
                      let next = try await self.image(source, region: current.sourceImageRegion ?? current.region) else { return source }
                current = next
            }
            return current.id
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let v): try await transform(v)
        case .none: nil
        }
    }
}
