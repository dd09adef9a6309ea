import Foundation
import GRDB
import Synchronization
import IngotCore
import Yams

/// An Image Builder resource as the store keeps it: its definition (the Create request, as JSON) and
/// the state the service adds (dates; a pipeline's status and consecutive failures).
public struct ImageBuilderRecord: Sendable, Hashable {
    public var arn: ImageBuilderARN
    public var type: ImageBuilderARN.ResourceType
    public var name: String
    public var version: String?
    public var build: Int?
    public var dateCreated: Date
    public var dateUpdated: Date?
    /// A pipeline's ENABLED or DISABLED.
    public var status: String?
    public var consecutiveFailures: Int
    /// The definition as JSON text (camelCase, the API's names).
    public var definition: String
}

/// What `pipelines apply` did (or, with a dry run, would do) to one resource.
public struct ApplyOutcome: Sendable, Hashable, Codable {
    public var type: String
    public var name: String
    public var arn: String
    /// created, updated, unchanged (dry run: would-create, would-update).
    public var action: String
    public var note: String?
}

/// Reads AWSTOE documents (YAML) into ``ComponentDocument``, checked as AWSTOE checks them.
public enum ComponentYAML {
    /// The document in `text`; errors name `field`.
    /// - Parameters:
    ///   - text: the component's `data`.
    ///   - field: where it is, e.g. `imageBuilder.components[0].data`.
    public static func document(_ text: String, field: String) throws -> ComponentDocument {
        // A build reads its components' documents when it starts: the same text parses to the same document.
        if let known = parsed.withLock({ $0[text] }) { return known }
        let document = try ComponentDocument.parse(text, field: field) { text, userInfo in
            try YAMLDecoder().decode(ComponentDocument.self, from: text, userInfo: userInfo)
        }
        parsed.withLock { cache in
            if cache.count >= 128 { cache.removeAll(keepingCapacity: true) }
            cache[text] = document
        }
        return document
    }

    private static let parsed = Mutex<[String: ComponentDocument]>([:])
}

struct ResourceRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "ib_resource"
    var arn: String
    var region: String
    var ownerId: String
    var type: String
    var name: String
    var version: String?
    var build: Int?
    var definition: String
    var dateCreated: Int64
    var dateUpdated: Int64?
    var status: String?
    var scheduleThrough: Int64?
    var consecutiveFailures: Int

    enum CodingKeys: String, CodingKey {
        case arn, region, ownerId = "owner_id", type, name, version, build, definition, dateCreated = "date_created", dateUpdated = "date_updated"
        case status, scheduleThrough = "schedule_through", consecutiveFailures = "consecutive_failures"
    }

    var record: ImageBuilderRecord {
        ImageBuilderRecord(arn: (try? ImageBuilderARN(arn, field: "arn")) ?? ImageBuilderARN(region: Region(trusted: region), owner: ownerId, type: .component, name: name),
                           type: ImageBuilderARN.ResourceType(rawValue: type) ?? .component, name: name, version: version, build: build,
                           dateCreated: Timestamp.date(millis: dateCreated), dateUpdated: dateUpdated.map(Timestamp.date(millis:)),
                           status: status, consecutiveFailures: consecutiveFailures, definition: definition)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(definition.utf8)) } catch {
            throw IngotError.failed("store: the definition of \(arn) does not decode: \(error)")
        }
    }
}

