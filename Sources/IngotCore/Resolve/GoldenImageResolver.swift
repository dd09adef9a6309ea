#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a candidate image was not chosen.
public enum RejectionReason: Sendable, Hashable {
    case disabled
    case notAvailable(ImageState, availableAt: Date?)
    case deprecated(since: Date)
    case notLaunchable(by: AccountID)
    case architecture(Architecture)
    case rootDeviceType(RootDeviceType)
    case tagMismatch(key: String, value: String?)
    case excludedByTag(Tag)
    case noVersion
    case versionOutOfRange(ImageVersion)
    case tooOld(created: Date)
    case supersededBy(ImageID)
    /// `--consistent`: a newer build that has not landed in these regions.
    case notInAllRegions(missing: [Region])

    /// The rule as one word, for counting rejections by rule: "deprecated", "superseded", ...
    public var rule: String {
        switch self {
        case .disabled: "disabled"
        case .notAvailable(let state, _): state == .pending ? "pending" : "notAvailable"
        case .deprecated: "deprecated"
        case .notLaunchable: "notLaunchable"
        case .architecture: "architecture"
        case .rootDeviceType: "rootDeviceType"
        case .tagMismatch: "tagMismatch"
        case .excludedByTag: "excludedByTag"
        case .noVersion: "noVersion"
        case .versionOutOfRange: "versionOutOfRange"
        case .tooOld: "tooOld"
        case .supersededBy: "superseded"
        case .notInAllRegions: "notInAllRegions"
        }
    }

    public var text: String {
        switch self {
        case .disabled: "disabled"
        case .notAvailable(let state, let at):
            state == .pending ? "pending (copy lands at \(at.map(Timestamp.format) ?? "unknown"))" : "state \(state.rawValue), not available"
        case .deprecated(let since): "deprecated since \(Timestamp.format(since))"
        case .notLaunchable(let account): "not launchable by \(account) (not owned by, shared with or public to it)"
        case .architecture(let a): "architecture \(a.rawValue)"
        case .rootDeviceType(let t): "root device type \(t.rawValue)"
        case .tagMismatch(let key, let value): value.map { "tag \(key)=\($0) does not match" } ?? "no tag \(key)"
        case .excludedByTag(let tag): "excluded by tag \(tag.key)=\(tag.value)"
        case .noVersion: "no version to order or range by"
        case .versionOutOfRange(let v): "version \(v) out of range"
        case .tooOld(let created): "too old (created \(Timestamp.format(created)))"
        case .supersededBy(let id): "superseded by \(id)"
        case .notInAllRegions(let missing): "newer build not yet in \(missing.map(\.code).joined(separator: ", "))"
        }
    }
}

public struct Rejection: Sendable, Hashable {
    public var image: Image
    public var reason: RejectionReason
}

/// The golden image of one region, with the explanation.
public struct RegionResolution: Sendable, Hashable {
    public var region: Region
    public var image: Image?
    /// Every candidate that matched the names and owners but was not chosen.
    public var rejected: [Rejection]
}

extension RegionResolution {
    /// What `resolve --explain` shows: the rejected candidates ranked above the chosen image under
    /// `order` (every one when nothing was chosen), newest first: these are the ones people ask about;
    /// and, for the others, how many each rule rejected (rule words as ``RejectionReason/rule``).
    /// - Parameter order: the selector's order, as the choice was made.
    public func explanation(order: ResolveOrder) -> (newer: [Rejection], olderByRule: [String: Int]) {
        guard let image else { return (rejected, [:]) }
        let newer = rejected.filter { GoldenImageResolver.newerFirst($0.image, image, order: order) }
        let older = rejected.filter { !GoldenImageResolver.newerFirst($0.image, image, order: order) }
        return (newer, Dictionary(grouping: older, by: \.reason.rule).mapValues(\.count))
    }
}

/// Picks the golden image among candidates: pure, so that it is tested with values.
public enum GoldenImageResolver {
    /// The first rule `image` breaks, or nil when it is eligible.
    public static func rejection(of image: Image, by s: ImageSelector, now: Date) -> RejectionReason? {
        if image.state == .disabled { return .disabled }
        if image.state != .available { return .notAvailable(image.state, availableAt: image.availableAt) }
        if let t = image.deprecationTime, t <= now { return .deprecated(since: t) }
        if let account = s.launchableBy, !(image.ownerId == account || image.isPublic || image.launchPermissions.userIds.contains(account)) {
            return .notLaunchable(by: account)
        }
        if let a = s.architecture, image.architecture != a { return .architecture(image.architecture) }
        if let r = s.rootDeviceType, image.rootDeviceType != r { return .rootDeviceType(image.rootDeviceType) }
        for (key, values) in s.tags.sorted(by: { $0.key < $1.key }) {
            guard let value = image.tags[tag: key] else { return .tagMismatch(key: key, value: nil) }
            if !values.isEmpty && !values.contains(where: { WildcardPattern($0).matches(value) }) {
                return .tagMismatch(key: key, value: value)
            }
        }
        for tag in image.tags {
            if let values = s.excludeTags[tag.key], values.isEmpty || values.contains(where: { WildcardPattern($0).matches(tag.value) }) {
                return .excludedByTag(tag)
            }
        }
        if s.versionRange != nil || s.order == .version {
            guard let v = image.imageVersion else { return .noVersion }
            if let range = s.versionRange, !range.contains(v) { return .versionOutOfRange(v) }
        }
        if let age = s.maxAge, now.timeIntervalSince(image.creationDate) > age { return .tooOld(created: image.creationDate) }
        return nil
    }

