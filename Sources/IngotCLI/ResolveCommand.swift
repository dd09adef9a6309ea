import ArgumentParser
import Foundation
import IngotAWS
import IngotCore
import IngotLocal
import Yams

/// The selector, from flags or a YAML file (`--selector FILE`); flags add to the file's rules.
struct SelectorOptions: ParsableArguments {
    @Option(name: .customLong("selector"), help: "A YAML file with the selector (names, tags, owners, architecture, rootDeviceType, version, launchableBy, excludeTags, maxAge, order), at the top level or under `selector:`.")
    var file: String?
    @Option(name: .customLong("name"), help: "Name pattern with * and ?; repeatable (any).") var names: [String] = []
    @Option(name: .customLong("tag"), help: "KEY=VALUE (wildcards allowed) or KEY; repeat a key for several values.") var tags: [String] = []
    @Option(name: .customLong("owner"), help: "self, amazon or an account id; repeatable.") var owners: [String] = []
    @Option(help: "The architecture.") var architecture: Architecture?
    @Option(name: .customLong("root-device-type"), help: "ebs or instance-store.") var rootDeviceType: RootDeviceType?
    @Option(name: .customLong("version-range"), help: "e.g. '>=2.0.0 <3.0.0'.") var versionRange: String?
    @Option(name: .customLong("launchable-by"), help: "The account that must be able to launch the image.") var launchableBy: String?
    @Option(name: .customLong("exclude-tag"), help: "KEY=VALUE or KEY: images so tagged are never chosen; repeatable.") var excludeTags: [String] = []
    @Option(name: .customLong("max-age"), help: "e.g. 90d, 12h, 2w.") var maxAge: String?
    @Option(help: "What \"latest\" means.") var order: ResolveOrder?

    func resolve() throws -> ImageSelector {
        var s = try file.map(YAMLFile.selector) ?? ImageSelector()
        s.names += names
        for c in try TagCondition.parse(tags, field: "tag") { s.tags[c.key, default: []] += c.values }
        s.owners += try owners.map { try ImageOwner($0) }
        if let architecture { s.architecture = architecture }
        if let rootDeviceType { s.rootDeviceType = rootDeviceType }
        if let v = versionRange { s.versionRange = try VersionRange(v, field: "version-range") }
        if let l = launchableBy { s.launchableBy = try AccountID(l, field: "launchable-by") }
        for c in try TagCondition.parse(excludeTags, field: "exclude-tag") { s.excludeTags[c.key, default: []] += c.values }
        if let m = maxAge { s.maxAge = try ImageSelector.parseAge(m, field: "max-age") }
        if let order { s.order = order }
        guard !s.names.isEmpty || !s.tags.isEmpty || !s.owners.isEmpty else {
            throw IngotError.invalid("selector", "say which images are golden: give --name, --tag or --owner (or --selector FILE)")
        }
        return s
    }
}

