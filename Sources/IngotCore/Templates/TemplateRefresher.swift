#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `templates refresh` did (or, with a dry run, would do) to one template in one region.
public struct TemplateRefreshResult: Sendable, Hashable {
    /// The largest change made (or, with a dry run, to be made): a new version, then a parameter moved,
    /// then the default changed, then versions pruned. `deletedVersions` and `defaultVersion` say the rest.
    public enum Action: String, Sendable, Hashable {
        case createdVersion = "created-version", wouldCreate = "would-create"
        /// The template reads its image from an SSM parameter (`resolve:ssm:NAME`): the parameter moved.
        case updatedParameter = "updated-parameter", wouldUpdateParameter = "would-update-parameter"
        /// The image was already referenced; `--set-default` made that version the default.
        case changedDefault = "changed-default", wouldChangeDefault = "would-change-default"
        /// Nothing else changed; `--keep` deleted versions.
        case pruned, wouldPrune = "would-prune"
        case unchanged, blocked

        /// The action a dry run reports for what a run does.
        public var planned: Action {
            switch self {
            case .createdVersion: .wouldCreate
            case .updatedParameter: .wouldUpdateParameter
            case .changedDefault: .wouldChangeDefault
            case .pruned: .wouldPrune
            default: self
            }
        }
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

    /// Templates sharing regions, a selector and options (a `templates:` entry of ingot.yaml, or the flags).
    public struct Job: Sendable, Hashable {
        public var templates: [String]
        public var regions: [Region]
        public var selector: ImageSelector
        public var options: Options

        public init(templates: [String], regions: [Region], selector: ImageSelector, options: Options) {
            self.templates = templates
            self.regions = regions
            self.selector = selector
            self.options = options
        }
    }

    /// Every job, in order.
    public static func refresh(jobs: [Job], cloud: some LaunchTemplateCloud & ParameterCloud & AutoScalingCloud, now: Date) async throws -> [TemplateRefreshResult] {
        var results: [TemplateRefreshResult] = []
        for job in jobs {
            results += try await refresh(templates: job.templates, regions: job.regions, selector: job.selector, options: job.options, cloud: cloud, now: now)
        }
        return results
    }

