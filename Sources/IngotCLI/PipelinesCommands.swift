import ArgumentParser
import Foundation
import IngotAWS
import IngotCore
import IngotLocal

/// `ingot pipelines`: Image Builder pipelines on the local cloud, in virtual time.
struct Pipelines: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipelines",
        abstract: "Golden image pipelines as EC2 Image Builder runs them: apply, run, schedule, executions, cancel (local cloud, virtual time).",
        discussion: """
            Builds and tests are simulated, never executed: steps take their action module's time, in virtual time. \
            Any command at time T first brings due work up to T (steps complete, schedules fire, copies land). See docs/pipelines.md.
            """,
        subcommands: [PipelinesApply.self, PipelinesRun.self, PipelinesSchedule.self, PipelinesExecutions.self, PipelinesCancel.self]
    )
}

struct PipelinesApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Create the imageBuilder: resources of ingot.yaml that are missing (components and recipes are immutable).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Option(name: .shortAndLong, help: "The ingot.yaml with an imageBuilder: section.") var file: String = "ingot.yaml"
    @Flag(help: "Say what would change; write nothing.") var dryRun = false

    func run() async throws {
        let config = try YAMLFile.config(file)
        guard let definitions = config.imageBuilder else { throw IngotError.invalid("file", "\(file) has no imageBuilder: section") }
        let defaultRegion = try region.resolve()
        // Bad documents are refused before the store is opened (exit 2, nothing written).
        _ = try LocalCloud.componentDocuments(definitions)
        let cloud = try await global.cloud()
        let outcomes = try await cloud.applyImageBuilder(definitions, defaultRegion: defaultRegion, dryRun: dryRun)
        if global.structured { return try Output.document(global.output, outcomes) }
        Output.table(["ACTION", "TYPE", "NAME", "ARN", "NOTE"], outcomes.map { [$0.action, $0.type, $0.name, $0.arn, $0.note ?? ""] })
    }
}

struct PipelinesRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Start a pipeline execution now (StartImagePipelineExecution): a build whose timeline runs in virtual time.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Argument(help: "The pipeline's name or ARN.") var pipeline: String
    @Option(name: .customLong("fail-step"), help: "Make a step fail: COMPONENT/PHASE/STEP (repeatable).") var failSteps: [String] = []
    @Option(name: .customLong("step-failure-rate"), help: "Each step attempt fails with this probability (0 to 1).") var stepFailureRate: Double = 0

    func run() async throws {
        let faults = BuildPlanner.Faults(failSteps: failSteps, stepFailureRate: stepFailureRate)
        try faults.validate()
        let region = try region.resolve()
        let cloud = try await global.cloud()
        let build = try await cloud.startPipelineExecution(pipeline, region: region, faults: faults)
        if global.structured { return try Output.document(global.output, ImageDocument(build, at: cloud.clock.now)) }
        Output.line("\(build.arn): PENDING (started \(Output.time(build.timeline.requestedAt)))")
        Output.table(["WHEN", "WHAT"], BuildPlan.milestones(build).map { [Output.time($0.0), $0.1] })
        Output.note("These are planned; each happens when virtual time reaches it. See it with `ingot imagebuilder show image \(build.arn) --at TIME`.")
    }
}

struct PipelinesSchedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run (or with --dry-run, show) what the schedules start between now and --until, with the reason for each build or skip.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Until when: an ISO-8601 time or +N[s|m|h|d|w] from now (e.g. +365d).") var until: String
    @Flag(help: "Run it on a copy of the store and report; the store is left as it is.") var dryRun = false
    @Flag(help: "List every build status change too, not only ticks and outcomes.") var all = false

    func run() async throws {
        var cloud = try await global.cloud()
        let target = try parseTime(until, field: "until", relativeTo: cloud.clock.now)
        guard target >= cloud.clock.now else { throw IngotError.invalid("until", "\(Output.time(target)) is before now (\(Output.time(cloud.clock.now)))") }
        var scratch: String?
        if dryRun {
            let path = NSTemporaryDirectory() + "ingot-schedule-\(ProcessInfo.processInfo.processIdentifier).sqlite"
            try cloud.store.copy(to: path)
            scratch = path
            cloud = LocalCloud(store: try Store(path: path), caller: cloud.caller, clock: cloud.clock)
        }
        defer {
            if let scratch { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) } }
        }
        let events = try await cloud.at(.at(target)).catchUp()
        let shown = events.filter { all || $0.kind == .tick || $0.kind == .release || [.available, .failed, .cancelled].contains($0.status) }
        if global.structured { return try Output.document(global.output, ScheduleReport(until: target, dryRun: dryRun, events: shown)) }
        Output.table(["TIME", "EVENT", "PIPELINE/IMAGE", "DETAIL"], shown.map { e in
            switch e.kind {
            case .release: [Output.time(e.at), "release", "base images", e.reason ?? ""]
            case .tick: [Output.time(e.at), e.decision ?? "tick", Self.short(e.pipeline), e.reason ?? ""]
            case .status: [Output.time(e.at), e.status?.rawValue ?? "", Self.short(e.image), e.reason ?? ""]
            }
        })
        let builds = events.filter { $0.decision == "build" }.count, skips = events.filter { $0.decision == "skip" }.count
        Output.note("\(Output.count(builds, "build")) started, \(Output.count(skips, "tick")) skipped until \(Output.time(target))\(dryRun ? " (dry run: nothing after now was written)" : "").")
    }

    static func short(_ arn: String?) -> String {
        guard let arn, let slash = arn.firstIndex(of: "/") else { return arn ?? "" }
        return String(arn[arn.index(after: slash)...])
    }
}