    /// Newest first by the selector's order; ties by creation date, version, then image id.
    public static func newerFirst(_ a: Image, _ b: Image, order: ResolveOrder) -> Bool {
        func version(_ i: Image) -> ImageVersion { i.imageVersion ?? ImageVersion(major: -1, minor: 0, patch: 0, build: 0) }
        switch order {
        case .version:
            if version(a) != version(b) { return version(a) > version(b) }
            if a.creationDate != b.creationDate { return a.creationDate > b.creationDate }
        case .creationDate:
            if a.creationDate != b.creationDate { return a.creationDate > b.creationDate }
            if version(a) != version(b) { return version(a) > version(b) }
        }
        return a.id < b.id
    }

    /// The eligible images, newest first.
    public static func eligible(_ candidates: [Image], by s: ImageSelector, now: Date) -> [Image] {
        candidates.filter { rejection(of: $0, by: s, now: now) == nil }.sorted { newerFirst($0, $1, order: s.order) }
    }

    /// Chooses the newest eligible candidate; every other candidate is rejected with its reason.
    public static func choose(_ candidates: [Image], region: Region, by s: ImageSelector, now: Date) -> RegionResolution {
        let chosen = eligible(candidates, by: s, now: now).first
        let rejected = candidates.filter { $0.id != chosen?.id }.map { image in
            Rejection(image: image, reason: rejection(of: image, by: s, now: now) ?? .supersededBy(chosen?.id ?? image.id))
        }
        return RegionResolution(region: region, image: chosen, rejected: rejected.sorted { newerFirst($0.image, $1.image, order: s.order) })
    }

    /// A region missing the newest build (`--consistent`).
    public struct Lagging: Sendable, Hashable {
        public var region: Region
        /// The newest eligible build anywhere, which this region lacks.
        public var missing: Image
    }

    /// `--consistent`: the newest build eligible in every region. Copies are the same build as their
    /// source (lineage through sourceImageId, across copies of copies), else images of one version.
    public static func chooseConsistent(_ candidates: [(Region, [Image])], by s: ImageSelector, now: Date) -> ([RegionResolution], [Lagging]) {
        var byID: [ImageID: Image] = [:]
        for (_, images) in candidates { for i in images { byID[i.id] = i } }
        func root(_ image: Image) -> ImageID {
            var current = image, seen: Set<ImageID> = [image.id]
            while let source = current.sourceImageId {
                guard let next = byID[source], seen.insert(source).inserted else { return source }
                current = next
            }
            return current.id
        }
        // By lineage, else by version within one family (golden-web 1.2.0 is not golden-api 1.2.0).
        func sameBuild(_ a: Image, _ b: Image) -> Bool {
            root(a) == root(b)
                || (a.imageVersion != nil && a.imageVersion == b.imageVersion && Doctor.family(of: a.name) == Doctor.family(of: b.name))
        }
        // A build's age is its original's (copies are made later): order builds by their lineage root.
        func build(_ image: Image) -> Image { byID[root(image)] ?? image }
        let eligibleByRegion = candidates.map { ($0.0, eligible($0.1, by: s, now: now)) }
        let everywhere = eligibleByRegion.flatMap(\.1).sorted { newerFirst(build($0), build($1), order: s.order) }
        func missing(_ build: Image) -> [Region] {
            eligibleByRegion.filter { _, images in !images.contains { sameBuild($0, build) } }.map(\.0)
        }
        let chosenBuild = everywhere.first { missing($0).isEmpty }
        var lagging: [Lagging] = []
        if let newest = everywhere.first {
            lagging = missing(newest).map { Lagging(region: $0, missing: build(newest)) }
        }
        let resolutions = candidates.map { region, images -> RegionResolution in
            let chosen = chosenBuild.flatMap { build in
                images.filter { rejection(of: $0, by: s, now: now) == nil && sameBuild($0, build) }
                    .sorted { newerFirst($0, $1, order: s.order) }.first
            }
            let rejected = images.filter { $0.id != chosen?.id }.map { image -> Rejection in
                if let reason = rejection(of: image, by: s, now: now) { return Rejection(image: image, reason: reason) }
                let gaps = missing(image)
                // An older build than the chosen one is superseded, wherever it is missing.
                let newerThanChosen = chosen.map { newerFirst(build(image), build($0), order: s.order) } ?? true
                return Rejection(image: image, reason: gaps.isEmpty || !newerThanChosen ? .supersededBy(chosen?.id ?? image.id) : .notInAllRegions(missing: gaps))
            }
            return RegionResolution(region: region, image: chosen, rejected: rejected.sorted { newerFirst($0.image, $1.image, order: s.order) })
        }
        return (resolutions, lagging)
    }

    /// Fetches every region's candidates concurrently.
    public static func candidates(_ s: ImageSelector, regions: [Region], cloud: some Cloud) async throws -> [(Region, [Image])] {
        try await withThrowingTaskGroup(of: (Int, [Image]).self) { group in
            for (i, region) in regions.enumerated() {
                group.addTask { (i, try await cloud.describeImages(s.candidatesRequest(region: region))) }
            }
            var results = [[Image]](repeating: [], count: regions.count)
            for try await (i, images) in group { results[i] = images }
            return Array(zip(regions, results))
        }
    }

    /// Resolves every region concurrently through the cloud.
    public static func resolve(_ s: ImageSelector, regions: [Region], cloud: some Cloud, now: Date) async throws -> [RegionResolution] {
        try await candidates(s, regions: regions, cloud: cloud).map { choose($0.1, region: $0.0, by: s, now: now) }
    }
}