enum DefinitionJSON {
    /// Sorted keys: a definition's text is compared with the stored one.
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A record that is only decoded again (a build, written at each of its stages): keys in coding order.
    static func encodeRecord(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}

/// Rolls a dry run's transaction back, carrying what it would have done.
struct DryRunRollback: Error { let outcomes: [ApplyOutcome] }

extension LocalCloud {
    /// `pipelines apply`: creates what is missing, in dependency order, in one transaction. Components
    /// and recipes are immutable: a component whose version exists with another definition gets the
    /// next build ("Image Builder automatically increments the build version when you create a component
    /// with the same name and semantic version", November 2025); a recipe whose version exists with
    /// another definition is refused (ResourceAlreadyExistsException), unless its version ends in `x`.
    /// Infrastructure and distribution configurations and pipelines are updated in place.
    /// - Parameters:
    ///   - definitions: the `imageBuilder:` section.
    ///   - defaultRegion: the region when the section names none.
    ///   - dryRun: report without writing.
    public func applyImageBuilder(_ definitions: ImageBuilderDefinitions, defaultRegion: Region, dryRun: Bool) async throws -> [ApplyOutcome] {
        let region = definitions.region ?? defaultRegion
        let documents = try Self.componentDocuments(definitions)
        let ctx = context
        do {
            return try await store.write { db in
                let outcomes = try ImageBuilderApply(ctx: ctx, region: region, db: db).apply(definitions, documents: documents)
                if dryRun { throw DryRunRollback(outcomes: outcomes) }
                return outcomes
            }
        } catch let rollback as DryRunRollback {
            return rollback.outcomes.map { var o = $0; o.action = "would-" + (o.action == "created" ? "create" : o.action == "updated" ? "update" : o.action); if $0.action == "unchanged" { o.action = "unchanged" }; return o }
        }
    }

    /// The components' AWSTOE documents, each checked as AWSTOE checks it (errors name the field):
    /// what `pipelines apply` validates before it opens the store.
    /// - Parameter definitions: the `imageBuilder:` section.
    public static func componentDocuments(_ definitions: ImageBuilderDefinitions) throws -> [ComponentDocument] {
        try definitions.components.enumerated().map { i, component in
            let field = "imageBuilder.components[\(i)]"
            let document = try ComponentYAML.document(component.data, field: field + ".data")
            if let type = component.type, type != document.componentType {
                throw IngotError.invalid(field + ".type", "\(type.rawValue), but the document's phases make it \(document.componentType.rawValue); accepted: \(document.componentType.rawValue) or no type",
                                         code: "InvalidParameterValueException")
            }
            return document
        }
    }

    /// Image Builder resources of `type` in `region` (every version and build of components and recipes).
    /// - Parameters:
    ///   - type: the resource type.
    ///   - region: the region.
    public func imageBuilderResources(_ type: ImageBuilderARN.ResourceType, region: Region) async throws -> [ImageBuilderRecord] {
        let caller = caller
        return try await store.read { db in
            try ResourceRow.filter(Column("region") == region.code && Column("owner_id") == caller.rawValue && Column("type") == type.rawValue)
                .order(Column("name"), Column("version"), Column("build")).fetchAll(db).map(\.record)
        }
    }

    /// One resource by ARN or name (the newest version and build when the ARN has none or wildcards).
    /// - Parameters:
    ///   - type: the resource type.
    ///   - reference: an ARN, or Ingot's short form (NAME or NAME/VERSION).
    ///   - region: the region of a short form.
    public func imageBuilderResource(_ type: ImageBuilderARN.ResourceType, _ reference: String, region: Region) async throws -> ImageBuilderRecord {
        let ctx = context
        return try await store.read { db in
            let arn = try ImageBuilderARN.reference(reference, type: type, region: region, owner: ctx.caller, field: type.rawValue, versionRequired: false)
            guard let row = try ImageBuilderLookup(ctx: ctx, db: db).newest(arn) else {
                throw IngotError.refused("ResourceNotFoundException", "The following required resource '\(type.rawValue)' cannot be found: '\(arn)'")
            }
            return row.record
        }
    }
}

/// Finding resources and resolving a recipe's references, inside a transaction.
struct ImageBuilderLookup {
    let ctx: Operations
    let db: Database

    /// The newest row matching `arn` (its version filter and build, if any).
    func newest(_ arn: ImageBuilderARN) throws -> ResourceRow? {
        let rows = try ResourceRow.named(arn.name, type: arn.type, region: arn.region.code, owner: arn.owner, db)
        guard arn.type.isVersioned else { return rows.first }
        return rows.filter { row in
            guard let filter = arn.version else { return true }
            guard let v = row.version.flatMap({ try? SemanticVersion($0, field: "version") }) else { return false }
            return filter.matches(v) && (filter.build.map { $0 == row.build } ?? true)
        }.max { a, b in
            let va = a.version.flatMap { try? SemanticVersion($0, field: "version") }, vb = b.version.flatMap { try? SemanticVersion($0, field: "version") }
            return (va ?? SemanticVersion(0, 0, 0), a.build ?? 0) < (vb ?? SemanticVersion(0, 0, 0), b.build ?? 0)
        }
    }

