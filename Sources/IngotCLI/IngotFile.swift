import Foundation
import IngotCore
import Yams

/// `ingot.yaml`: named selectors and the templates to keep on them.
///
/// ```yaml
/// selectors:
///   web: {names: ["golden-web-*"], tags: {golden: "true"}, owners: [self]}
/// templates:
///   - name: web-lt
///     regions: [us-east-1, eu-west-1]
///     selector: web            # a name from `selectors`
///     setDefault: true
///     keep: 10
///     base: default            # or latest
/// ```
struct IngotFile: Decodable {
    var selectors: [String: SelectorFile]?
    var templates: [TemplateEntry]?
    var dr: DREntry?

    /// `dr:` the DR pair and its workloads (`ingot dr plan|apply|drill -f ingot.yaml`).
    struct DREntry: Decodable {
        var sourceRegion: String?
        var region: String?
        var mode: String?
        var standbyCapacity: String?
        var drAccount: String?
        var kmsKeyId: String?
        var groups: [String]?
        var templates: [String]?
    }

    static func loadDR(_ path: String) throws -> DREntry {
        guard let data = FileManager.default.contents(atPath: path) else { throw IngotError.invalid("file", "cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        try YAMLKeys.checkIngotFile(text)
        do {
            guard let entry = try YAMLDecoder().decode(IngotFile.self, from: text).dr else { throw IngotError.invalid("file", "\(path) has no dr section") }
            return entry
        } catch let e as IngotError { throw e } catch {
            throw IngotError.invalid("file", "\(path) is not an ingot.yaml: \(error)")
        }
    }

    struct TemplateEntry: Decodable {
        var name: String
        var regions: [String]
        var selector: String
        var setDefault: Bool?
        var keep: Int?
        var base: String?
    }

    static func load(_ path: String, dryRun: Bool) throws -> [TemplateRefresher.Job] {
        guard let data = FileManager.default.contents(atPath: path) else { throw IngotError.invalid("file", "cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        try YAMLKeys.checkIngotFile(text)
        let file: IngotFile
        do { file = try YAMLDecoder().decode(IngotFile.self, from: text) } catch {
            throw IngotError.invalid("file", "\(path) is not an ingot.yaml: \(error)")
        }
        var selectors: [String: ImageSelector] = [:]
        for (name, s) in file.selectors ?? [:] { selectors[name] = try s.selector(field: "selectors.\(name)") }
        guard let templates = file.templates, !templates.isEmpty else { throw IngotError.invalid("file", "\(path) lists no templates") }
        return try templates.enumerated().map { i, t in
            let field = "templates[\(i)]"
            try validateLaunchTemplateName(t.name, field: "\(field).name")
            guard let selector = selectors[t.selector] else {
                throw IngotError.invalid("\(field).selector", "'\(t.selector)' is not one of the selectors: \(selectors.keys.sorted().joined(separator: ", "))")
            }
            guard !t.regions.isEmpty else { throw IngotError.invalid("\(field).regions", "list at least one region") }
            if let keep = t.keep, keep < 1 { throw IngotError.invalid("\(field).keep", "\(keep) must be at least 1") }
            let base = try t.base.map { try SelectorOptions.choice($0, field: "\(field).base", TemplateRefresher.Base.self) } ?? .default
            return TemplateRefresher.Job(templates: [t.name], regions: try t.regions.map { try Region($0) }, selector: selector,
                       options: TemplateRefresher.Options(base: base, setDefault: t.setDefault ?? false, keep: t.keep, dryRun: dryRun))
        }
    }
}

/// Unknown keys in YAML are mistakes (`name:` for `names:` would select every image): refuse them.
enum YAMLKeys {
    static let selector: Set<String> = ["names", "tags", "owners", "architecture", "rootDeviceType", "version", "launchableBy", "excludeTags", "maxAge", "order"]
    static let template: Set<String> = ["name", "regions", "selector", "setDefault", "keep", "base"]
    static let dr: Set<String> = ["sourceRegion", "region", "mode", "standbyCapacity", "drAccount", "kmsKeyId", "groups", "templates"]

    static func check(_ node: Any?, allowed: Set<String>, field: String) throws {
        guard let map = node as? [String: Any] else { return }
        if let unknown = map.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw IngotError.invalid(field, "unknown key '\(unknown)'; accepted: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// Checks a selector file (`selector:` at the top, or the keys themselves).
    static func checkSelectorFile(_ text: String, field: String) throws {
        let root = try? Yams.load(yaml: text)
        if let map = root as? [String: Any], map.keys.contains("selector") {
            try check(map, allowed: ["selector"], field: field)
            try check(map["selector"], allowed: selector, field: field)
        } else {
            try check(root, allowed: selector, field: field)
        }
    }

    static func checkIngotFile(_ text: String) throws {
        let root = try? Yams.load(yaml: text)
        try check(root, allowed: ["selectors", "templates", "dr"], field: "file")
        guard let map = root as? [String: Any] else { return }
        for (name, s) in (map["selectors"] as? [String: Any]) ?? [:] { try check(s, allowed: selector, field: "selectors.\(name)") }
        for (i, t) in ((map["templates"] as? [Any]) ?? []).enumerated() { try check(t, allowed: template, field: "templates[\(i)]") }
        try check(map["dr"], allowed: dr, field: "dr")
    }
}