struct ScheduleReport: Encodable {
    var until: Date
    var dryRun: Bool
    var events: [PipelineEvent]
}

struct PipelinesExecutions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "executions", abstract: "A pipeline's builds: status, how they started, when, and why they failed.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Argument(help: "The pipeline's name or ARN.") var pipeline: String

    func run() async throws {
        let region = try region.resolve()
        let cloud = try await global.cloud()
        _ = try await cloud.imageBuilderResource(.imagePipeline, pipeline, region: region)
        let now = cloud.clock.now
        let builds = try await cloud.imageBuilds(region: region, pipeline: pipeline).filter { $0.timeline.requestedAt <= now }
        if global.structured { return try Output.document(global.output, builds.map { ImageDocument($0, at: now) }) }
        Output.table(["IMAGE", "STATUS", "TYPE", "STARTED", "FINISHED", "REASON"], builds.map { b in
            let status = b.status(at: now)
            return [b.version.description, status.rawValue, b.buildType, Output.time(b.timeline.requestedAt),
                    status.isTerminal ? Output.time(b.history.last { $0.at <= now }?.at) : "-", b.history.last { $0.at <= now }?.reason ?? ""]
        })
    }
}

struct PipelinesCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a build in a non-terminal state (CancelImageCreation).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The image's build version ARN.") var image: String

    func run() async throws {
        let cloud = try await global.cloud()
        let build = try await cloud.cancelImageCreation(image)
        if global.structured { return try Output.document(global.output, ImageDocument(build, at: cloud.clock.now)) }
        Output.line("\(build.arn): CANCELLED at \(Output.time(cloud.clock.now))")
    }
}

/// A build's planned milestones, for `pipelines run`.
enum BuildPlan {
    static func milestones(_ build: ImageBuild) -> [(Date, String)] {
        let t = build.timeline
        var out: [(Date, String)] = [(t.buildInstanceAt, "BUILDING: build instance from \(build.inputs.parentImageName) (\(build.inputs.parentImageId))")]
        if let end = t.buildEnd, let available = t.amiAvailableAt {
            out.append((end, "build and validate phases done (\(Output.count(t.steps.filter { $0.phase != "test" }.count, "step"))); CreateImage"))
            out.append((available, t.testInstanceAt != nil ? "AMI available; TESTING on a test instance" : "AMI available (tests disabled)"))
        }
        if let end = t.testEnd { out.append((end, "tests pass (\(Output.count(t.steps.filter { $0.phase == "test" }.count, "step"))); DISTRIBUTING")) }
        if let f = t.failure { out.append((f.at, "FAILED: \(f.stepName) (\(f.action)) in \(f.phaseName) of \(f.componentArn)")) }
        return out
    }
}

/// An image as Image Builder's GetImage answers, with what Ingot adds (the status history and steps).
struct ImageDocument: Encodable {
    struct State: Encodable { var status: String; var reason: String? }
    struct AMI: Encodable { var region: String; var image: String; var name: String; var accountId: String }
    struct Outputs: Encodable { var amis: [AMI] }

    var arn: String
    var name: String
    var version: String
    var state: State
    var buildType: String
    var imageRecipeArn: String
    var sourcePipelineArn: String?
    var infrastructureConfigurationArn: String
    var distributionConfigurationArn: String?
    var dateCreated: Date
    var parentImage: String
    var components: [String]
    var outputResources: Outputs
    var failureContext: BuildTimeline.Failure?
    var statusHistory: [StatusChange]
    var steps: [BuildTimeline.Step]
    var distribution: DistributionProgress?