    /// The newest component build a recipe's `componentArn` selects, with its document.
    func component(_ configuration: ComponentConfiguration, region: Region, field: String) throws -> BuildPlanner.Component {
        let (resolved, document) = try resolve(configuration, region: region, field: field, document: true)
        return BuildPlanner.Component(resolved: resolved, document: document ?? ComponentDocument(phases: []))
    }

    /// The newest component build a recipe's `componentArn` selects; its document only when asked
    /// (reading it parses YAML: a schedule's tick needs the version alone).
    func resolve(_ configuration: ComponentConfiguration, region: Region, field: String, document: Bool) throws -> (ResolvedComponent, ComponentDocument?) {
        let arn = try ImageBuilderARN.reference(configuration.componentArn, type: .component, region: region, owner: ctx.caller, field: field)
        guard arn.region == region else {
            throw IngotError.invalid(field, "'\(arn)' is in \(arn.region); a recipe's components must be in its region (\(region))", code: "InvalidParameterValueException")
        }
        if arn.isAWSManaged {
            guard let entry = ManagedComponents.entries(named: arn.name).filter({ arn.version?.matches($0.version) ?? true }).max(by: { $0.version < $1.version }) else {
                throw IngotError.invalid(field, "no AWS-managed component matches '\(arn)'; the catalog has: \(ManagedComponents.catalog.map { "\($0.name) \($0.version)" }.joined(separator: ", "))",
                                         code: "ResourceNotFoundException")
            }
            let resolved = ResolvedComponent(arn: entry.arn(in: region), name: entry.name, version: entry.version, type: entry.type, parameters: configuration.parameters)
            return (resolved, entry.document)
        }
        guard let row = try newest(arn), let version = row.version.flatMap({ try? SemanticVersion($0, field: "version") }) else {
            throw IngotError.invalid(field, "no component matches '\(arn)'", code: "ResourceNotFoundException")
        }
        let definition = try row.decode(ComponentDefinition.self)
        let parsed = try document ? ComponentYAML.document(definition.data, field: "component \(row.arn)") : nil
        let buildVersion = version.build(row.build ?? 1)
        let resolved = ResolvedComponent(arn: ImageBuilderARN(region: region, owner: ctx.caller, type: .component, name: row.name, version: buildVersion),
                                         name: definition.name, version: buildVersion, type: definition.type ?? parsed?.componentType ?? .build,
                                         parameters: configuration.parameters)
        return (resolved, parsed)
    }

    /// The image a recipe's `parentImage` names at this instant, with its Image Builder version when it has one.
    func parent(_ text: String, region: Region, field: String) throws -> (Image, String?) {
        switch try ParentImage(text, field: field) {
        case .ami(let id):
            return (try ctx.visibleImage(id, region: region, db).1, nil)
        case .parameter(let name):
            let owner = Parameter.isPublic(name) ? AccountID.amazon : ctx.caller
            guard let value = try ParameterRows.pick(ParameterReference(name), region: region, owner: owner, db)?.value, ImageID.isWellFormed(value) else {
                throw IngotError.refused("ParameterNotFound", "\(field): parameter \(name) holds no image id in \(region)")
            }
            return (try ctx.visibleImage(ImageID(trusted: value), region: region, db).1, nil)
        case .image(let arn):
            if arn.isAWSManaged {
                guard let family = BaseImageCatalog.family(imageBuilderName: arn.name) else {
                    throw IngotError.invalid(field, "'\(arn.name)' is not an AWS-managed image Ingot's catalog has; accepted: \(BaseImageCatalog.families.map(\.imageBuilderName).joined(separator: ", "))",
                                             code: "ResourceNotFoundException")
                }
                // Names and states only (a schedule asks this at every tick); the winner is read whole. The
                // family's pattern is in the SQL (one statement per family): SQLite plans a GLOB against a
                // bound value again at every new value.
                let now = Timestamp.millis(ctx.now)
                var best: (String, SemanticVersion)?
                try RawQuery.forEach(db, """
                    SELECT image_id, name FROM image
                    WHERE region = ? AND name GLOB '\(family.amiNameGlob.replacingOccurrences(of: "'", with: "''"))' AND owner_id = ? AND architecture = ?
                        AND (state = 'available' OR (state = 'pending' AND available_at <= ?))
                    """, [region.code, family.owner.rawValue, family.architecture.rawValue, now]) { row in
                    guard let day = family.releaseDate(ofAMIName: row.text(1)) else { return }
                    let version = family.version(released: day)
                    if arn.version?.matches(version) ?? true, best.map({ $0.1 < version }) ?? true { best = (row.text(0), version) }
                }
                guard let best, let image = try? ctx.visibleImage(ImageID(trusted: best.0), region: region, db).1, image.state == .available else {
                    throw IngotError.refused("ResourceNotFoundException", "The following required resource 'Image' cannot be found: '\(arn)' in \(region)")
                }
                return (image, best.1.description)
            }
            // One of the account's own Image Builder images: the newest AVAILABLE build that matches.
            let builds = try BuildRows.builds(region: region, owner: ctx.caller, name: arn.name, db).filter { build in
                build.status == .available && (arn.version?.matches(build.version) ?? true) && build.imageId != nil
            }
            guard let build = builds.max(by: { $0.version < $1.version }), let id = build.imageId else {
                throw IngotError.refused("ResourceNotFoundException", "The following required resource 'Image' cannot be found: '\(arn)'")
            }
            return (try ctx.visibleImage(id, region: region, db).1, build.version.description)
        }
    }

