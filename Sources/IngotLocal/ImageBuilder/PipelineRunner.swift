import Foundation
import GRDB
import Synchronization
import IngotCore

/// Something the catch-up did, at its virtual time: a catalog release, a schedule's tick (with its
/// decision and reason), or a build's status change.
public struct PipelineEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable { case release, tick, status }

    public var at: Date
    public var kind: Kind
    public var pipeline: String?
    public var image: String?
    public var status: ImageBuildStatus?
    /// For ticks: build or skip.
    public var decision: String?
    public var reason: String?
}

/// Builds (Image Builder images) as rows: the record as JSON, with the columns queries need.
enum BuildRows {
    /// The builds this process last wrote or read, with the exact record text: a record that is still
    /// that text is that build, without decoding it again (a catch-up reads and writes each build at
    /// every stage). Any other text, such as another process's write, is decoded.
    private static let recent = Mutex<[String: (record: String, build: ImageBuild)]>([:])

    private static func remember(_ build: ImageBuild, record: String) {
        recent.withLock { cache in
            if cache.count >= 256 { cache.removeAll(keepingCapacity: true) }
            cache[build.arn.description] = (record, build)
        }
    }

    static func write(_ build: ImageBuild, _ db: Database) throws {
        let record = try DefinitionJSON.encodeRecord(build)
        remember(build, record: record)
        try db.cachedStatement(sql: """
            INSERT INTO ib_image(arn, region, owner_id, name, version, build, pipeline_arn, date_created, next_at, status, record)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(arn) DO UPDATE SET next_at = excluded.next_at, status = excluded.status, record = excluded.record
            """).execute(arguments: [build.arn.description, build.region.code, build.owner.rawValue, build.arn.name, build.version.semantic.description,
                             build.version.build, build.pipelineArn?.description, Timestamp.millis(build.timeline.requestedAt),
                             build.nextAt.map(Timestamp.millis), build.status.rawValue, record])
    }

    static func decode(_ json: String) throws -> ImageBuild {
        do { return try JSONDecoder().decode(ImageBuild.self, from: Data(json.utf8)) } catch {
            throw IngotError.failed("store: an Image Builder image record does not decode: \(error)")
        }
    }

    static func get(_ arn: String, _ db: Database) throws -> ImageBuild? {
        guard let record = try String.fetchOne(db.cachedStatement(sql: "SELECT record FROM ib_image WHERE arn = ?"), arguments: [arn]) else { return nil }
        if let known = recent.withLock({ $0[arn] }), known.record == record { return known.build }
        let build = try decode(record)
        remember(build, record: record)
        return build
    }

    static func builds(region: Region, owner: AccountID, name: String, _ db: Database) throws -> [ImageBuild] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT record FROM ib_image WHERE region = ? AND owner_id = ? AND name = ? ORDER BY version, build"),
                            arguments: [region.code, owner.rawValue, ImageBuilderARN.arnName(name)]).map(decode)
    }

    static func nextBuildNumber(region: Region, owner: AccountID, name: String, version: SemanticVersion, _ db: Database) throws -> Int {
        (try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(build) FROM ib_image WHERE region = ? AND owner_id = ? AND name = ? AND version = ?"),
                          arguments: [region.code, owner.rawValue, ImageBuilderARN.arnName(name), version.description]) ?? 0) + 1
    }

    static func nextDue(_ db: Database) throws -> (String, Date, String?)? {
        try RawQuery.first(db, "SELECT arn, next_at, pipeline_arn FROM ib_image WHERE next_at IS NOT NULL ORDER BY next_at, arn LIMIT 1", []) { r in
            (r.text(0), Timestamp.date(millis: r.int64(1)), r.optionalText(2))
        }
    }

    static func ofPipeline(_ arn: String, _ db: Database) throws -> [ImageBuild] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT record FROM ib_image WHERE pipeline_arn = ? ORDER BY date_created, arn"), arguments: [arn]).map(decode)
    }

    static func lastAvailable(pipeline arn: String, _ db: Database) throws -> ImageBuild? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT arn FROM ib_image WHERE pipeline_arn = ? AND status = 'AVAILABLE' ORDER BY date_created DESC LIMIT 1"),
                            arguments: [arn]).flatMap { try get($0, db) }
    }

    static func inProgress(pipeline arn: String, _ db: Database) throws -> String? {
        // Through the index of builds in progress (a handful), not the pipeline's every build.
        try String.fetchOne(db.cachedStatement(sql: "SELECT arn FROM ib_image INDEXED BY ib_image_due WHERE next_at IS NOT NULL AND pipeline_arn = ? LIMIT 1"),
                            arguments: [arn])
    }
}

/// Builds inside a transaction, as the build's owner at one instant.
struct BuildRunner {
    let ctx: Operations
    let db: Database

    var lookup: ImageBuilderLookup { ImageBuilderLookup(ctx: ctx, db: db) }

