#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything a DR plan depends on, read once through the cloud (``DRPlanner/read(_:cloud:)``):
/// ``DRPlanner/decide(_:_:now:)`` is a pure function of it, so the decisions are tested with values.
public struct DRSnapshot: Sendable, Hashable {
    /// What one workload runs in the source region.
    public struct Source: Sendable, Hashable {
        public var workload: DRWorkload
        /// The Auto Scaling group (nil for a template alone).
        public var group: AutoScalingGroup?
        public var templateName: String
        /// The version the group launches, or the template's default.
        public var version: LaunchTemplateVersion
        /// The image id the version launches (its `resolve:ssm:` parameter resolved), as written when it
        /// launches none.
        public var imageId: String
        /// That image, nil when DescribeImages does not show it or it is deregistered.
        public var image: Image?

        public init(workload: DRWorkload, group: AutoScalingGroup?, templateName: String, version: LaunchTemplateVersion, imageId: String, image: Image?) {
            self.workload = workload
            self.group = group
            self.templateName = templateName
            self.version = version
            self.imageId = imageId
            self.image = image
        }
    }

    /// A KMS key as a region answers for an id, alias or ARN.
    public enum KeyLookup: Sendable, Hashable {
        case found(KMSKey)
        /// No such key (or it could not be read).
        case absent
        /// The caller may not use it: KMS's `AccessDeniedException` message.
        case denied(String)
    }

    public struct KeyName: Sendable, Hashable {
        public var region: Region
        public var key: String
        public init(region: Region, key: String) {
            self.region = region
            self.key = key
        }
    }

    /// The account that plans (and copies).
    public var caller: AccountID
    /// The workloads' sources, in the request's order.
    public var sources: [Source]
    /// The DR region's groups and launch templates (as the DR account sees them), by name.
    public var drGroups: [String: AutoScalingGroup]
    public var drTemplates: [String: LaunchTemplate]
    /// Every version of each DR template a workload launches.
    public var drTemplateVersions: [String: [LaunchTemplateVersion]]
    /// The DR region's own images per image family (deprecated and disabled ones too; copies keep their
    /// source's name unless renamed).
    public var drImages: [String: [Image]]
    /// The original build each source and DR image was copied from (through copies of copies).
    public var roots: [ImageID: ImageID]
    /// The keys the plan names: `--kms-key-id`, and the keys of the encrypted source and DR images.
    public var keys: [KeyName: KeyLookup]

    public init(caller: AccountID, sources: [Source] = [], drGroups: [String: AutoScalingGroup] = [:], drTemplates: [String: LaunchTemplate] = [:],
                drTemplateVersions: [String: [LaunchTemplateVersion]] = [:], drImages: [String: [Image]] = [:], roots: [ImageID: ImageID] = [:],
                keys: [KeyName: KeyLookup] = [:]) {
        self.caller = caller
        self.sources = sources
        self.drGroups = drGroups
        self.drTemplates = drTemplates
        self.drTemplateVersions = drTemplateVersions
        self.drImages = drImages
        self.roots = roots
        self.keys = keys
    }

    /// The key `key` names in `region`, nil when absent or denied.
    public func key(_ key: String, in region: Region) -> KMSKey? {
        if case .found(let k) = keys[KeyName(region: region, key: key)] { return k }
        return nil
    }

    /// The original build of `image` (itself when it is no copy, or its lineage was not read).
    public func root(of image: Image) -> ImageID { roots[image.id] ?? image.id }

    /// The KMS key id (or alias) an image's first encrypted volume names, AWS's EBS key when it names none.
    static func keyName(of image: Image) -> String {
        image.blockDeviceMappings.first(where: { $0.encrypted == true })?.kmsKeyId ?? ImageRules.defaultEBSKey
    }
}

