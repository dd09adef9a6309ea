#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `templates refresh` did (or, with a dry run, would do) to one template in one region.
public struct TemplateRefreshResult: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        case createdVersion = "created-version", unchanged, blocked, wouldCreate = "would-create"
        /// The template reads its image from an SSM parameter (`resolve:ssm:NAME`): the parameter moved.
        case updatedParameter = "updated-parameter", wouldUpdateParameter = "would-update-parameter"
    }

    public var region: Region
    public var launchTemplateName: String
    public var action: Action
    /// The version that references the golden image (new or existing).
    public var version: Int?
    public var imageId: ImageID?
    public var imageName: String?
    public var previousImageId: String?
    public var defaultVersion: Int?
    public var deletedVersions: [Int]
    public var reason: String?
    /// For `resolve:ssm:` templates: the parameter and its new version.
    public var parameter: String?
    public var parameterVersion: Int?
}

/// Points launch templates at the golden image, a new version only where it changed.
public enum TemplateRefresher {
    public enum Base: String, Sendable, Hashable, CaseIterable { case `default`, latest }

    public struct Options: Sendable, Hashable {
        public var base: Base
        public var setDefault: Bool
        /// Keep at most this many versions (never deleting the default).
        public var keep: Int?
        public var dryRun: Bool

        public init(base: Base = .default, setDefault: Bool = false, keep: Int? = nil, dryRun: Bool = false) {
            self.base = base
            self.setDefault = setDefault
            self.keep = keep
            self.dryRun = dryRun
        }
    }

    /// The idempotency token of "version `base` of `template` with `image`": two runs racing for the
    /// same change create one version (CreateLaunchTemplateVersion's ClientToken).
    public static func clientToken(templateId: String, baseVersion: Int, image: ImageID) -> String {
        "ingot-\(templateId)-\(baseVersion)-\(image.rawValue)"
    }

    /// The description of a version the refresher creates: the image, its name and version.
    public static func description(for image: Image) -> String {
        "ingot refresh: \(image.id) \(image.name)" + (image.imageVersion.map { " \($0)" } ?? "")
    }

    public static func refresh(
        templates: [String], regions: [Region], selector: ImageSelector, options: Options,
        cloud: some LaunchTemplateCloud & ParameterCloud & AutoScalingCloud, now: Date
    ) async throws -> [TemplateRefreshResult] {
        // The image must be launchable by the account that owns the templates.
        var s = selector
        if s.launchableBy == nil { s.launchableBy = cloud.caller }
        let resolutions = try await GoldenImageResolver.resolve(s, regions: regions, cloud: cloud, now: now)
        var results: [TemplateRefreshResult] = []
        for resolution in resolutions {
            for name in templates {
                do {
                    results.append(try await refresh(name, resolution: resolution, options: options, cloud: cloud))
                } catch let e as IngotError where e.kind == .refused {
                    // One template refused (a quota, a race) does not stop the others.
                    results.append(TemplateRefreshResult(region: resolution.region, launchTemplateName: name, action: .blocked,
                                                         imageId: resolution.image?.id, imageName: resolution.image?.name, deletedVersions: [], reason: e.description))
                }
            }
        }
        return results
    }