    /// Resolves the golden image per region, then for each template reads what it needs, decides a plan
    /// (`plan(_:image:options:)`, pure) and, unless it is a dry run, applies it. A dry run reports the
    /// plan: the same versions, default and deletions the run would report.
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
                    let snapshot = try await read(name, region: resolution.region, image: resolution.image, options: options, cloud: cloud)
                    let plan = plan(snapshot, resolution: resolution, options: options)
                    results.append(options.dryRun ? plan.result : try await apply(plan, cloud: cloud))
                } catch let e as IngotError where e.kind == .refused {
                    // One template refused (a quota, a race) does not stop the others.
                    results.append(TemplateRefreshResult(region: resolution.region, launchTemplateName: name, action: .blocked,
                                                         imageId: resolution.image?.id, imageName: resolution.image?.name, deletedVersions: [], reason: e.description))
                }
            }
        }
        return results
    }

    // MARK: Fetch

    /// What the refresher reads of one template in one region before deciding anything.
    public struct Snapshot: Sendable, Hashable {
        public var region: Region
        public var name: String
        /// nil: the region has no such template (or refused to say why).
        public var template: LaunchTemplate?
        public var problem: String?
        /// The base version (`$Default` or `$Latest`).
        public var base: LaunchTemplateVersion?
        /// The versions after the base (read when the base does not reference the image), and every
        /// version (read with `--keep`).
        public var versions: [LaunchTemplateVersion]
        /// With `--keep`: the region's groups that launch from this template.
        public var groups: [AutoScalingGroup]
        /// For a `resolve:ssm:NAME` base: the parameter's current version, or why it cannot be read.
        public var parameter: Parameter?
        public var parameterProblem: String?

        public init(region: Region, name: String, template: LaunchTemplate?, problem: String? = nil, base: LaunchTemplateVersion?,
                    versions: [LaunchTemplateVersion] = [], groups: [AutoScalingGroup] = [], parameter: Parameter? = nil, parameterProblem: String? = nil) {
            self.region = region
            self.name = name
            self.template = template
            self.problem = problem
            self.base = base
            self.versions = versions
            self.groups = groups
            self.parameter = parameter
            self.parameterProblem = parameterProblem
        }
    }

    public static func read(_ name: String, region: Region, image: Image?, options: Options,
                            cloud: some LaunchTemplateCloud & ParameterCloud & AutoScalingCloud) async throws -> Snapshot {
        var snapshot = Snapshot(region: region, name: name, template: nil, base: nil)
        do {
            snapshot.template = try await cloud.describeLaunchTemplates(region: region, names: [name]).first
        } catch let e as IngotError where e.kind == .refused {
            snapshot.problem = e.message
        }
        guard snapshot.template != nil else { return snapshot }
        let selector: TemplateVersionSelector = options.base == .default ? .default : .latest
        snapshot.base = try await cloud.describeLaunchTemplateVersions(region: region, name: name, versions: [selector]).first
        guard let base = snapshot.base, image != nil else { return snapshot }
        if let parameter = base.data.ssmParameter {
            guard !parameter.contains(":") else { return snapshot }
            do {
                snapshot.parameter = try await cloud.getParameter(region: region, name: parameter)
            } catch let e as IngotError where e.kind == .refused {
                snapshot.parameterProblem = e.message
            }
            return snapshot
        }
        if options.keep != nil {
            snapshot.versions = try await cloud.describeLaunchTemplateVersions(region: region, name: name, versions: [])
        } else if base.data.imageId != image?.id.rawValue, let latest = snapshot.template?.latestVersionNumber, latest > base.versionNumber {
            // Only a version after the base can already reference the image: read those, not a history
            // that grows with every build.
            snapshot.versions = try await cloud.describeLaunchTemplateVersions(region: region, name: name, versions: [.range((base.versionNumber + 1)...latest)])
        }
        if options.keep != nil {
            snapshot.groups = try await cloud.describeAutoScalingGroups(region: region, names: []).filter { $0.launchTemplateName == name }
        }
        return snapshot
    }

    // MARK: Decide

    /// What a run writes for one template: the dry run's answer is `result`.
    public struct Plan: Sendable, Hashable {
        /// As a dry run reports it (actions in their `would-` form; a new version's number as predicted).
        public var result: TemplateRefreshResult
        public var createVersion: CreateLaunchTemplateVersionRequest?
        /// PutParameter of the golden image's id (a `resolve:ssm:` template).
        public var putParameter: String?
        /// Make this version the default (the new version's when one is created).
        public var setDefault: Int?
        /// DeleteLaunchTemplateVersions, newest first.
        public var deleteVersions: [Int]
    }

    /// The decision, from values only.
    public static func plan(_ snapshot: Snapshot, resolution: RegionResolution, options: Options) -> Plan {
        let region = snapshot.region, name = snapshot.name
        var result = TemplateRefreshResult(region: region, launchTemplateName: name, action: .blocked, deletedVersions: [])
        var plan = Plan(result: result, createVersion: nil, putParameter: nil, setDefault: nil, deleteVersions: [])
        guard let template = snapshot.template else {
            plan.result.reason = snapshot.problem ?? "no launch template \(name) in \(region)"
            return plan
        }
        result.defaultVersion = template.defaultVersionNumber
        guard let base = snapshot.base else {
            result.reason = "no \(options.base == .default ? "$Default" : "$Latest") version"
            plan.result = result
            return plan
        }
        result.previousImageId = base.data.imageId
        guard let image = resolution.image else {
            let why = resolution.rejected.first.map { "\($0.image.id): \($0.reason.text)" } ?? "no candidate images"
            result.reason = "no eligible golden image in \(region) (\(resolution.rejected.count) rejected; newest: \(why))"
            plan.result = result
            return plan
        }
        result.imageId = image.id
        result.imageName = image.name

        // A template that reads `resolve:ssm:NAME` keeps its versions; the parameter gets a new version.
        if let parameter = base.data.ssmParameter {
            result.parameter = parameter
            if parameter.contains(":") {
                result.reason = "the template pins parameter version or label \(parameter); refresh the parameter itself"
            } else if let current = snapshot.parameter {
                result.previousImageId = current.value
                if current.value == image.id.rawValue {
                    result.action = .unchanged
                    result.parameterVersion = current.version
                } else {
                    result.action = .wouldUpdateParameter
                    result.parameterVersion = current.version + 1
                    plan.putParameter = parameter
                }
            } else {
                result.reason = "parameter \(parameter): \(snapshot.parameterProblem ?? "not found")"
            }
            plan.result = result
            return plan
        }

        var numbers = snapshot.versions.map(\.versionNumber)
        if let done = versionReferencing(image.id, base: base, later: snapshot.versions) {
            result.action = .unchanged
            result.version = done
        } else {
            let next = template.latestVersionNumber + 1
            result.action = .wouldCreate
            result.version = next
            numbers.append(next)
            plan.createVersion = CreateLaunchTemplateVersionRequest(
                region: region, name: name, sourceVersion: .number(base.versionNumber), data: LaunchTemplateData(imageId: image.id.rawValue),
                versionDescription: description(for: image),
                clientToken: clientToken(templateId: template.id, baseVersion: base.versionNumber, image: image.id))
        }
        if options.setDefault, let version = result.version, version != template.defaultVersionNumber {
            result.defaultVersion = version
            plan.setDefault = version
            if result.action == .unchanged { result.action = .wouldChangeDefault }
        }
        if let keep = options.keep {
            // Never the default, the version that references the image, or a version a group launches from or runs.
            var protected: Set<Int> = [result.defaultVersion ?? template.defaultVersionNumber, result.version ?? 0]
            for group in snapshot.groups {
                if case .number(let n) = group.launchTemplateVersion { protected.insert(n) }
                protected.formUnion(group.instances.map(\.launchTemplateVersion))
            }
            plan.deleteVersions = versionsToDelete(numbers, keep: keep, protected: protected)
            result.deletedVersions = plan.deleteVersions.sorted()
            if result.action == .unchanged && !plan.deleteVersions.isEmpty { result.action = .wouldPrune }
        }
        plan.result = result
        return plan
    }

    // MARK: Apply

    /// Carries out a plan; the result is the plan's, with what the cloud answered (the version created,
    /// the default it reports, the versions it deleted: one another process deleted first is not listed).
    public static func apply(_ plan: Plan, cloud: some LaunchTemplateCloud & ParameterCloud) async throws -> TemplateRefreshResult {
        var result = plan.result
        let region = result.region, name = result.launchTemplateName
        if let request = plan.createVersion {
            result.version = try await cloud.createLaunchTemplateVersion(request).versionNumber
        }
        if let parameter = plan.putParameter, let image = result.imageId {
            result.parameterVersion = try await cloud.putParameter(region: region, name: parameter, value: image.rawValue, dataType: "aws:ec2:image", overwrite: true)
        }
        if plan.setDefault != nil, let version = result.version {
            result.defaultVersion = try await cloud.modifyLaunchTemplate(region: region, name: name, defaultVersion: version).defaultVersionNumber
        }
        if !plan.deleteVersions.isEmpty {
            // DeleteLaunchTemplateVersions takes at most 200 versions a call.
            var deleted: [Int] = []
            var rest = plan.deleteVersions[...]
            while !rest.isEmpty {
                deleted += try await cloud.deleteLaunchTemplateVersions(region: region, name: name, versions: Array(rest.prefix(200))).deleted
                rest = rest.dropFirst(200)
            }
            let gone = Set(deleted)
            result.deletedVersions = plan.deleteVersions.filter(gone.contains).sorted()
        }
        switch result.action {
        case .wouldCreate: result.action = .createdVersion
        case .wouldUpdateParameter: result.action = .updatedParameter
        case .wouldChangeDefault: result.action = .changedDefault
        case .wouldPrune: result.action = result.deletedVersions.isEmpty ? .unchanged : .pruned
        default: break
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
}