    /// The pipeline's recipe, infrastructure and distribution as they are now.
    struct PipelineParts: Sendable {
        /// Whether only a catalog release can give the recipe a newer parent (an AWS-managed image or a
        /// fixed AMI, not a parameter or another pipeline's image, which builds can change).
        var dependsOnCatalogOnly: Bool {
            switch try? ParentImage(recipe.parentImage, field: "parentImage") {
            case .ami: true
            case .image(let arn): arn.isAWSManaged
            case .parameter(let name): Parameter.isPublic(name)
            case nil: false
            }
        }

        /// The catalog family whose releases give the recipe a newer parent (nil: any release might,
        /// or none can).
        var parentFamily: BaseImageCatalog.Family? {
            switch try? ParentImage(recipe.parentImage, field: "parentImage") {
            case .image(let arn) where arn.isAWSManaged: BaseImageCatalog.family(imageBuilderName: arn.name)
            case .parameter(let name): BaseImageCatalog.families.first { $0.parameter == name }
            default: nil
            }
        }

        var pipeline: ImagePipelineDefinition
        var pipelineArn: ImageBuilderARN
        var recipe: ImageRecipeDefinition
        var recipeArn: ImageBuilderARN
        var infrastructure: InfrastructureConfigurationDefinition
        var infrastructureArn: ImageBuilderARN
        var distribution: DistributionConfigurationDefinition?
        var distributionArn: ImageBuilderARN?
    }

    /// The parts a build was started with: its recipe version, infrastructure and distribution (the
    /// pipeline may point elsewhere since; recipes are immutable, so this is exact).
    func parts(of build: ImageBuild, pipeline row: ResourceRow) throws -> PipelineParts {
        var parts = try parts(row)
        guard parts.recipeArn != build.recipeArn || parts.infrastructureArn != build.infrastructureConfigurationArn
                || parts.distributionArn != build.distributionConfigurationArn else { return parts }
        func load<T: Decodable>(_ arn: ImageBuilderARN, _ type: T.Type) throws -> T {
            guard let row = try lookup.newest(arn) else {
                throw IngotError.refused("ResourceNotFoundException", "The following required resource '\(arn.type.rawValue)' cannot be found: '\(arn)'")
            }
            return try row.decode(T.self)
        }
        parts.recipe = try load(build.recipeArn, ImageRecipeDefinition.self)
        parts.recipeArn = build.recipeArn
        parts.infrastructure = try load(build.infrastructureConfigurationArn, InfrastructureConfigurationDefinition.self)
        parts.infrastructureArn = build.infrastructureConfigurationArn
        parts.distribution = try build.distributionConfigurationArn.map { try load($0, DistributionConfigurationDefinition.self) }
        parts.distributionArn = build.distributionConfigurationArn
        return parts
    }

    func parts(_ row: ResourceRow) throws -> PipelineParts {
        let pipeline = try row.decode(ImagePipelineDefinition.self)
        let region = Region(trusted: row.region)
        func find(_ text: String, _ type: ImageBuilderARN.ResourceType) throws -> ResourceRow {
            let arn = try ImageBuilderARN.reference(text, type: type, region: region, owner: ctx.caller, field: type.rawValue)
            guard let found = try lookup.newest(arn) else {
                throw IngotError.refused("ResourceNotFoundException", "The following required resource '\(type.rawValue)' cannot be found: '\(arn)'")
            }
            return found
        }
        let recipe = try find(pipeline.imageRecipeArn, .imageRecipe)
        let infrastructure = try find(pipeline.infrastructureConfigurationArn, .infrastructureConfiguration)
        let distribution = try pipeline.distributionConfigurationArn.map { try find($0, .distributionConfiguration) }
        return PipelineParts(
            pipeline: pipeline, pipelineArn: row.record.arn, recipe: try recipe.decode(ImageRecipeDefinition.self), recipeArn: recipe.record.arn,
            infrastructure: try infrastructure.decode(InfrastructureConfigurationDefinition.self), infrastructureArn: infrastructure.record.arn,
            distribution: try distribution?.decode(DistributionConfigurationDefinition.self), distributionArn: distribution?.record.arn)
    }

