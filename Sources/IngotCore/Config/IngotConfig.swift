#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `ingot.yaml`: named selectors, the templates to keep on them, and the DR pair. Decodable with any
/// decoder (the CLI reads YAML); unknown keys are refused with the field that has them, since a typo
/// (`name:` for `names:`) would otherwise select every image. `Examples/ingot.yaml` shows every key.
public struct IngotConfig: Decodable, Sendable, Hashable {
    public var selectors: [String: SelectorSpec]
    public var templates: [TemplateEntry]
    public var dr: DREntry?
    /// Image Builder resources: components, recipes, infrastructure and distribution configurations, pipelines.
    public var imageBuilder: ImageBuilderDefinitions?

    enum CodingKeys: String, CodingKey, CaseIterable { case selectors, templates, dr, imageBuilder }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: "file")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        selectors = try c.decodeIfPresent([String: SelectorSpec].self, forKey: .selectors) ?? [:]
        templates = try c.decodeIfPresent([TemplateEntry].self, forKey: .templates) ?? []
        dr = try c.decodeIfPresent(DREntry.self, forKey: .dr)
        imageBuilder = try c.decodeIfPresent(ImageBuilderDefinitions.self, forKey: .imageBuilder)
    }

    /// A `templates:` entry.
    public struct TemplateEntry: Decodable, Sendable, Hashable {
        public var name: String
        public var regions: [String]
        public var selector: String
        public var setDefault: Bool?
        public var keep: Int?
        public var base: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, regions, selector, setDefault, keep, base }

        public init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            regions = try c.decode([String].self, forKey: .regions)
            selector = try c.decode(String.self, forKey: .selector)
            setDefault = try c.decodeIfPresent(Bool.self, forKey: .setDefault)
            keep = try c.decodeIfPresent(Int.self, forKey: .keep)
            base = try c.decodeIfPresent(String.self, forKey: .base)
        }
    }

    /// `dr:`, the DR pair and its workloads (`ingot dr plan|apply|drill -f ingot.yaml`).
    public struct DREntry: Decodable, Sendable, Hashable {
        public var sourceRegion: String?
        public var region: String?
        public var mode: String?
        public var standbyCapacity: String?
        public var drAccount: String?
        public var kmsKeyId: String?
        public var groups: [String]?
        public var templates: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable { case sourceRegion, region, mode, standbyCapacity, drAccount, kmsKeyId, groups, templates }

        public init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownKeys(CodingKeys.self, field: "dr")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sourceRegion = try c.decodeIfPresent(String.self, forKey: .sourceRegion)
            region = try c.decodeIfPresent(String.self, forKey: .region)
            mode = try c.decodeIfPresent(String.self, forKey: .mode)
            standbyCapacity = try c.decodeIfPresent(String.self, forKey: .standbyCapacity)
            drAccount = try c.decodeIfPresent(String.self, forKey: .drAccount)
            kmsKeyId = try c.decodeIfPresent(String.self, forKey: .kmsKeyId)
            groups = try c.decodeIfPresent([String].self, forKey: .groups)
            templates = try c.decodeIfPresent([String].self, forKey: .templates)
        }

        /// The workloads it lists: groups, then templates.
        public var workloads: [DRWorkload] { (groups ?? []).map(DRWorkload.group) + (templates ?? []).map(DRWorkload.template) }
    }

    /// The `templates:` entries as refresh jobs, each checked (errors name the entry, e.g. `templates[1].keep`).
    public func refreshJobs(dryRun: Bool) throws -> [TemplateRefresher.Job] {
        var named: [String: ImageSelector] = [:]
        for (name, s) in selectors { named[name] = try s.selector(field: "selectors.\(name)") }
        guard !templates.isEmpty else { throw IngotError.invalid("file", "the file lists no templates") }
        return try templates.enumerated().map { i, t in
            let field = "templates[\(i)]"
            try validateLaunchTemplateName(t.name, field: "\(field).name")
            guard let selector = named[t.selector] else {
                throw IngotError.invalid("\(field).selector", "'\(t.selector)' is not one of the selectors: \(named.keys.sorted().joined(separator: ", "))")
            }
            guard !t.regions.isEmpty else { throw IngotError.invalid("\(field).regions", "list at least one region") }
            if let keep = t.keep, keep < 1 { throw IngotError.invalid("\(field).keep", "\(keep) must be at least 1") }
            let base = try t.base.map { try parseChoice($0, field: "\(field).base", TemplateRefresher.Base.self) } ?? .default
            return TemplateRefresher.Job(templates: [t.name], regions: try t.regions.map { try Region($0) }, selector: selector,
                                         options: TemplateRefresher.Options(base: base, setDefault: t.setDefault ?? false, keep: t.keep, dryRun: dryRun))
        }
    }
}

