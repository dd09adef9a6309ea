import Foundation

/// How far a distribution has got: each output AMI, and per region whether sharing, launch templates
/// and SSM parameters are done.
public struct DistributionProgress: Sendable, Hashable, Codable {
    /// An output AMI: the distributing account's in each region, plus one per target account.
    public struct Output: Sendable, Hashable, Codable {
        public var region: Region
        public var accountId: AccountID
        public var imageId: ImageID?
        public var name: String
        /// pending, available or failed (the EC2 image state).
        public var state: String
        public var reason: String?
    }

    /// What was done in one region once its outputs were available.
    public struct RegionResult: Sendable, Hashable, Codable {
        public var region: Region
        public var finished: Bool
        /// Launch permissions added, as `account:ID`, `all`, or an organization ARN.
        public var shared: [String]
        public var launchTemplates: [TemplateOutcome]
        public var parameters: [ParameterOutcome]
        /// Why the region could not be finished (the step, as Image Builder's `imageConfigurationStep`
        /// names it, and the cloud's answer); a later run tries again.
        public var failure: String?
    }

    /// A launch template configuration's outcome.
    public struct TemplateOutcome: Sendable, Hashable, Codable {
        public var launchTemplate: String
        public var accountId: AccountID
        /// The refresher's action: created-version, changed-default, updated-parameter, unchanged, blocked.
        public var action: String
        public var version: Int?
        public var defaultVersion: Int?
        public var reason: String?
    }

    /// An SSM parameter configuration's outcome.
    public struct ParameterOutcome: Sendable, Hashable, Codable {
        public var parameterName: String
        public var value: String
        /// created, updated or unchanged.
        public var action: String
        public var version: Int?
    }

    public var outputs: [Output]
    public var regions: [RegionResult]

    /// Every region done.
    public var isComplete: Bool { regions.allSatisfy(\.finished) }
    /// The first failed output or region step, as `state.reason` would say it.
    public var failure: String? {
        if let output = outputs.first(where: { $0.state == "failed" }) {
            return "Distribution to \(output.region) (account \(output.accountId)) failed: \(output.reason ?? "the copy failed")"
        }
        return regions.first { $0.failure != nil }.map { "Distribution to \($0.region) failed: \($0.failure ?? "")" }
    }
    /// Outputs still being copied.
    public var pending: [Output] { outputs.filter { $0.state == "pending" } }
}

/// Image Builder's distribution, over the `Cloud` protocol so that it runs on both backends: copies
/// to each region (one per target account too), sharing, launch template versions and SSM parameters.
///
/// Idempotent and resumable: an output is found by its name in its region before a copy is made, a
/// permission already granted is not granted again, the refresher writes no duplicate template version,
/// and a parameter that already holds the id is left alone. ``start(_:configuration:cloud:account:)``
/// begins the copies; ``advance(_:source:configuration:cloud:account:poll:)`` notes which landed and
/// finishes each region whose copies all did. Copies carry the source's user tags (CopyImageTags), the
/// distribution's `amiTags` and the source's Image Builder tags. AWS documents: "When `launchTemplateConfigurations`
/// are present during the build process, Image Builder creates a new version of the launch template
/// that includes all of the original settings from the template, and the new AMI ID from the build."
public enum Distributor {
    /// The image being distributed.
    public struct Source: Sendable, Hashable {
        public var image: Image
        /// The name outputs get when the distribution names none.
        public var defaultName: String
        public var buildDate: Date
        public var buildVersion: ImageVersion
        /// Tags every copy gets besides the distribution's `amiTags` (Image Builder's CreatedBy and Ec2ImageBuilderArn).
        public var tags: [Tag]

        public init(image: Image, defaultName: String? = nil, buildDate: Date? = nil, buildVersion: ImageVersion? = nil, tags: [Tag] = []) {
            self.image = image
            self.defaultName = defaultName ?? image.name
            self.buildDate = buildDate ?? image.creationDate
            self.buildVersion = buildVersion ?? image.imageVersion ?? ImageVersion(major: 1, minor: 0, patch: 0, build: 1)
            self.tags = tags
        }
    }