    /// StartImagePipelineExecution at `ctx.now`: the build's timeline is planned now.
    func start(_ row: ResourceRow, buildType: String, faults: BuildPlanner.Faults, parts known: PipelineParts? = nil) throws -> ImageBuild {
        let parts = try known ?? parts(row)
        let region = Region(trusted: row.region)
        let (inputs, components) = try lookup.inputs(parts.recipe, region: region)
        try faults.check(against: components)
        let version = try SemanticVersion(parts.recipeArn.version?.description ?? "", field: "recipe version")
        let number = try BuildRows.nextBuildNumber(region: region, owner: ctx.caller, name: parts.recipe.name, version: version, db)
        let arn = ImageBuilderARN(region: region, owner: ctx.caller, type: .image, name: parts.recipe.name, version: version.build(number))
        let parent = try ctx.visibleImage(inputs.parentImageId, region: region, db).1
        var seed = SeededGenerator(hashing: arn.description)
        let timeline = BuildPlanner.plan(
            start: ctx.now, components: components, instanceType: parts.infrastructure.instanceType, testsEnabled: parts.pipeline.testsEnabled,
            rootVolumeGiB: parts.recipe.rootVolumeSize ?? parent.totalSnapshotGiB, faults: faults, seed: seed.next())
        let build = ImageBuild(
            arn: arn, name: parts.recipe.name, version: version.build(number), region: region, owner: ctx.caller, recipeArn: parts.recipeArn,
            pipelineArn: parts.pipelineArn, infrastructureConfigurationArn: parts.infrastructureArn, distributionConfigurationArn: parts.distributionArn,
            buildType: buildType, inputs: inputs, timeline: timeline, history: [StatusChange(status: .pending, at: ctx.now)],
            stage: .launchBuild, nextAt: timeline.buildInstanceAt, buildInstanceId: nil, testInstanceId: nil, imageId: nil, outputs: [],
            distribution: nil, reason: nil)
        try BuildRows.write(build, db)
        return build
    }

    /// The stages that only touch this account's EC2 (launch, CreateImage, tests, failure, the end).
    func advance(_ build: inout ImageBuild, parts: PipelineParts) throws {
        let at = ctx.now
        switch build.stage {
        case .launchBuild:
            do {
                let instance = try ctx.runInstances(RunInstancesRequest(region: build.region, imageId: build.inputs.parentImageId,
                                                                        instanceType: parts.infrastructure.instanceType,
                                                                        rootVolumeSize: parts.recipe.rootVolumeSize), db)[0]
                build.buildInstanceId = instance.id
            } catch let e as IngotError {
                return try fail(&build, reason: "Failed to launch the build instance: \(e)", parts: parts)
            }
            build.history.append(StatusChange(status: .building, at: at))
            if let failure = build.timeline.failure, failure.stage == "build" {
                (build.stage, build.nextAt) = (.fail, failure.at)
            } else {
                (build.stage, build.nextAt) = (.createImage, build.timeline.buildEnd)
            }
        case .createImage:
            guard let instance = build.buildInstanceId else { return try fail(&build, reason: "no build instance", parts: parts) }
            let name = try ImageName(outputName(build, parts: parts), field: "amiDistributionConfiguration.name")
            let tags = outputTags(build, parts: parts)
            build.imageId = try ctx.createImage(CreateImageRequest(region: build.region, instanceId: instance, name: name,
                                                                   description: parts.recipe.description ?? "\(build.name) \(build.version)",
                                                                   noReboot: false, tags: tags, imageVersion: build.version),
                                                availableAt: build.timeline.amiAvailableAt, db)
            try ctx.terminateInstances(region: build.region, ids: [instance], db)
            if build.timeline.testInstanceAt != nil {
                (build.stage, build.nextAt) = (.launchTest, build.timeline.testInstanceAt)
            } else {
                (build.stage, build.nextAt) = (.distribute, build.timeline.amiAvailableAt)
            }
        case .launchTest:
            build.history.append(StatusChange(status: .testing, at: at))
            do {
                build.testInstanceId = try ctx.runInstances(RunInstancesRequest(region: build.region, imageId: build.imageId,
                                                                                instanceType: parts.infrastructure.instanceType), db)[0].id
            } catch let e as IngotError {
                return try fail(&build, reason: "Failed to launch the test instance: \(e)", parts: parts)
            }
            if let failure = build.timeline.failure, failure.stage == "test" {
                (build.stage, build.nextAt) = (.fail, failure.at)
            } else {
                (build.stage, build.nextAt) = (.distribute, build.timeline.testEnd)
            }
        case .fail:
            try fail(&build, reason: build.timeline.failure?.errorMessage ?? "the build failed", parts: parts)
        case .integrate:
            build.history.append(StatusChange(status: .available, at: at))
            (build.stage, build.nextAt) = (.done, nil)
            try pipelineFinished(build, succeeded: true)
        case .distribute, .finishDistribution, .done:
            break
        }
    }

    /// FAILED now: instances terminated unless the infrastructure keeps them; an AMI already made stays
    /// (as AWS leaves the AMI it made for the tests).
    func fail(_ build: inout ImageBuild, reason: String, parts: PipelineParts?) throws {
        if parts?.infrastructure.terminateInstanceOnFailure ?? true { try terminateInstances(of: build) }
        build.reason = reason
        build.history.append(StatusChange(status: .failed, at: ctx.now, reason: reason))
        (build.stage, build.nextAt) = (.done, nil)
        try pipelineFinished(build, succeeded: false)
    }