/// A selector as written in YAML: `names`, `tags` (a value or a list of values per key), `owners`,
/// `architecture`, `rootDeviceType`, `version`, `launchableBy`, `excludeTags`, `maxAge`, `order`.
public struct SelectorSpec: Decodable, Sendable, Hashable {
    public var names: [String]?
    public var tags: [String: OneOrMany]?
    public var owners: [String]?
    public var architecture: String?
    public var rootDeviceType: String?
    public var version: String?
    public var launchableBy: String?
    public var excludeTags: [String: OneOrMany]?
    public var maxAge: String?
    public var order: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case names, tags, owners, architecture, rootDeviceType, version, launchableBy, excludeTags, maxAge, order }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName.isEmpty ? "selector" : decoder.fieldName)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        names = try c.decodeIfPresent([String].self, forKey: .names)
        tags = try c.decodeIfPresent([String: OneOrMany].self, forKey: .tags)
        owners = try c.decodeIfPresent([String].self, forKey: .owners)
        architecture = try c.decodeIfPresent(String.self, forKey: .architecture)
        rootDeviceType = try c.decodeIfPresent(String.self, forKey: .rootDeviceType)
        version = try c.decodeIfPresent(String.self, forKey: .version)
        launchableBy = try c.decodeIfPresent(String.self, forKey: .launchableBy)
        excludeTags = try c.decodeIfPresent([String: OneOrMany].self, forKey: .excludeTags)
        maxAge = try c.decodeIfPresent(String.self, forKey: .maxAge)
        order = try c.decodeIfPresent(String.self, forKey: .order)
    }

    /// A selector file: the keys at the top level, or under `selector:`.
    public struct File: Decodable, Sendable {
        public var spec: SelectorSpec

        enum CodingKeys: String, CodingKey { case selector }

        public init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: DynamicKey.self).allKeys.map(\.stringValue)
            if keys.contains("selector") {
                try decoder.refuseUnknownKeys(["selector"], field: "selector")
                spec = try decoder.container(keyedBy: CodingKeys.self).decode(SelectorSpec.self, forKey: .selector)
            } else {
                spec = try SelectorSpec(from: decoder)
            }
        }
    }

    /// A scalar or a list of scalars (`golden: "true"` or `team: [web, api]`).
    public struct OneOrMany: Decodable, Sendable, Hashable {
        public var values: [String]
        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let list = try? c.decode([String].self) { values = list } else { values = [try c.decode(String.self)] }
        }
    }

    /// The validated selector; errors name `field` (e.g. `selectors.web`).
    public func selector(field: String) throws -> ImageSelector {
        var s = ImageSelector(names: names ?? [], owners: try (owners ?? []).map { try ImageOwner($0, field: "\(field) owners") })
        for (k, v) in tags ?? [:] { s.tags[k] = v.values }
        for (k, v) in excludeTags ?? [:] { s.excludeTags[k] = v.values }
        if let a = architecture { s.architecture = try parseChoice(a, field: "\(field) architecture", Architecture.self) }
        if let r = rootDeviceType { s.rootDeviceType = try parseChoice(r, field: "\(field) rootDeviceType", RootDeviceType.self) }
        if let v = version { s.versionRange = try VersionRange(v, field: "\(field) version") }
        if let l = launchableBy { s.launchableBy = try AccountID(l, field: "\(field) launchableBy") }
        if let m = maxAge { s.maxAge = try ImageSelector.parseAge(m, field: "\(field) maxAge") }
        if let o = order { s.order = try parseChoice(o, field: "\(field) order", ResolveOrder.self) }
        try s.requireGoldenRule(field: field)
        return s
    }
}

extension ImageSelector {
    /// A selector must say which images are golden: names, tags or owners.
    public func requireGoldenRule(field: String) throws {
        guard !names.isEmpty || !tags.isEmpty || !owners.isEmpty else {
            throw IngotError.invalid(field, "say which images are golden: give names, tags or owners")
        }
    }
}

/// An enum value given as text; the error names the field and the accepted values.
public func parseChoice<E: RawRepresentable & CaseIterable>(_ text: String, field: String, _: E.Type) throws -> E where E.RawValue == String {
    guard let v = E(rawValue: text) else {
        throw IngotError.invalid(field, "'\(text)' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return v
}

extension Decoder {
    /// Where this value sits in the file: `selectors.web`, `templates[1]`.
    var fieldName: String {
        codingPath.reduce("") { path, key in
            if let i = key.intValue { return "\(path)[\(i)]" }
            return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
        }
    }

    func refuseUnknownKeys<K: CodingKey & CaseIterable>(_: K.Type, field: String) throws {
        try refuseUnknownKeys(Set(K.allCases.map(\.stringValue)), field: field)
    }

    func refuseUnknownKeys(_ allowed: Set<String>, field: String) throws {
        guard let c = try? container(keyedBy: DynamicKey.self) else { return }
        if let unknown = c.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw IngotError.invalid(field, "unknown key '\(unknown)'; accepted: \(allowed.sorted().joined(separator: ", "))")
        }
    }
}