struct Resolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resolve the latest non-deprecated golden image in each region, with the reasons.",
        discussion: """
            Every region is resolved concurrently. An image whose deprecation time is still ahead is eligible (its deprecation is shown). --consistent picks the newest build present in all regions (copies matched by lineage, else by version) and lists the lagging regions. Exit 3 when a region resolves to nothing.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var regions: RegionsOption
    @OptionGroup var selector: SelectorOptions
    @Flag(help: "Explain the choice: each rejected candidate newer than the chosen image with its reason, then counts by rule for the rest.")
    var explain = false
    @Flag(name: .customLong("explain-all"), help: "List every rejected candidate with its reason.") var explainAll = false
    @Flag(help: "Choose the newest build available in every region.") var consistent = false
    @OptionGroup var accounts: AccountsOptions

    /// What one account resolved to.
    struct Outcome: Encodable, Sendable {
        let results: [RegionResolution]
        let lagging: [GoldenImageResolver.Lagging]
        let consistent: Bool
        let explain: ResolveReport.Explain
        let order: ResolveOrder
        func encode(to encoder: any Encoder) throws {
            try ResolveReport(results, lagging: consistent ? lagging : nil, explain: explain, order: order).encode(to: encoder)
        }
    }

    var explanation: ResolveReport.Explain { explainAll ? .all : explain ? .newer : .counts }

    func decide(_ candidates: [(Region, [Image])], selector: ImageSelector, now: Date) -> Outcome {
        if consistent {
            let (results, lagging) = GoldenImageResolver.chooseConsistent(candidates, by: selector, now: now)
            return Outcome(results: results, lagging: lagging, consistent: true, explain: explanation, order: selector.order)
        }
        return Outcome(results: candidates.map { GoldenImageResolver.choose($0.1, region: $0.0, by: selector, now: now) }, lagging: [],
                       consistent: false, explain: explanation, order: selector.order)
    }

    func run() async throws {
        let regions = try regions.resolve()
        let selector = try selector.resolve()
        if accounts.isEnabled {
            let command = self
            let outcomes = try await global.inAccounts(accounts) { cloud in
                command.decide(try await GoldenImageResolver.candidates(selector, regions: regions, cloud: cloud), selector: selector, now: Date())
            }
            try AccountReport.output(outcomes, global: global) { print($0.results, lagging: $0.lagging, order: $0.order, now: Date()) }
            let failed = outcomes.contains { if case .success(let o) = $0.result { o.results.contains { $0.image == nil } } else { true } }
            if failed { throw CommandFailure(code: 3) }
            return
        }
        let (candidates, now) = try await global.withCloud { cloud, now in
            if let warning = selector.sharedTagWarning(caller: cloud.caller) { Output.note("warning: \(warning)") }
            return (try await GoldenImageResolver.candidates(selector, regions: regions, cloud: cloud), now)
        }
        let outcome = decide(candidates, selector: selector, now: now)
        if global.structured {
            try Output.document(global.output, outcome)
        } else {
            print(outcome.results, lagging: outcome.lagging, order: outcome.order, now: now)
        }
        if outcome.results.contains(where: { $0.image == nil }) { throw CommandFailure(code: 3) }
    }

    func print(_ results: [RegionResolution], lagging: [GoldenImageResolver.Lagging], order: ResolveOrder, now: Date) {
        Output.table(["REGION", "IMAGE", "NAME", "VERSION", "CREATED", "NOTE"], results.map { r in
            guard let i = r.image else { return [r.region.code, "(none)", "", "", "", "no eligible image among \(Output.count(r.rejected.count, "candidate"))"] }
            let note = i.deprecationTime.map { "deprecates \(Output.time($0))" } ?? ""
            return [r.region.code, i.id.rawValue, i.name, i.imageVersion?.description ?? "", Output.time(i.creationDate), note]
        })
        for l in lagging {
            Output.line("lagging: \(l.region) lacks \(l.missing.imageVersion?.description ?? l.missing.name) (\(l.missing.id) in \(l.missing.region))")
        }
        for r in results where !r.rejected.isEmpty {
            switch explanation {
            case .counts: continue
            case .all:
                Output.line("\n\(r.region): \(Output.count(r.rejected.count, "rejected candidate"))")
                Output.table(["  IMAGE", "NAME", "REASON"], r.rejected.map { ["  " + $0.image.id.rawValue, $0.image.name, $0.reason.text] })
            case .newer:
                let (newer, older) = r.explanation(order: order)
                let chosen = r.image.map { "newer than \($0.id)" } ?? "(nothing chosen)"
                Output.line("\n\(r.region): \(Output.count(newer.count, "rejected candidate")) \(chosen)")
                if !newer.isEmpty {
                    Output.table(["  IMAGE", "NAME", "REASON"], newer.map { ["  " + $0.image.id.rawValue, $0.image.name, $0.reason.text] })
                }
                if !older.isEmpty {
                    Output.line("  older: " + ResolveReport.countsText(older) + " (--explain-all lists them)")
                }
            }
        }
    }
}

/// `{"regions":[{"region":..,"image":{...}|null,"rejectedCount":N,"rejectedByRule":{"deprecated":N,..}}]}`. With
/// `--explain`, the candidates ranked above the chosen image too, `"rejected":[{"imageId":..,"name":..,"reason":..}]`,
/// and the others counted by rule, `"olderByRule":{"superseded":N,..}`; with `--explain-all`, `"rejected"` lists
/// every candidate. Without them the document stays small however many candidates there are.
struct ResolveReport: Encodable {
    /// How much of the rejections a report shows.
    enum Explain: Sendable { case counts, newer, all }

    struct Entry: Encodable {
        let region: String
        let image: Image?
        let rejectedCount: Int
        let rejectedByRule: [String: Int]
        let rejected: [Rejected]?
        let olderByRule: [String: Int]?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(region, forKey: .region)
            try c.encode(image, forKey: .image)  // null when none, as documented
            try c.encode(rejectedCount, forKey: .rejectedCount)
            try c.encode(rejectedByRule, forKey: .rejectedByRule)
            try c.encodeIfPresent(rejected, forKey: .rejected)
            try c.encodeIfPresent(olderByRule, forKey: .olderByRule)
        }
        enum CodingKeys: String, CodingKey { case region, image, rejectedCount, rejectedByRule, rejected, olderByRule }
    }

    /// "249812 superseded, 187 deprecated, 1 disabled": the largest first.
    static func countsText(_ counts: [String: Int]) -> String {
        counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
    struct Rejected: Encodable { let imageId: String; let name: String; let reason: String }
    struct Lag: Encodable { let region: String; let missingImageId: String; let missingRegion: String; let name: String; let version: String? }

    let regions: [Entry]
    let lagging: [Lag]?

    init(_ results: [RegionResolution], lagging: [GoldenImageResolver.Lagging]?, explain: Explain, order: ResolveOrder) {
        func listed(_ list: [Rejection]) -> [Rejected] { list.map { Rejected(imageId: $0.image.id.rawValue, name: $0.image.name, reason: $0.reason.text) } }
        regions = results.map { r in
            let (newer, older): ([Rejection]?, [String: Int]?) = switch explain {
            case .counts: (nil, nil)
            case .all: (r.rejected, nil)
            case .newer: r.explanation(order: order)
            }
            return Entry(region: r.region.code, image: r.image, rejectedCount: r.rejected.count,
                         rejectedByRule: Dictionary(grouping: r.rejected, by: \.reason.rule).mapValues(\.count),
                         rejected: newer.map(listed), olderByRule: older)
        }
        self.lagging = lagging?.map {
            Lag(region: $0.region.code, missingImageId: $0.missing.id.rawValue, missingRegion: $0.missing.region.code,
                name: $0.missing.name, version: $0.missing.imageVersion?.description)
        }
    }
}

// Enum options, parsed and listed in help and completions by argument-parser (one place each).
extension Architecture: ExpressibleByArgument {}
extension RootDeviceType: ExpressibleByArgument {}
extension ResolveOrder: ExpressibleByArgument {}
extension TemplateRefresher.Base: ExpressibleByArgument {}