    /// Terminates the build's build and test instances that still run.
    func terminateInstances(of build: ImageBuild) throws {
        let ids = [build.buildInstanceId, build.testInstanceId].compactMap { $0 }
        guard !ids.isEmpty else { return }
        let running = try String.fetchAll(db.cachedStatement(sql: "SELECT instance_id FROM instance WHERE instance_id IN (\(ids.map { _ in "?" }.joined(separator: ","))) AND state != 'terminated'"),
                                          arguments: StatementArguments(ids.map(\.rawValue)))
        if !running.isEmpty { try ctx.terminateInstances(region: build.region, ids: running.map(InstanceID.init(trusted:)), db) }
    }

    /// A pipeline's consecutive failures: "If the pipeline execution is successful, the number of
    /// consecutive failures resets to zero. If the pipeline execution fails, Image Builder increments the
    /// number of consecutive failures. ... If the pipeline runs manually and fails, the count remains the
    /// same." At `autoDisablePolicy.failureCount` consecutive failures the pipeline is DISABLED.
    func pipelineFinished(_ build: ImageBuild, succeeded: Bool) throws {
        guard let arn = build.pipelineArn, var row = try ResourceRow.get(arn.description, db) else { return }
        if succeeded {
            row.consecutiveFailures = 0
        } else if build.buildType == "SCHEDULED" {
            row.consecutiveFailures += 1
            let limit = try row.decode(ImagePipelineDefinition.self).schedule?.autoDisablePolicy?.failureCount
            if let limit, row.consecutiveFailures >= limit { row.status = PipelineStatus.disabled.rawValue }
        }
        try db.cachedStatement(sql: "UPDATE ib_resource SET consecutive_failures = ?, status = ? WHERE arn = ?")
            .execute(arguments: [row.consecutiveFailures, row.status, row.arn])
    }

    func outputName(_ build: ImageBuild, parts: PipelineParts) -> String {
        let template = parts.distribution?.distributions.first { $0.region == build.region }?.amiDistributionConfiguration?.name
        // "If you do not specify a name, Image Builder appends the build timestamp to the recipe name."
        return AMINameTemplate.fill(template ?? "\(build.name) {{ imagebuilder:buildDate }}", buildDate: build.timeline.requestedAt, buildVersion: build.version)
    }

    func outputTags(_ build: ImageBuild, parts: PipelineParts) -> [Tag] {
        // "Image Builder automatically adds the following tags to your output AMIs. "CreatedBy":"EC2 Image
        // Builder" · "Ec2ImageBuilderArn": ..." Recipe amiTags apply to the AMI made in the build phase.
        (parts.recipe.amiTags ?? [:]).sorted { $0.key < $1.key }.map { Tag(key: $0.key, value: $0.value) }
            .setting([Tag(key: "CreatedBy", value: "EC2 Image Builder"), Tag(key: "Ec2ImageBuilderArn", value: build.arn.description)])
    }
}

extension LocalCloud {
    /// StartImagePipelineExecution: a build of the pipeline's recipe starts now.
    /// - Parameters:
    ///   - pipeline: the pipeline's ARN or name.
    ///   - region: the region of a name.
    ///   - faults: failures to inject.
    public func startPipelineExecution(_ pipeline: String, region: Region, faults: BuildPlanner.Faults = BuildPlanner.Faults()) async throws -> ImageBuild {
        try faults.validate()
        let ctx = context
        return try await store.write { db in
            let arn = try ImageBuilderARN.reference(pipeline, type: .imagePipeline, region: region, owner: ctx.caller, field: "pipeline")
            guard let row = try ImageBuilderLookup(ctx: ctx, db: db).newest(arn) else {
                throw IngotError.refused("ResourceNotFoundException", "The following required resource 'ImagePipeline' cannot be found: '\(arn)'")
            }
            return try BuildRunner(ctx: ctx, db: db).start(row, buildType: "USER_INITIATED", faults: faults)
        }
    }

    /// CancelImageCreation: "This operation can only be used on images in a non-terminal state."
    /// - Parameter arn: the image's build version ARN.
    public func cancelImageCreation(_ arn: String) async throws -> ImageBuild {
        let ctx = context
        return try await store.write { db in
            guard var build = try BuildRows.get(arn, db), build.owner == ctx.caller else {
                throw IngotError.refused("ResourceNotFoundException", "The following required resource 'Image' cannot be found: '\(arn)'")
            }
            guard !build.status.isTerminal else {
                throw IngotError.refused("ResourceInUseException", "Image \(arn) is \(build.status.rawValue): only images in a non-terminal state can be cancelled")
            }
            try BuildRunner(ctx: ctx, db: db).terminateInstances(of: build)
            build.reason = "Image creation cancelled by the user"
            build.history.append(StatusChange(status: .cancelled, at: ctx.now, reason: build.reason))
            (build.stage, build.nextAt) = (.done, nil)
            try BuildRows.write(build, db)
            return build
        }
    }