    init(_ build: ImageBuild, at now: Date) {
        let history = build.history.filter { $0.at <= now }
        arn = build.arn.description
        name = build.name
        version = build.version.description
        state = State(status: build.status(at: now).rawValue, reason: history.last?.reason)
        buildType = build.buildType
        imageRecipeArn = build.recipeArn.description
        sourcePipelineArn = build.pipelineArn?.description
        infrastructureConfigurationArn = build.infrastructureConfigurationArn.description
        distributionConfigurationArn = build.distributionConfigurationArn?.description
        dateCreated = build.timeline.requestedAt
        parentImage = build.inputs.parentImageId.rawValue
        components = build.inputs.components.map(\.arn.description)
        let finished = build.status(at: now) == .available
        outputResources = Outputs(amis: finished ? build.outputs.map { AMI(region: $0.region.code, image: $0.image.rawValue, name: $0.name, accountId: $0.accountId.rawValue) } : [])
        // "Image Builder only sets this property when the image status is FAILED."
        failureContext = build.status(at: now) == .failed ? build.timeline.failure : nil
        statusHistory = history
        steps = build.timeline.steps.filter { $0.start <= now }
        distribution = build.distribution
    }
}

/// `ingot imagebuilder`: the Image Builder resources in the store.
struct ImageBuilderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagebuilder", abstract: "List and show Image Builder resources: components, recipes, infrastructure, distributions, pipelines, images.",
        subcommands: [ImageBuilderList.self, ImageBuilderShow.self])
}

enum ImageBuilderKind: String, ExpressibleByArgument, CaseIterable {
    case components, recipes, infrastructure, distributions, pipelines, images

    var type: ImageBuilderARN.ResourceType {
        switch self {
        case .components: .component
        case .recipes: .imageRecipe
        case .infrastructure: .infrastructureConfiguration
        case .distributions: .distributionConfiguration
        case .pipelines: .imagePipeline
        case .images: .image
        }
    }
}

struct ImageBuilderList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List resources of one kind (components include AWS-managed ones with --owner Amazon).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Argument(help: "components, recipes, infrastructure, distributions, pipelines or images.") var kind: ImageBuilderKind
    @Option(help: "For components: Self (default) or Amazon.") var owner: String = "Self"

    func run() async throws {
        guard ["Self", "Amazon"].contains(owner) else { throw IngotError.invalid("owner", "'\(owner)'; accepted: Self, Amazon") }
        let region = try region.resolve()
        let cloud = try await global.cloud()
        let now = cloud.clock.now
        if kind == .images {
            let builds = try await cloud.imageBuilds(region: region).filter { $0.timeline.requestedAt <= now }
            if global.structured { return try Output.document(global.output, builds.map { ImageDocument($0, at: now) }) }
            return Output.table(["NAME", "VERSION", "STATUS", "TYPE", "CREATED", "OUTPUTS"], builds.map { b in
                [b.name, b.version.description, b.status(at: now).rawValue, b.buildType, Output.time(b.timeline.requestedAt),
                 b.status(at: now) == .available ? b.outputs.map { "\($0.region.code):\($0.image)" }.joined(separator: " ") : "-"]
            })
        }
        if kind == .components, owner == "Amazon" {
            let entries = ManagedComponents.catalog
            if global.structured {
                return try Output.document(global.output, entries.map { ResourceSummary(arn: $0.arn(in: region).description, name: $0.name, version: $0.version.description,
                                                                                        type: $0.type.rawValue, owner: "Amazon", dateCreated: nil, status: nil, detail: $0.description) })
            }
            return Output.table(["NAME", "VERSION", "TYPE", "PLATFORM", "DESCRIPTION"], entries.map { [$0.name, $0.version.description, $0.type.rawValue, $0.platform.rawValue, $0.description] })
        }
        let records = try await cloud.imageBuilderResources(kind.type, region: region)
        let summaries = records.map { ResourceSummary($0) }
        if global.structured { return try Output.document(global.output, summaries) }
        Output.table(["NAME", "VERSION", "STATUS", "CREATED", "DETAIL", "ARN"], summaries.map {
            [$0.name, $0.version ?? "-", $0.status ?? "-", Output.time($0.dateCreated), $0.detail, $0.arn]
        })
    }
}

/// One line of `imagebuilder list`.
struct ResourceSummary: Encodable {
    var arn: String
    var name: String
    var version: String?
    var type: String?
    var owner: String
    var dateCreated: Date?
    var status: String?
    var detail: String

    init(arn: String, name: String, version: String?, type: String?, owner: String, dateCreated: Date?, status: String?, detail: String) {
        (self.arn, self.name, self.version, self.type, self.owner, self.dateCreated, self.status, self.detail) = (arn, name, version, type, owner, dateCreated, status, detail)
    }