    static func refresh(_ name: String, resolution: RegionResolution, options: Options, cloud: some LaunchTemplateCloud & ParameterCloud & AutoScalingCloud) async throws -> TemplateRefreshResult {
        let region = resolution.region
        var result = TemplateRefreshResult(region: region, launchTemplateName: name, action: .blocked, deletedVersions: [])
        let template: LaunchTemplate
        do {
            guard let found = try await cloud.describeLaunchTemplates(region: region, names: [name]).first else {
                result.reason = "no launch template \(name) in \(region)"
                return result
            }
            template = found
        } catch let e as IngotError where e.kind == .refused {
            result.reason = e.message
            return result
        }
        result.defaultVersion = template.defaultVersionNumber
        let selector: TemplateVersionSelector = options.base == .default ? .default : .latest
        guard let base = try await cloud.describeLaunchTemplateVersions(region: region, name: name, versions: [selector]).first else {
            result.reason = "no \(selector.text) version"
            return result
        }
        result.previousImageId = base.data.imageId
        guard let image = resolution.image else {
            let why = resolution.rejected.first.map { "\($0.image.id): \($0.reason.text)" } ?? "no candidate images"
            result.reason = "no eligible golden image in \(region) (\(resolution.rejected.count) rejected; newest: \(why))"
            return result
        }
        result.imageId = image.id
        result.imageName = image.name
        if let parameter = base.data.ssmParameter {
            return try await refreshParameter(parameter, image: image, result: result, options: options, cloud: cloud)
        }
        let later = base.data.imageId == image.id.rawValue ? []
            : try await cloud.describeLaunchTemplateVersions(region: region, name: name, versions: []).filter { $0.versionNumber > base.versionNumber }
        if let done = versionReferencing(image.id, base: base, later: later) {
            result.action = .unchanged
            result.version = done
        } else if options.dryRun {
            result.action = .wouldCreate
            result.version = template.latestVersionNumber + 1
        } else {
            let created = try await cloud.createLaunchTemplateVersion(CreateLaunchTemplateVersionRequest(
                region: region, name: name, sourceVersion: .number(base.versionNumber), data: LaunchTemplateData(imageId: image.id.rawValue),
                versionDescription: description(for: image),
                clientToken: clientToken(templateId: template.id, baseVersion: base.versionNumber, image: image.id)))
            result.action = .createdVersion
            result.version = created.versionNumber
        }
        if options.setDefault, let version = result.version, version != template.defaultVersionNumber {
            if options.dryRun {
                result.defaultVersion = version
            } else {
                result.defaultVersion = try await cloud.modifyLaunchTemplate(region: region, name: name, defaultVersion: version).defaultVersionNumber
            }
        }
        if let keep = options.keep, !options.dryRun {
            let all = try await cloud.describeLaunchTemplateVersions(region: region, name: name, versions: [])
            // Never the default, the version just written, or a version a group launches from or runs.
            var protected: Set<Int> = [result.defaultVersion ?? template.defaultVersionNumber, result.version ?? 0]
            for group in try await cloud.describeAutoScalingGroups(region: region, names: []) where group.launchTemplateName == name {
                if let n = Int(group.launchTemplateVersion) { protected.insert(n) }
                protected.formUnion(group.instances.map(\.launchTemplateVersion))
            }
            let excess = versionsToDelete(all.map(\.versionNumber), keep: keep, protected: protected)
            if !excess.isEmpty {
                // A version another process deleted, or made the default, in the meantime is skipped.
                result.deletedVersions = try await cloud.deleteLaunchTemplateVersions(region: region, name: name, versions: Array(excess.prefix(200))).deleted
            }
        }
        return result
    }

    // MARK: Decisions, with values

    /// The version that already launches `image` from `base`: the base itself when it references the
    /// image, else the oldest later version made from the base with only the image changed (an earlier
    /// run without --set-default, or a concurrent one, counts as done); nil when one must be created.
    public static func versionReferencing(_ image: ImageID, base: LaunchTemplateVersion, later: [LaunchTemplateVersion]) -> Int? {
        if base.data.imageId == image.rawValue { return base.versionNumber }
        let made = base.data.overridden(by: LaunchTemplateData(imageId: image.rawValue))
        return later.filter { $0.versionNumber > base.versionNumber && $0.data == made }.map(\.versionNumber).min()
    }

    /// `--keep N`: the versions beyond the newest `keep` to delete, newest first, never a protected one
    /// (the default, the version just written, a version a group launches from or runs).
    public static func versionsToDelete(_ versions: [Int], keep: Int, protected: Set<Int>) -> [Int] {
        versions.sorted(by: >).dropFirst(keep).filter { !protected.contains($0) }
    }

    /// A template that reads `resolve:ssm:NAME` keeps its versions; the parameter gets a new version.
    static func refreshParameter(_ parameter: String, image: Image, result: TemplateRefreshResult, options: Options,
                                 cloud: some ParameterCloud) async throws -> TemplateRefreshResult {
        var result = result
        result.parameter = parameter
        guard !parameter.contains(":") else {
            result.reason = "the template pins parameter version or label \(parameter); refresh the parameter itself"
            return result
        }
        let current: Parameter
        do {
            current = try await cloud.getParameter(region: result.region, name: parameter)
        } catch let e as IngotError where e.kind == .refused {
            result.reason = "parameter \(parameter): \(e.message)"
            return result
        }
        result.previousImageId = current.value
        if current.value == image.id.rawValue {
            result.action = .unchanged
            result.parameterVersion = current.version
        } else if options.dryRun {
            result.action = .wouldUpdateParameter
            result.parameterVersion = current.version + 1
        } else {
            result.parameterVersion = try await cloud.putParameter(region: result.region, name: parameter, value: image.id.rawValue,
                                                                   dataType: "aws:ec2:image", overwrite: true)
            result.action = .updatedParameter
        }
        return result
    }
}