    /// The builds of the caller in `region`: of one recipe name, of one pipeline, or all.
    /// - Parameters:
    ///   - region: the region.
    ///   - pipeline: a pipeline ARN or name, to list its executions.
    public func imageBuilds(region: Region, pipeline: String? = nil) async throws -> [ImageBuild] {
        let ctx = context
        return try await store.read { db in
            if let pipeline {
                let arn = try ImageBuilderARN.reference(pipeline, type: .imagePipeline, region: region, owner: ctx.caller, field: "pipeline")
                return try BuildRows.ofPipeline(arn.description, db)
            }
            return try String.fetchAll(db.cachedStatement(sql: "SELECT record FROM ib_image WHERE region = ? AND owner_id = ? ORDER BY name, version, build"),
                                       arguments: [region.code, ctx.caller.rawValue]).map(BuildRows.decode)
        }
    }

    /// One build by its ARN.
    /// - Parameter arn: the image's build version ARN.
    public func imageBuild(_ arn: String) async throws -> ImageBuild {
        let caller = caller
        return try await store.read { db in
            guard let build = try BuildRows.get(arn, db), build.owner == caller else {
                throw IngotError.refused("ResourceNotFoundException", "The following required resource 'Image' cannot be found: '\(arn)'")
            }
            return build
        }
    }

    /// Brings due work up to the clock's now, in time order: base image releases, builds' next stages
    /// (steps complete, AMIs land, copies arrive, templates and parameters change) and schedule ticks.
    /// Every store's commands call it first, so any command at time T sees the world as of T. Work done
    /// stays done: running again at an earlier time changes nothing. Events commit in transactions of
    /// about a second's work; a process killed in between leaves the rest due, and the next command
    /// finishes it.
    @discardableResult
    public func catchUp() async throws -> [PipelineEvent] {
        let target = clock.now
        var state = try await store.read { db in try CatchUp.State.load(db) }
        guard state.started else { return [] }
        // Nothing due: no write transaction at all (reads never wait for the write lock).
        let firstBuild = try await store.read { db in try BuildRows.nextDue(db)?.1 }
        let due = [firstBuild, state.nextTick()?.at, state.catalogThrough.flatMap { Catalog.nextRelease(after: $0) }].compactMap { $0 }
        guard due.contains(where: { $0 <= target }) else { return [] }
        var events: [PipelineEvent] = []
        // Events are done in transactions of at most about a second's work: few commits (each writes
        // the pages it touched to the WAL), and the write lock is never held for long.
        while true {
            let (chunk, next, finished) = try await store.transaction { [self, state] in
                var state = state
                state.cache = [:]  // definitions read in an earlier transaction may have changed since
                var chunk: [PipelineEvent] = []
                let started = ContinuousClock.now
                while ContinuousClock.now - started < .seconds(1) {
                    guard let done = try await nextEvent(&state, until: target) else { return (chunk, state, true) }
                    chunk += done
                }
                return (chunk, state, false)
            }
            events += chunk
            state = next
            if finished { break }
        }
        // Fast-forwarded ticks were listed with the tick that answered for them: time order for the report.
        events = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        guard !events.isEmpty else { return events }
        try await store.write { db in
            if let through = try Catalog.through(db), through < target { try Catalog.setThrough(target, db) }
            // Every pipeline, disabled ones too: re-enabling one must not replay the ticks it missed.
            try db.cachedStatement(sql: """
                UPDATE ib_resource SET schedule_through = ?1 WHERE type = 'image-pipeline' AND (schedule_through IS NULL OR schedule_through < ?1)
                """).execute(arguments: [Timestamp.millis(target)])
        }
        return events
    }

    /// Does the earliest due event at or before `target` (nil: none is due).
    func nextEvent(_ state: inout CatchUp.State, until target: Date) async throws -> [PipelineEvent]? {
        let build = try await store.read { db in try BuildRows.nextDue(db) }
        let tick = state.nextTick()
        let release = state.catalogThrough.flatMap { Catalog.nextRelease(after: $0) }
        // At one instant: a release first (a tick then sees it), then builds, then ticks.
        let candidates: [(Date, Int)] = [release.map { ($0, 0) }, build.map { ($0.1, 1) }, tick.map { ($0.at, 2) }].compactMap { $0 }
        guard let (at, kind) = candidates.filter({ $0.0 <= target }).min(by: { ($0.0, $0.1) < ($1.0, $1.1) }) else { return nil }
        switch kind {
        case 0:
            let published = try await store.write { db -> [Image] in
                // Another process may have published it already.
                guard try Catalog.through(db).map({ $0 < at }) ?? true else { return [] }
                let images = try Catalog.publish(day: at, db)
                try Catalog.setThrough(at, db)
                return images
            }
            state.catalogThrough = at
            let names = Set(published.map(\.name)).sorted()
            return [PipelineEvent(at: at, kind: .release, reason: names.isEmpty ? "nothing new" : names.joined(separator: ", "))]
        case 1:
            guard let (arn, _, pipeline) = build else { return [] }
            // A new AVAILABLE build is what the pipeline's next tick compares with: advanceBuild resets it.
            do {
                let (changes, fresh) = try await advanceBuild(arn, at: at, cached: pipeline.flatMap { state.cache[$0] })
                if let pipeline { state.cache[pipeline] = fresh }
                return changes
            } catch let e as IngotError where e.kind != .failed {
                // A stage the cloud refused fails that build (as AWS fails an image), never the catch-up:
                // other commands and builds go on.
                return try await failBuild(arn, at: at, reason: "\(e)")
            }
        default:
            guard let tick else { return [] }
            let event = try await runTick(tick, state: &state)
            guard event.decision != "done" else { return [] }
            var events = [event]
            // Until the next release, nothing changes what this pipeline's ticks compare: the same
            // answer, without asking again (when its parent is a catalog image or a fixed AMI).
            if event.decision == "skip", event.reason == "cron matched; no dependency updates",
               let parts = state.cache[tick.pipeline.arn]?.parts, parts.dependsOnCatalogOnly {
                // Only a release of the parent's own family can change the answer.
                let release = state.catalogThrough.flatMap { Catalog.nextRelease(after: $0, of: parts.parentFamily) }
                while let next = state.pipelines.first(where: { $0.arn == tick.pipeline.arn })?.next, next <= target, release.map({ next < $0 }) ?? true {
                    events.append(PipelineEvent(at: next, kind: .tick, pipeline: event.pipeline, decision: "skip", reason: event.reason))
                    state.advance(tick.pipeline.arn, to: next)
                }
            }
            return events
        }
    }