    /// The output AMI name in `distribution`'s region.
    /// - Parameters:
    ///   - distribution: the region's entry.
    ///   - source: the image distributed.
    public static func outputName(_ distribution: Distribution, source: Source) -> String {
        guard let template = distribution.amiDistributionConfiguration?.name else { return source.defaultName }
        return AMINameTemplate.fill(template, buildDate: source.buildDate, buildVersion: source.buildVersion)
    }

    /// Finds or starts every output copy.
    /// - Parameters:
    ///   - source: the image, in its region.
    ///   - configuration: the distribution configuration.
    ///   - cloud: the distributing account.
    ///   - account: the cloud acting as another account (target accounts).
    public static func start<C: LaunchTemplateCloud & ParameterCloud & AutoScalingCloud>(
        _ source: Source, configuration: DistributionConfigurationDefinition, cloud: C, account: @Sendable (AccountID) async throws -> C
    ) async throws -> DistributionProgress {
        var progress = DistributionProgress(outputs: [], regions: [])
        let image = source.image
        for distribution in configuration.distributions {
            let region = distribution.region
            let name = outputName(distribution, source: source)
            let ami = distribution.amiDistributionConfiguration
            let tags = source.tags.setting((ami?.amiTags ?? [:]).sorted { $0.key < $1.key }.map { Tag(key: $0.key, value: $0.value) })
            if region == image.region {
                // The build region's output is the image itself (it was made with this region's name).
                if !tags.isEmpty, !tags.allSatisfy({ image.tags[tag: $0.key] == $0.value }) {
                    try await cloud.createTags(region: region, imageId: image.id, tags: tags)
                }
                progress.outputs.append(output(image, region: region, account: cloud.caller, name: image.name))
            } else {
                progress.outputs.append(try await copy(source, to: region, name: name, ami: ami, tags: tags, as: cloud))
            }
            for target in try (ami?.targetAccountIds ?? []).map({ try AccountID($0, field: "targetAccountIds") }) where target != cloud.caller {
                // The target account copies the image: it must be shared with it first.
                let current = try await cloud.describeImage(image.id, region: image.region)
                if current?.launchPermissions.userIds.contains(target) != true {
                    try await cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: image.region, imageId: image.id, add: [.account(target)]))
                }
                progress.outputs.append(try await copy(source, to: region, name: name, ami: ami, tags: tags, as: try await account(target)))
            }
            progress.regions.append(.init(region: region, finished: false, shared: [], launchTemplates: [], parameters: [], failure: nil))
        }
        return progress
    }

    /// An output as its image stands: pending, available, or failed (any other state: disabled or
    /// deregistered, it will never be available).
    static func output(_ image: Image, region: Region, account: AccountID, name: String) -> DistributionProgress.Output {
        switch image.state {
        case .pending, .available:
            return .init(region: region, accountId: account, imageId: image.id, name: name, state: image.state.rawValue)
        default:
            return .init(region: region, accountId: account, imageId: image.id, name: name, state: "failed",
                         reason: image.stateReason ?? "the image is \(image.state.rawValue)")
        }
    }

    static func copy(_ source: Source, to region: Region, name: String, ami: AMIDistributionConfiguration?, tags: [Tag], as cloud: some Cloud) async throws -> DistributionProgress.Output {
        let imageName = try ImageName(name, field: "amiDistributionConfiguration.name")
        if let existing = try await cloud.describeImages(DescribeImagesRequest(region: region, owners: [.caller], filters: [.name([name])],
                                                                               includeDeprecated: true, includeDisabled: true)).first {
            // The copy an earlier run made: same source (a backend that does not report the source, as
            // moto, is trusted on the name). Another image with the name blocks the copy, as on AWS.
            guard existing.sourceImageId.map({ $0 == source.image.id }) ?? true else {
                return .init(region: region, accountId: cloud.caller, imageId: nil, name: name, state: "failed",
                             reason: "InvalidAMIName.Duplicate: AMI name \(name) is already in use by AMI \(existing.id)")
            }
            return output(existing, region: region, account: cloud.caller, name: name)
        }
        do {
            let id = try await cloud.copyImage(CopyImageRequest(
                sourceRegion: source.image.region, sourceImageId: source.image.id, region: region, name: imageName,
                description: ami?.description ?? source.image.description, copyImageTags: true, tags: tags,
                encrypted: ami?.kmsKeyId != nil, kmsKeyId: ami?.kmsKeyId))
            // A copy starts pending ("The new AMI enters the pending state"); advance() sees it land.
            return .init(region: region, accountId: cloud.caller, imageId: id, name: name, state: ImageState.pending.rawValue)
        } catch let e as IngotError where e.kind != .failed {
            return .init(region: region, accountId: cloud.caller, imageId: nil, name: name, state: "failed", reason: e.description)
        }
    }

    /// Notes which copies landed (or failed), then shares, writes launch template versions and SSM
    /// parameters in each region whose outputs are all available.
    /// - Parameters:
    ///   - progress: what ``start(_:configuration:cloud:account:)`` (or an earlier call) returned.
    ///   - source: the image distributed.
    ///   - configuration: the distribution configuration.
    ///   - cloud: the distributing account.
    ///   - account: the cloud acting as another account.
    ///   - poll: whether to ask again about pending outputs (false right after ``start(_:configuration:cloud:account:)``,
    ///     which has just described or made each of them).
    public static func advance<C: LaunchTemplateCloud & ParameterCloud & AutoScalingCloud>(
        _ progress: DistributionProgress, source: Source, configuration: DistributionConfigurationDefinition, cloud: C,
        account: @Sendable (AccountID) async throws -> C, poll: Bool = true
    ) async throws -> DistributionProgress {
        var progress = progress
        func acting(_ id: AccountID) async throws -> C { id == cloud.caller ? cloud : try await account(id) }
        // What this call learnt of each output, so that finishing its region does not ask again.
        var described: [ImageID: Image] = [:]
        for i in progress.outputs.indices where poll && progress.outputs[i].state == "pending" {
            let output = progress.outputs[i]
            guard let id = output.imageId else { continue }
            let image = try? await acting(output.accountId).describeImage(id, region: output.region)
            if let image { described[id] = image }
            progress.outputs[i] = image.map { Self.output($0, region: output.region, account: output.accountId, name: output.name) }
                ?? .init(region: output.region, accountId: output.accountId, imageId: id, name: output.name, state: "failed", reason: "the copy \(id) is gone")
        }
        for r in progress.regions.indices where !progress.regions[r].finished {
            let region = progress.regions[r].region
            let outputs = progress.outputs.filter { $0.region == region }
            guard outputs.allSatisfy({ $0.state == "available" }),
                  let distribution = configuration.distributions.first(where: { $0.region == region }) else { continue }
            func output(for id: AccountID) -> ImageID? { (outputs.first { $0.accountId == id } ?? outputs.first { $0.accountId == cloud.caller })?.imageId }
            var result = progress.regions[r]
            (result.shared, result.launchTemplates, result.parameters, result.failure) = ([], [], [], nil)
            do {
                try await finish(distribution, region: region, into: &result, output: output, described: described, cloud: cloud, acting: acting)
            } catch let e as IngotError where e.kind != .failed {
                result.failure = (result.failure.map { "\($0): " } ?? "") + e.description
            }
            progress.regions[r] = result
            guard result.failure == nil else { continue }
            progress.regions[r].finished = true
        }
        return progress
    }
}