    init(_ record: ImageBuilderRecord) {
        let definition = (try? JSONValue.parse(Array(record.definition.utf8))) ?? .null
        let name = definition.object?["name"]?.string ?? record.name
        var detail = ""
        switch record.type {
        case .component: detail = "\(definition.object?["type"]?.string ?? "") \(definition.object?["platform"]?.string ?? "")"
        case .imageRecipe: detail = "parent \(definition.object?["parentImage"]?.string ?? "?"), \(definition.object?["components"]?.array?.count ?? 0) components"
        case .infrastructureConfiguration: detail = (definition.object?["instanceTypes"]?.array?.compactMap(\.string) ?? ["m5.large"]).joined(separator: ",")
        case .distributionConfiguration: detail = (definition.object?["distributions"]?.array?.compactMap { $0.object?["region"]?.string } ?? []).joined(separator: ",")
        case .imagePipeline:
            let schedule = definition.object?["schedule"]
            detail = [schedule?.object?["scheduleExpression"]?.string, schedule?.object?["timezone"]?.string,
                      record.consecutiveFailures > 0 ? Output.count(record.consecutiveFailures, "consecutive failure") : nil].compactMap { $0 }.joined(separator: " ")
        default: break
        }
        let version = record.version.map { v in record.build.map { "\(v)/\($0)" } ?? v }
        self.init(arn: record.arn.description, name: name, version: version, type: nil, owner: "Self", dateCreated: record.dateCreated, status: record.status, detail: detail)
    }
}

struct ImageBuilderShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one resource (its definition as created), or an image build with its status at the clock's time.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Argument(help: "component, recipe, infrastructure, distribution, pipeline or image.") var kind: String
    @Argument(help: "The name (NAME or NAME/VERSION) or ARN.") var resource: String

    func run() async throws {
        let kinds: [String: ImageBuilderKind] = ["component": .components, "recipe": .recipes, "infrastructure": .infrastructure, "distribution": .distributions,
                                                 "pipeline": .pipelines, "image": .images]
        guard let kind = kinds[kind] ?? ImageBuilderKind(rawValue: kind) else {
            throw IngotError.invalid("kind", "'\(kind)'; accepted: \(kinds.keys.sorted().joined(separator: ", "))")
        }
        let region = try region.resolve()
        let cloud = try await global.cloud()
        let now = cloud.clock.now
        if kind == .images {
            let build = try await cloud.imageBuild(resource)
            let document = ImageDocument(build, at: now)
            if global.structured { return try Output.document(global.output, document) }
            Output.fields([("Image", document.arn), ("Status", document.state.status + (document.state.reason.map { ": \($0)" } ?? "")),
                           ("Type", document.buildType), ("Recipe", document.imageRecipeArn), ("Pipeline", document.sourcePipelineArn ?? "-"),
                           ("Parent", "\(build.inputs.parentImageName) (\(build.inputs.parentImageId))"),
                           ("Components", build.inputs.components.map { "\($0.name) \($0.version)" }.joined(separator: ", ")),
                           ("Outputs", document.outputResources.amis.map { "\($0.region) \($0.image) (\($0.accountId))" }.joined(separator: ", ").ifEmpty("-"))])
            Output.table(["STATUS", "SINCE", "REASON"], document.statusHistory.map { [$0.status.rawValue, Output.time($0.at), $0.reason ?? ""] })
            Output.table(["COMPONENT", "PHASE", "STEP", "ACTION", "START", "END", "ATTEMPTS", "STATUS"], document.steps.map {
                [$0.component, $0.phase, $0.name, $0.action, Output.time($0.start), $0.end <= now ? Output.time($0.end) : "running", String($0.attempts),
                 $0.end <= now ? $0.status : "Running"]
            })
            return
        }
        let record = try await cloud.imageBuilderResource(kind.type, resource, region: region)
        let definition = try JSONValue.parse(Array(record.definition.utf8))
        let document = ResourceDocument(arn: record.arn.description, dateCreated: record.dateCreated, dateUpdated: record.dateUpdated,
                                        status: record.status, consecutiveFailures: record.type == .imagePipeline ? record.consecutiveFailures : nil,
                                        definition: definition)
        if global.structured { return try Output.document(global.output, document) }
        Output.fields([("ARN", document.arn), ("Created", Output.time(document.dateCreated)), ("Updated", Output.time(document.dateUpdated))]
                      + (document.status.map { [("Status", $0), ("Consecutive failures", String(record.consecutiveFailures))] } ?? []))
        try Output.document(.yaml, definition)
    }
}

/// `imagebuilder show` of a resource: what the service adds, and the definition as created.
struct ResourceDocument: Encodable {
    var arn: String
    var dateCreated: Date
    var dateUpdated: Date?
    var status: String?
    var consecutiveFailures: Int?
    var definition: JSONValue
}

extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