    func runTick(_ tick: CatchUp.Tick, state: inout CatchUp.State) async throws -> PipelineEvent {
        let store = store
        let cached = state.cache[tick.pipeline.arn]
        let (event, fresh) = try await store.write { db -> (PipelineEvent, CatchUp.Cached?) in
            // Another process may have done this tick already (its catch-up committed first): never twice.
            if let through = try Int64.fetchOne(db.cachedStatement(sql: "SELECT schedule_through FROM ib_resource WHERE arn = ?"), arguments: [tick.pipeline.arn]),
               through >= Timestamp.millis(tick.at) {
                return (PipelineEvent(at: tick.at, kind: .tick, pipeline: tick.pipeline.arn, decision: "done", reason: nil), cached)
            }
            try db.cachedStatement(sql: "UPDATE ib_resource SET schedule_through = ? WHERE arn = ?").execute(arguments: [Timestamp.millis(tick.at), tick.pipeline.arn])
            guard let row = try ResourceRow.get(tick.pipeline.arn, db), row.status == PipelineStatus.enabled.rawValue else {
                return (PipelineEvent(at: tick.at, kind: .tick, pipeline: tick.pipeline.arn, decision: "skip", reason: "the pipeline is disabled"), nil)
            }
            let region = Region(trusted: row.region)
            let ctx = Operations(caller: AccountID(trusted: row.ownerId), now: tick.at)
            let runner = BuildRunner(ctx: ctx, db: db)
            if let running = try BuildRows.inProgress(pipeline: row.arn, db) {
                return (PipelineEvent(at: tick.at, kind: .tick, pipeline: row.arn, decision: "skip",
                                      reason: "cron matched; \(running) is still in progress (Ingot starts one execution at a time)"), cached)
            }
            var entry: CatchUp.Cached
            let inputs: BuildInputs
            do {
                entry = try cached ?? CatchUp.Cached(parts: runner.parts(row), lastInputs: nil)
                inputs = try runner.lookup.versions(entry.parts.recipe, region: region)
            } catch let e as IngotError {
                return (PipelineEvent(at: tick.at, kind: .tick, pipeline: row.arn, decision: "skip", reason: "cron matched; cannot resolve the recipe: \(e)"), nil)
            }
            if entry.lastInputs == nil { entry.lastInputs = .some(try BuildRows.lastAvailable(pipeline: row.arn, db)?.inputs) }
            let decision = PipelineTrigger.decide(condition: tick.pipeline.condition, inputs: inputs, lastBuild: entry.lastInputs ?? nil)
            guard case .build(let reason) = decision else {
                return (PipelineEvent(at: tick.at, kind: .tick, pipeline: row.arn, decision: "skip", reason: decision.reason), entry)
            }
            let build = try runner.start(row, buildType: "SCHEDULED", faults: BuildPlanner.Faults(), parts: entry.parts)
            return (PipelineEvent(at: tick.at, kind: .tick, pipeline: row.arn, image: build.arn.description, status: .pending, decision: "build", reason: reason), entry)
        }
        state.cache[tick.pipeline.arn] = fresh
        state.advance(tick.pipeline.arn, to: tick.at)
        if event.reason == "the pipeline is disabled" { state.drop(tick.pipeline.arn) }
        return event
    }

    /// Runs the build's next stage at `at`, in one transaction. `cached`: the pipeline's definitions
    /// as a tick last read them (used when nothing was applied since); the ones used are returned.
    func advanceBuild(_ arn: String, at: Date, cached: CatchUp.Cached?) async throws -> ([PipelineEvent], CatchUp.Cached?) {
        try await store.transaction { [self] in try await advanceBuildStage(arn, at: at, cached: cached) }
    }

