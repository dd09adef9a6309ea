import GRDB
import IngotCore

/// DescribeImages' parameters as SQL over the `image` table, with AWS's visibility rules:
/// the caller sees its own images, public ones and those shared with it; deprecated images of other
/// owners only with IncludeDeprecated (or asked for by id); disabled ones only with IncludeDisabled.
enum DescribeImagesQuery {
    static func build(_ r: DescribeImagesRequest, caller: AccountID) throws -> (String, StatementArguments) {
        var clauses = ["image.region = :region"]
        var args: StatementArguments = ["region": r.region.code, "caller": caller.rawValue]
        var n = 0
        func bind(_ value: (any DatabaseValueConvertible)?) -> String {
            n += 1
            let name = "p\(n)"
            _ = args.append(contentsOf: [name: value])
            return ":" + name
        }
        // "When you share an AMI, your user-defined tags are not available to any AWS account that the AMI
        // is shared with": a user-defined tag matches only the caller's own images (aws: tags match all).
        func ownTags(_ key: String) -> String { key.lowercased().hasPrefix("aws:") ? "" : "image.owner_id = :caller AND " }
        // A pattern without wildcards is an equality: SQLite re-plans a GLOB against a bound value at
        // every new value (to use the index for its prefix), an equality is planned once.
        func match(_ column: String, _ pattern: String) -> String {
            WildcardPattern(pattern).hasWildcards ? "\(column) GLOB \(bind(glob(pattern)))" : "\(column) = \(bind(pattern))"
        }
        // Explicit parameter lists, not json_each: the planner then looks ids up in their index.
        func list(_ values: [String]) -> String { "(" + values.map { bind($0) }.joined(separator: ", ") + ")" }
        clauses.append("""
            (image.owner_id = :caller OR image.is_public = 1 OR EXISTS (SELECT 1 FROM launch_permission lp
                WHERE lp.image = image.id AND lp.kind = 'user' AND lp.value = :caller))
            """)
        if !r.includeDeprecated && r.imageIds.isEmpty {
            clauses.append("(image.deprecation_time IS NULL OR image.deprecation_time > :now OR image.owner_id = :caller)")
        }
        if !r.includeDisabled { clauses.append("image.state <> 'disabled'") }
        if !r.imageIds.isEmpty {
            clauses.append("image.image_id IN \(list(r.imageIds.map(\.rawValue)))")
        }
        if !r.owners.isEmpty {
            let parts = r.owners.map { owner -> String in
                switch owner {
                case .caller: "image.owner_id = :caller"
                case .alias(let alias): "image.owner_alias = \(bind(alias))"
                case .account(let id): "image.owner_id = \(bind(id.rawValue))"
                }
            }
            clauses.append("(" + parts.joined(separator: " OR ") + ")")
        }
        if !r.executableBy.isEmpty {
            let parts = try r.executableBy.map { who -> String in
                switch who {
                case "all": return "image.is_public = 1"
                case "self": return "EXISTS (SELECT 1 FROM launch_permission lp WHERE lp.image = image.id AND lp.kind = 'user' AND lp.value = :caller)"
                default:
                    let account = try AccountID(who, field: "executable-by")
                    return "EXISTS (SELECT 1 FROM launch_permission lp WHERE lp.image = image.id AND lp.kind = 'user' AND lp.value = \(bind(account.rawValue)))"
                }
            }
            clauses.append("(" + parts.joined(separator: " OR ") + ")")
        }
        for filter in r.filters {
            switch filter {
            case .name(let patterns):
                clauses.append("(" + patterns.map { match("image.name", $0) }.joined(separator: " OR ") + ")")
            case .imageId(let patterns):
                clauses.append("(" + patterns.map { match("image.image_id", $0) }.joined(separator: " OR ") + ")")
            case .tag(let key, let values):
                let exact = values.allSatisfy { !WildcardPattern($0).hasWildcards }
                let valueSQL = exact
                    ? "t.value IN \(list(values))"
                    : "(" + values.map { "t.value GLOB \(bind(glob($0)))" }.joined(separator: " OR ") + ")"
                clauses.append(ownTags(key) + "image.id IN (SELECT t.image FROM image_tag t WHERE t.key = \(bind(key)) AND \(valueSQL))")
            case .tagKey(let keys):
                clauses.append("(" + keys.map { ownTags($0) + "image.id IN (SELECT t.image FROM image_tag t WHERE t.key = \(bind($0)))" }.joined(separator: " OR ") + ")")
            case .state(let states):
                clauses.append("(\(ImageRows.effectiveState)) IN \(list(states.map(\.rawValue)))")
            case .architecture(let archs):
                clauses.append("image.architecture IN \(list(archs.map(\.rawValue)))")
            case .isPublic(let b):
                clauses.append("image.is_public = \(b ? 1 : 0)")
            }
        }
        return (clauses.joined(separator: " AND "), args)
    }

    /// AWS's `*`/`?` wildcards as a SQLite GLOB (whose `[` starts a character class).
    static func glob(_ pattern: String) -> String {
        var out = ""
        for ch in pattern {
            switch ch {
            case "[": out += "[[]"
            default: out.append(ch)
            }
        }
        return out
    }
}