    /// Everything a build of `recipe` would start from now, with the components' documents.
    func inputs(_ recipe: ImageRecipeDefinition, region: Region) throws -> (BuildInputs, [BuildPlanner.Component]) {
        let (parent, version) = try parent(recipe.parentImage, region: region, field: "parentImage")
        let components = try recipe.components.enumerated().map { i, c in try component(c, region: region, field: "components[\(i)].componentArn") }
        return (BuildInputs(parentImageId: parent.id, parentImageName: parent.name, parentVersion: version, components: components.map(\.resolved)), components)
    }

    /// The same without the documents: what a schedule's tick compares.
    func versions(_ recipe: ImageRecipeDefinition, region: Region) throws -> BuildInputs {
        let (parent, version) = try parent(recipe.parentImage, region: region, field: "parentImage")
        let components = try recipe.components.enumerated().map { i, c in
            try resolve(c, region: region, field: "components[\(i)].componentArn", document: false).0
        }
        return BuildInputs(parentImageId: parent.id, parentImageName: parent.name, parentVersion: version, components: components)
    }
}

/// `pipelines apply` inside its transaction.
struct ImageBuilderApply {
    let ctx: Operations
    let region: Region
    let db: Database

    var lookup: ImageBuilderLookup { ImageBuilderLookup(ctx: ctx, db: db) }
    var now: Int64 { Timestamp.millis(ctx.now) }

    func apply(_ definitions: ImageBuilderDefinitions, documents: [ComponentDocument]) throws -> [ApplyOutcome] {
        var out: [ApplyOutcome] = []
        for (component, document) in zip(definitions.components, documents) { out.append(try apply(component, document: document)) }
        for (i, recipe) in definitions.imageRecipes.enumerated() { out.append(try apply(recipe, field: "imageBuilder.imageRecipes[\(i)]")) }
        for infrastructure in definitions.infrastructureConfigurations {
            out.append(try upsert(.infrastructureConfiguration, name: infrastructure.name, definition: infrastructure))
        }
        for distribution in definitions.distributionConfigurations {
            out.append(try upsert(.distributionConfiguration, name: distribution.name, definition: distribution))
        }
        for (i, pipeline) in definitions.imagePipelines.enumerated() { out.append(try apply(pipeline, field: "imageBuilder.imagePipelines[\(i)]")) }
        try Catalog.start(at: ctx.now, db)
        return out
    }

    func rows(_ type: ImageBuilderARN.ResourceType, name: String) throws -> [ResourceRow] {
        try ResourceRow.named(ImageBuilderARN.arnName(name), type: type, region: region.code, owner: ctx.caller.rawValue, db)
    }