    func advanceBuildStage(_ arn: String, at: Date, cached: CatchUp.Cached?) async throws -> ([PipelineEvent], CatchUp.Cached?) {
        let loaded = try await store.read { db -> (ImageBuild, BuildRunner.PipelineParts?, CatchUp.Cached?)? in
            guard let build = try BuildRows.get(arn, db) else { return nil }
            let ctx = Operations(caller: build.owner, now: at)
            guard let row = try build.pipelineArn.flatMap({ try ResourceRow.get($0.description, db) }) else { return (build, nil, nil) }
            if let cached, cached.parts.recipeArn == build.recipeArn,
               cached.parts.infrastructureArn == build.infrastructureConfigurationArn, cached.parts.distributionArn == build.distributionConfigurationArn {
                return (build, cached.parts, cached)
            }
            let parts = try BuildRunner(ctx: ctx, db: db).parts(of: build, pipeline: row)
            return (build, parts, CatchUp.Cached(parts: parts, lastInputs: nil))
        }
        guard let loaded else { return ([], nil) }
        var (build, fresh) = (loaded.0, loaded.2)
        let parts = loaded.1
        let before = build.history.count
        let owner = LocalCloud(store: store, caller: build.owner, clock: .at(at))
        switch build.stage {
        case .distribute, .finishDistribution:
            try await owner.distribute(&build, parts: parts, at: at)
        default:
            guard let parts else {
                build.history.append(StatusChange(status: .failed, at: at, reason: "the pipeline was deleted"))
                (build.stage, build.nextAt) = (.done, nil)
                break
            }
            build = try await store.write { [build] db in
                var b = build
                try BuildRunner(ctx: Operations(caller: b.owner, now: at), db: db).advance(&b, parts: parts)
                return b
            }
        }
        try await store.write { [build] db in try BuildRows.write(build, db) }
        let events = build.history.dropFirst(before).map {
            PipelineEvent(at: $0.at, kind: .status, pipeline: build.pipelineArn?.description, image: build.arn.description, status: $0.status, reason: $0.reason)
        }
        if events.contains(where: { $0.status == .available }) { fresh?.lastInputs = nil }
        return (events, fresh)
    }

    /// DISTRIBUTING: copies start, and once they landed, sharing, launch templates and parameters.
    func distribute(_ build: inout ImageBuild, parts: BuildRunner.PipelineParts?, at: Date) async throws {
        let store = store
        if build.stage == .distribute {
            // The test instance has done its work.
            try await store.write { [build] db in try BuildRunner(ctx: Operations(caller: build.owner, now: at), db: db).terminateInstances(of: build) }
            build.history.append(StatusChange(status: .distributing, at: at))
        }
        guard let imageId = build.imageId, let image = try? await describeImage(imageId, region: build.region), image.state == .available else {
            build.history.append(StatusChange(status: .failed, at: at, reason: "the image's AMI is gone"))
            (build.stage, build.nextAt) = (.done, nil)
            return
        }
        guard let configuration = parts?.distribution else {
            build.outputs = [OutputAMI(region: build.region, image: imageId, name: image.name, accountId: build.owner)]
            build.history.append(StatusChange(status: .integrating, at: at))
            (build.stage, build.nextAt) = (.integrate, at.addingTimeInterval(60))
            return
        }
        let source = Distributor.Source(image: image, defaultName: image.name, buildDate: build.timeline.requestedAt, buildVersion: build.version,
                                        tags: [Tag(key: "CreatedBy", value: "EC2 Image Builder"), Tag(key: "Ec2ImageBuilderArn", value: build.arn.description)])
        let account: @Sendable (AccountID) async throws -> LocalCloud = { [self] in self.acting(as: $0) }
        var progress: DistributionProgress
        do {
            let started = build.distribution
            if let started { progress = started } else {
                progress = try await Distributor.start(source, configuration: configuration, cloud: self, account: account)
            }
            progress = try await Distributor.advance(progress, source: source, configuration: configuration, cloud: self, account: account,
                                                     poll: started != nil)
        } catch let e as IngotError where e.kind != .failed {
            try await failDistribution(&build, reason: "Distribution failed: \(e)", at: at)
            return
        }
        build.distribution = progress
        build.outputs = progress.outputs.compactMap { o in o.imageId.map { OutputAMI(region: o.region, image: $0, name: o.name, accountId: o.accountId) } }
        if let failure = progress.failure {
            try await failDistribution(&build, reason: failure, at: at)
        } else if progress.isComplete {
            build.history.append(StatusChange(status: .integrating, at: at))
            (build.stage, build.nextAt) = (.integrate, at.addingTimeInterval(60))
        } else {
            // Wait for the copies: their landing times are in the store.
            let ids = progress.pending.compactMap(\.imageId).map(\.rawValue)
            let landing = try await store.read { db in
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(available_at) FROM image WHERE image_id IN (\(ids.map { _ in "?" }.joined(separator: ",")))"),
                                   arguments: StatementArguments(ids))
            }
            (build.stage, build.nextAt) = (.finishDistribution, max(at.addingTimeInterval(1), landing.map(Timestamp.date(millis:)) ?? at.addingTimeInterval(60)))
        }
    }

    /// FAILED at `at` with `reason`, in its own savepoint (after a stage that could not be done).
    func failBuild(_ arn: String, at: Date, reason: String) async throws -> [PipelineEvent] {
        try await store.write { db in
            guard var build = try BuildRows.get(arn, db), !build.status.isTerminal else { return [] }
            try BuildRunner(ctx: Operations(caller: build.owner, now: at), db: db).fail(&build, reason: reason, parts: nil)
            try BuildRows.write(build, db)
            return [PipelineEvent(at: at, kind: .status, pipeline: build.pipelineArn?.description, image: build.arn.description, status: .failed, reason: reason)]
        }
    }

    func failDistribution(_ build: inout ImageBuild, reason: String, at: Date) async throws {
        build = try await store.write { [build] db in
            var b = build
            try BuildRunner(ctx: Operations(caller: b.owner, now: at), db: db).fail(&b, reason: reason, parts: nil)
            return b
        }
    }
}