extension Distributor {
    /// Sharing, launch templates and parameters of one region whose outputs are available. A step AWS
    /// would fail the distribution on (a template it cannot update, a parameter it cannot write) sets
    /// `result.failure` with Image Builder's step name; the cloud's refusals are thrown.
    static func finish<C: LaunchTemplateCloud & ParameterCloud & AutoScalingCloud>(
        _ distribution: Distribution, region: Region, into result: inout DistributionProgress.RegionResult, output: (AccountID) -> ImageID?,
        described: [ImageID: Image], cloud: C, acting: (AccountID) async throws -> C
    ) async throws {
        // "The launch permission modification request is sent to the Amazon EC2 ModifyImageAttribute API
        // on behalf of the user for each Region they have selected to distribute the AMI."
        if let permission = distribution.amiDistributionConfiguration?.launchPermission, let id = output(cloud.caller) {
            let wanted = try permission.permissions(field: "launchPermission")
            let current = try await cloud.describeImage(id, region: region)?.launchPermissions ?? LaunchPermissions()
            let missing = wanted.filter { !current.grants($0) }
            if !missing.isEmpty {
                try await cloud.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: region, imageId: id, add: missing))
            }
            result.shared = wanted.map(\.text)
        }
        for config in distribution.launchTemplateConfigurations ?? [] {
            let owner = try config.accountId.map { try AccountID($0, field: "launchTemplateConfigurations.accountId") } ?? cloud.caller
            let templateCloud = try await acting(owner)
            guard let id = output(owner) else { continue }
            var image = described[id]
            if image == nil { image = try await templateCloud.describeImage(id, region: region) }
            guard let image else { continue }
            let refreshed = try await TemplateRefresher.refresh(
                template: config.launchTemplateId, region: region, to: image,
                options: TemplateRefresher.Options(base: .default, setDefault: config.setDefaultVersion ?? false), cloud: templateCloud)
            result.launchTemplates.append(.init(launchTemplate: config.launchTemplateId, accountId: owner, action: refreshed.action.rawValue,
                                                version: refreshed.version, defaultVersion: refreshed.defaultVersion, reason: refreshed.reason))
            if refreshed.action == .blocked {
                result.failure = "UPDATE_LAUNCH_TEMPLATES: \(config.launchTemplateId): \(refreshed.reason ?? "blocked")"
                return
            }
        }
        for config in distribution.ssmParameterConfigurations ?? [] {
            // amiAccountId: "Specify an account that will own the Parameter in a given Region." It holds
            // that account's copy, and is written in that account.
            let owner = try config.amiAccountId.map { try AccountID($0, field: "ssmParameterConfigurations.amiAccountId") } ?? cloud.caller
            guard let id = output(owner) else { continue }
            let parameterCloud = try await acting(owner)
            let current = try? await parameterCloud.getParameter(region: region, name: config.parameterName)
            if current?.value == id.rawValue {
                result.parameters.append(.init(parameterName: config.parameterName, value: id.rawValue, action: "unchanged", version: current?.version))
                continue
            }
            // "The image distribution creates the Parameter if it doesn't already exist. Otherwise, it updates the parameter."
            do {
                let version = try await parameterCloud.putParameter(region: region, name: config.parameterName, value: id.rawValue,
                                                                    dataType: config.dataType ?? "aws:ec2:image", overwrite: current != nil)
                result.parameters.append(.init(parameterName: config.parameterName, value: id.rawValue, action: current == nil ? "created" : "updated", version: version))
            } catch let e as IngotError where e.kind != .failed {
                result.failure = "PUT_SSM_PARAMETERS: \(config.parameterName)"
                throw e
            }
        }
    }
}