    func apply(_ component: ComponentDefinition, document: ComponentDocument) throws -> ApplyOutcome {
        var definition = component
        definition.type = component.type ?? document.componentType
        let json = try DefinitionJSON.encode(definition)
        let versions = try rows(.component, name: component.name).filter { $0.version == component.semanticVersion.description }
        let newest = versions.max { ($0.build ?? 0) < ($1.build ?? 0) }
        if let newest, newest.definition == json {
            return ApplyOutcome(type: "component", name: component.name, arn: newest.arn, action: "unchanged")
        }
        let build = (newest?.build ?? 0) + 1
        let arn = ImageBuilderARN(region: region, owner: ctx.caller, type: .component, name: component.name, version: component.semanticVersion.build(build))
        try ResourceRow(arn: arn.description, region: region.code, ownerId: ctx.caller.rawValue, type: "component", name: arn.name,
                        version: component.semanticVersion.description, build: build, definition: json, dateCreated: now, dateUpdated: nil,
                        status: nil, scheduleThrough: nil, consecutiveFailures: 0).insert(db)
        return ApplyOutcome(type: "component", name: component.name, arn: arn.description, action: "created",
                            note: newest == nil ? nil : "version \(component.semanticVersion) exists with another definition: Image Builder makes build \(build)")
    }

    func apply(_ recipe: ImageRecipeDefinition, field: String) throws -> ApplyOutcome {
        // References must resolve now, as CreateImageRecipe checks them.
        for (j, c) in recipe.components.enumerated() {
            _ = try lookup.resolve(c, region: region, field: "\(field).components[\(j)].componentArn", document: false)
        }
        switch try ParentImage(recipe.parentImage, field: field + ".parentImage") {
        case .ami, .image: _ = try lookup.parent(recipe.parentImage, region: region, field: field + ".parentImage")
        case .parameter: break  // read at build time
        }
        let existing = try rows(.imageRecipe, name: recipe.name)
        func json(_ version: SemanticVersion) throws -> String {
            var stored = recipe
            stored.semanticVersion = try VersionFilter(version.description, field: "semanticVersion")
            return try DefinitionJSON.encode(stored)
        }
        let version: SemanticVersion
        if recipe.semanticVersion.isConcrete {
            version = SemanticVersion(recipe.semanticVersion.fixed[0], recipe.semanticVersion.fixed[1], recipe.semanticVersion.fixed[2])
            if let row = existing.first(where: { $0.version == version.description }) {
                guard row.definition == (try json(version)) else {
                    throw IngotError(kind: .invalidInput, code: "ResourceAlreadyExistsException",
                                     message: "\(field): The following resource 'ImageRecipe' already exists: '\(row.arn)' with another definition; recipes are immutable: give this one a new semanticVersion, or \(version.major).\(version.minor).x to number versions automatically")
                }
                return ApplyOutcome(type: "image-recipe", name: recipe.name, arn: row.arn, action: "unchanged")
            }
        } else {
            let family = existing.compactMap { row in row.version.flatMap { try? SemanticVersion($0, field: "version") }.map { (row, $0) } }
                .filter { recipe.semanticVersion.matches($0.1) }
            if let newest = family.max(by: { $0.1 < $1.1 }), newest.0.definition == (try json(newest.1)) {
                return ApplyOutcome(type: "image-recipe", name: recipe.name, arn: newest.0.arn, action: "unchanged", note: "\(recipe.semanticVersion) is at \(newest.1)")
            }
            let fixed = recipe.semanticVersion.fixed
            version = SemanticVersion(fixed[0], fixed[1], family.map(\.1.patch).max().map { $0 + 1 } ?? 0)
        }
        let arn = ImageBuilderARN(region: region, owner: ctx.caller.rawValue, type: .imageRecipe, name: recipe.name, version: try VersionFilter(version.description, field: "semanticVersion"))
        try ResourceRow(arn: arn.description, region: region.code, ownerId: ctx.caller.rawValue, type: "image-recipe", name: arn.name,
                        version: version.description, build: nil, definition: try json(version), dateCreated: now, dateUpdated: nil,
                        status: nil, scheduleThrough: nil, consecutiveFailures: 0).insert(db)
        return ApplyOutcome(type: "image-recipe", name: recipe.name, arn: arn.description, action: "created",
                            note: recipe.semanticVersion.isConcrete ? nil : "\(recipe.semanticVersion) numbered \(version)")
    }