/// The catch-up's view of what is due.
enum CatchUp {
    struct Pipeline: Sendable {
        var arn: String
        var schedule: ScheduleExpression
        var timeZone: TimeZone
        var condition: PipelineExecutionStartCondition
        var through: Date
        var next: Date?
    }

    struct Tick: Sendable {
        var pipeline: Pipeline
        var at: Date
    }

    /// A pipeline's definitions as read in the current transaction, and what its last AVAILABLE build
    /// started from (nil: not read yet; .some(nil): it has none). Kept for one transaction only: between
    /// two, another process may apply new definitions.
    struct Cached: Sendable {
        var parts: BuildRunner.PipelineParts
        var lastInputs: BuildInputs??
    }

    struct State: Sendable {
        var pipelines: [Pipeline]
        var catalogThrough: Date?
        var pendingBuilds: Bool
        var cache: [String: Cached] = [:]

        /// Whether there is anything to catch up on.
        var started: Bool { catalogThrough != nil || !pipelines.isEmpty || pendingBuilds }

        static func load(_ db: Database) throws -> State {
            let rows = try ResourceRow.filter(Column("type") == ImageBuilderARN.ResourceType.imagePipeline.rawValue && Column("status") == PipelineStatus.enabled.rawValue).fetchAll(db)
            let pipelines = try rows.compactMap { row -> Pipeline? in
                guard let schedule = try row.decode(ImagePipelineDefinition.self).schedule else { return nil }
                let through = Timestamp.date(millis: row.scheduleThrough ?? row.dateCreated)
                var p = Pipeline(arn: row.arn, schedule: schedule.scheduleExpression, timeZone: schedule.timeZone, condition: schedule.startCondition, through: through)
                p.next = p.schedule.nextFire(after: through, in: p.timeZone)
                return p
            }
            let pending = try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM ib_image WHERE next_at IS NOT NULL LIMIT 1")) != nil
            return State(pipelines: pipelines, catalogThrough: try Catalog.through(db), pendingBuilds: pending)
        }

        func nextTick() -> Tick? {
            pipelines.compactMap { p in p.next.map { Tick(pipeline: p, at: $0) } }.min { ($0.at, $0.pipeline.arn) < ($1.at, $1.pipeline.arn) }
        }

        mutating func advance(_ arn: String, to date: Date) {
            guard let i = pipelines.firstIndex(where: { $0.arn == arn }) else { return }
            pipelines[i].through = date
            pipelines[i].next = pipelines[i].schedule.nextFire(after: date, in: pipelines[i].timeZone)
        }

        mutating func drop(_ arn: String) { pipelines.removeAll { $0.arn == arn } }
    }
}

extension LocalCloud {
    /// Doctor's findings about builds: the AMI of each FAILED build that is still registered (a build
    /// whose tests failed leaves the AMI it made for them; it costs its snapshots until deregistered).
    /// - Parameter regions: the regions examined.
    public func failedBuildFindings(regions: [Region]) async throws -> [Doctor.Finding] {
        var findings: [Doctor.Finding] = []
        for region in regions {
            for build in try await imageBuilds(region: region) where build.status == .failed {
                guard let id = build.imageId, let image = try? await describeImage(id, region: region), image.state != .deregistered else { continue }
                findings.append(Doctor.Finding(
                    kind: .failedBuildImage, region: region, resource: id.rawValue,
                    detail: "made by \(build.name) \(build.version), which FAILED (\(build.timeline.failure.map { "\($0.stepName) in \($0.phaseName)" } ?? build.reason ?? "")); Image Builder leaves this AMI: deregister it with its snapshots (ingot images deregister \(id) --delete-snapshots)",
                    sizeGiB: image.totalSnapshotGiB))
            }
        }
        return findings
    }
}