extension LaunchPermissions {
    /// Whether `permission` is already granted.
    /// - Parameter permission: one launch permission.
    public func grants(_ permission: LaunchPermission) -> Bool {
        switch permission {
        case .account(let id): userIds.contains(id)
        case .everyone: isPublic
        case .organization(let arn): organizationArns.contains(arn)
        case .organizationalUnit(let arn): organizationalUnitArns.contains(arn)
        }
    }
}

extension LaunchPermission {
    /// `account:ID`, `all`, or the organization or OU ARN.
    public var text: String {
        switch self {
        case .account(let id): "account:\(id)"
        case .everyone: "all"
        case .organization(let arn), .organizationalUnit(let arn): arn
        }
    }
}

extension TemplateRefresher {
    /// Points one template at `image` (a new version from the base version with only the image id
    /// changed, unless one already references it): read, plan, apply.
    /// - Parameters:
    ///   - template: the template's name or id.
    ///   - region: its region.
    ///   - image: the image to point it at.
    ///   - options: the refresh options.
    ///   - cloud: the account that owns the template.
    public static func refresh(template: String, region: Region, to image: Image, options: Options,
                               cloud: some LaunchTemplateCloud & ParameterCloud & AutoScalingCloud) async throws -> TemplateRefreshResult {
        let snapshot = try await read(template, region: region, image: image, options: options, cloud: cloud)
        let plan = plan(snapshot, resolution: RegionResolution(region: region, image: image, rejected: []), options: options)
        return options.dryRun ? plan.result : try await apply(plan, cloud: cloud)
    }
}