    func upsert<T: Encodable>(_ type: ImageBuilderARN.ResourceType, name: String, definition: T, status: String? = nil,
                              check: (() throws -> Void)? = nil) throws -> ApplyOutcome {
        try check?()
        let json = try DefinitionJSON.encode(definition)
        let arn = ImageBuilderARN(region: region, owner: ctx.caller.rawValue, type: type, name: name)
        if var row = try rows(type, name: name).first {
            guard row.definition != json else { return ApplyOutcome(type: type.rawValue, name: name, arn: row.arn, action: "unchanged") }
            row.definition = json
            row.dateUpdated = now
            if type == .imagePipeline {
                // Changed (enabled again, a new schedule): its schedule starts from now; ticks before the
                // change (missed while disabled, or of the old expression) never run.
                row.scheduleThrough = max(row.scheduleThrough ?? now, now)
                row.status = status
                // "The consecutive failure count is also reset to zero ... The pipeline configuration is updated."
                row.consecutiveFailures = 0
            }
            try row.update(db)
            return ApplyOutcome(type: type.rawValue, name: name, arn: row.arn, action: "updated")
        }
        try ResourceRow(arn: arn.description, region: region.code, ownerId: ctx.caller.rawValue, type: type.rawValue, name: arn.name,
                        version: nil, build: nil, definition: json, dateCreated: now, dateUpdated: nil, status: status,
                        scheduleThrough: type == .imagePipeline ? now : nil, consecutiveFailures: 0).insert(db)
        return ApplyOutcome(type: type.rawValue, name: name, arn: arn.description, action: "created")
    }

    func apply(_ pipeline: ImagePipelineDefinition, field: String) throws -> ApplyOutcome {
        try upsert(.imagePipeline, name: pipeline.name, definition: pipeline, status: (pipeline.status ?? .enabled).rawValue) {
            let refs: [(String, ImageBuilderARN.ResourceType, String)] = [
                (pipeline.imageRecipeArn, .imageRecipe, "imageRecipeArn"),
                (pipeline.infrastructureConfigurationArn, .infrastructureConfiguration, "infrastructureConfigurationArn"),
            ] + (pipeline.distributionConfigurationArn.map { [($0, ImageBuilderARN.ResourceType.distributionConfiguration, "distributionConfigurationArn")] } ?? [])
            for (text, type, key) in refs {
                let arn = try ImageBuilderARN.reference(text, type: type, region: region, owner: ctx.caller, field: "\(field).\(key)")
                guard arn.region == region, arn.owner == ctx.caller.rawValue, try lookup.newest(arn) != nil else {
                    throw IngotError.invalid("\(field).\(key)", "no \(type.rawValue) '\(arn)' in this account and region; declare it under imageBuilder or apply it first",
                                             code: "ResourceNotFoundException")
                }
            }
        }
    }
}

extension ResourceRow {
    /// The columns ``init(_:)`` reads, in its order.
    private static let columns = """
        arn, region, owner_id, type, name, version, build, definition, date_created, date_updated, status, schedule_through, consecutive_failures
        """

    /// A row of ``columns``, by position: a catch-up reads pipelines and recipes at every stage, and
    /// Codable decoding by column name costs more than the query.
    private init(_ r: RawRow) {
        self.init(arn: r.text(0), region: r.text(1), ownerId: r.text(2), type: r.text(3), name: r.text(4), version: r.optionalText(5),
                  build: r.optionalInt(6), definition: r.text(7), dateCreated: r.int64(8), dateUpdated: r.optionalInt64(9),
                  status: r.optionalText(10), scheduleThrough: r.optionalInt64(11), consecutiveFailures: r.int(12))
    }

    /// One resource by its ARN.
    static func get(_ arn: String, _ db: Database) throws -> ResourceRow? {
        try RawQuery.first(db, "SELECT \(columns) FROM ib_resource WHERE arn = ?", [arn], ResourceRow.init)
    }

    /// Every version and build of the resource `name` of `type`.
    static func named(_ name: String, type: ImageBuilderARN.ResourceType, region: String, owner: String, _ db: Database) throws -> [ResourceRow] {
        try RawQuery.all(db, "SELECT \(columns) FROM ib_resource WHERE region = ? AND owner_id = ? AND type = ? AND name = ?",
                         [region, owner, type.rawValue, name], ResourceRow.init)
    }
}