extension DRPlanner {
    /// Reads what ``decide(_:_:now:)`` needs: the groups of both regions, the DR templates and their
    /// versions, each workload's source version and image, the DR region's images of each family with
    /// their lineage, and the KMS keys involved. A group or template that does not exist fails the plan.
    public static func read<C: LaunchTemplateCloud & AutoScalingCloud & ParameterCloud & KeyCloud>(_ request: DRRequest, cloud: C) async throws -> DRSnapshot {
        let drCloud = request.drAccount.map { cloud.acting(as: $0) } ?? cloud
        var lineage = Lineage(cloud: cloud)
        let sourceGroups = byName(try await cloud.describeAutoScalingGroups(region: request.sourceRegion, names: []), \.name)
        var snapshot = DRSnapshot(caller: cloud.caller,
                                  drGroups: byName(try await drCloud.describeAutoScalingGroups(region: request.region, names: []), \.name),
                                  drTemplates: byName(try await drCloud.describeLaunchTemplates(region: request.region, names: []), \.name))
        func lookUp(_ key: String, in region: Region, strict: Bool) async throws {
            let name = DRSnapshot.KeyName(region: region, key: key)
            guard snapshot.keys[name] == nil else { return }
            do {
                snapshot.keys[name] = try await cloud.findKey(region: region, key: key).map(DRSnapshot.KeyLookup.found) ?? .absent
            } catch let e as IngotError where e.code == "AccessDeniedException" {
                snapshot.keys[name] = .denied(e.message)
            } catch where !strict {
                snapshot.keys[name] = .absent
            }
        }
        // `--kms-key-id` is looked up in the DR region only when it could be one of its keys.
        if let text = request.kmsKeyId, let reference = KMSKeyReference(text), reference.region.map({ $0 == request.region }) ?? true {
            try await lookUp(text, in: request.region, strict: true)
        }

        for workload in request.workloads {
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
            // A version that launches nothing (no image, a parameter gone) is a blocker of the plan (its
            // image is not visible), not a failure to read.
            let parameter = try? await LaunchTarget.parameter(of: sourceVersion, region: request.sourceRegion, cloud: cloud)
            let imageId = (try? LaunchTarget.decide(templateName: templateName, version: sourceVersion, parameter: parameter ?? nil))?
                .launching(from: group?.mixedInstancesPolicy).imageId
                ?? sourceVersion.data.imageId ?? ""
            // A deregistered image DescribeImages still answers for has nothing left to copy.
            var image: Image?
            if let id = try? ImageID(imageId), let found = try await lineage.image(id, region: request.sourceRegion), found.state != .deregistered {
                image = found
            }
            snapshot.sources.append(DRSnapshot.Source(workload: workload, group: group, templateName: templateName, version: sourceVersion, imageId: imageId, image: image))

            if let template = snapshot.drTemplates[templateName], snapshot.drTemplateVersions[templateName] == nil {
                snapshot.drTemplateVersions[templateName] = try await drCloud.describeLaunchTemplateVersions(
                    region: request.region, name: templateName, versions: [.range(1...max(1, template.latestVersionNumber))])
            }
            guard let image else { continue }
            snapshot.roots[image.id] = try await lineage.root(image)
            if image.isEncrypted { try await lookUp(DRSnapshot.keyName(of: image), in: request.sourceRegion, strict: false) }
            let family = Doctor.family(of: image.name)
            guard snapshot.drImages[family] == nil else { continue }
            let found = try await cloud.describeImages(DescribeImagesRequest(region: request.region, owners: [.caller], filters: [.name(["\(family)-*", family])],
                                                                             includeDeprecated: true, includeDisabled: true))
            for copy in found { lineage.known[copy.id] = copy }
            snapshot.drImages[family] = found
            for copy in found where copy.state != .deregistered {
                snapshot.roots[copy.id] = try await lineage.root(copy)
                if copy.isEncrypted { try await lookUp(DRSnapshot.keyName(of: copy), in: request.region, strict: false) }
            }
        }
        return snapshot
    }

    private static func byName<T>(_ items: [T], _ name: KeyPath<T, String>) -> [String: T] {
        Dictionary(items.map { ($0[keyPath: name], $0) }, uniquingKeysWith: { first, _ in first })
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
            var current = image
            var seen: Set<ImageID> = [image.id]
            var found = image.id
            while let source = current.sourceImageId {
                guard seen.insert(source).inserted,
                      let next = try await self.image(source, region: current.sourceImageRegion ?? current.region) else { found = source; break }
                current = next
                found = next.id
            }
            roots[image.id] = found
            return found
        }
    }
}
