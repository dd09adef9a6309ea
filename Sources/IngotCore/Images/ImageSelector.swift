#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What counts as a golden image: the rules `ingot resolve` and the template refresher apply.
///
/// ```swift
/// var golden = ImageSelector(names: ["golden-web-*"], owners: [.caller])
/// golden.tags = ["golden": ["true"]]
/// golden.versionRange = try VersionRange(">=2.0.0 <3.0.0")
/// ```
public struct ImageSelector: Sendable, Hashable {
    /// Name patterns with `*` and `?` (any may match).
    public var names: [String]
    /// Required tags: each key must be present with one of its values (wildcards allowed); an empty
    /// list only requires the key.
    public var tags: [String: [String]]
    /// DescribeImages' Owners.
    public var owners: [ImageOwner]
    public var architecture: Architecture?
    public var rootDeviceType: RootDeviceType?
    public var versionRange: VersionRange?
    /// The image must be launchable by this account: owned by it, shared with it, or public.
    public var launchableBy: AccountID?
    /// Images carrying any of these tags (key to values; empty list: any value) are excluded.
    public var excludeTags: [String: [String]]
    /// Images older than this are rejected.
    public var maxAge: TimeInterval?
    /// What "latest" means.
    public var order: ResolveOrder

    public init(
        names: [String] = [], tags: [String: [String]] = [:], owners: [ImageOwner] = [], architecture: Architecture? = nil,
        rootDeviceType: RootDeviceType? = nil, versionRange: VersionRange? = nil, launchableBy: AccountID? = nil,
        excludeTags: [String: [String]] = [:], maxAge: TimeInterval? = nil, order: ResolveOrder = .creationDate
    ) {
        self.names = names
        self.tags = tags
        self.owners = owners
        self.architecture = architecture
        self.rootDeviceType = rootDeviceType
        self.versionRange = versionRange
        self.launchableBy = launchableBy
        self.excludeTags = excludeTags
        self.maxAge = maxAge
        self.order = order
    }

    /// The DescribeImages request that fetches every candidate (deprecated and disabled included, so
    /// that they can be explained).
    /// Why this selector's tag filters cannot find what it asks for on AWS (nil: they can): it filters by
    /// user-defined tags on images of other owners, and "When you share an AMI, your user-defined tags
    /// are not available to any AWS account that the AMI is shared with" (EC2 user guide).
    public func sharedTagWarning(caller: AccountID) -> String? {
        let userTags = tags.keys.filter { !$0.lowercased().hasPrefix("aws:") }.sorted()
        let others = owners.filter { !$0.isCaller(caller) }.map(\.rawValue)
        guard !userTags.isEmpty, !others.isEmpty else { return nil }
        return "tag filters (\(userTags.joined(separator: ", "))) never match images shared from another account (\(others.joined(separator: ", "))): "
            + "AWS does not share user-defined tags; select by owner and name, or by an SSM parameter the owner publishes"
    }

    public func candidatesRequest(region: Region) -> DescribeImagesRequest {
        DescribeImagesRequest(region: region, owners: owners, filters: names.isEmpty ? [] : [.name(names)],
                              includeDeprecated: true, includeDisabled: true)
    }

    /// Parses `90d`, `12h`, `2w`, `30m` (the field is named in errors).
    public static func parseAge(_ text: String, field: String = "max-age") throws -> TimeInterval {
        guard let seconds = Timestamp.span(text, units: "mhdw"), seconds > 0 else {
            throw IngotError.invalid(field, "'\(text)' is not an age such as 90d, 12h, 2w or 30m")
        }
        return seconds
    }
}

public enum ResolveOrder: String, Sendable, Hashable, CaseIterable {
    case creationDate = "creation-date"
    case version
}

/// A range of image versions: space-separated constraints such as `>=2.0.0 <3.0.0`, `=2.4.0/3`, `2.4.0`.
public struct VersionRange: Sendable, Hashable, CustomStringConvertible {
    public enum Op: String, Sendable, Hashable { case lt = "<", le = "<=", gt = ">", ge = ">=", eq = "=" }
    public struct Constraint: Sendable, Hashable {
        public var op: Op
        public var version: ImageVersion
        /// `2.4.0` without a build: compares on major.minor.patch only.
        public var hasBuild: Bool
    }

    public let constraints: [Constraint]
    public let description: String

    public init(_ text: String, field: String = "version-range") throws {
        var list: [Constraint] = []
        for token in text.split(separator: " ") where !token.isEmpty {
            var rest = Substring(token)
            var op = Op.eq
            for candidate in [Op.ge, .le, .gt, .lt, .eq] where rest.hasPrefix(candidate.rawValue) {
                op = candidate
                rest = rest.dropFirst(candidate.rawValue.count)
                break
            }
            let hasBuild = rest.contains("/")
            guard let v = ImageVersion(parsing: hasBuild ? String(rest) : rest + "/0") else {
                throw IngotError.invalid(field, "'\(token)' is not a constraint such as >=2.0.0, <3.0.0 or =2.4.0/3")
            }
            list.append(Constraint(op: op, version: v, hasBuild: hasBuild))
        }
        guard !list.isEmpty else { throw IngotError.invalid(field, "empty range; expected e.g. '>=2.0.0 <3.0.0'") }
        constraints = list
        description = text
    }

    public func contains(_ v: ImageVersion) -> Bool {
        constraints.allSatisfy { c in
            let lhs = c.hasBuild ? v : ImageVersion(major: v.major, minor: v.minor, patch: v.patch, build: 0)
            switch c.op {
            case .lt: return lhs < c.version
            case .le: return lhs <= c.version
            case .gt: return lhs > c.version
            case .ge: return lhs >= c.version
            case .eq: return lhs == c.version
            }
        }
    }
}

/// One `--tag`/`--exclude-tag` condition, with one meaning everywhere (resolve, images list, selectors):
/// a key with the values it may have (any of them, wildcards allowed); no values: present with any
/// value. Repeating a key adds values; different keys must all match.
public struct TagCondition: Sendable, Hashable {
    public var key: String
    public var values: [String]

    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }

    /// `KEY=VALUE` and `KEY` items, keys in the order first given; a bare key wins over values.
    public static func parse(_ items: [String], field: String) throws -> [TagCondition] {
        var order: [String] = [], values: [String: [String]] = [:], bare: Set<String> = []
        for item in items {
            let key: String, value: String?
            if let eq = item.firstIndex(of: "=") {
                (key, value) = (String(item[..<eq]), String(item[item.index(after: eq)...]))
            } else {
                (key, value) = (item, nil)
            }
            guard !key.isEmpty else {
                throw IngotError.invalid(field, item.isEmpty ? "empty tag; expected KEY=VALUE or KEY" : "'\(item)' has an empty key; expected KEY=VALUE or KEY")
            }
            if values[key] == nil { order.append(key); values[key] = [] }
            if let value {
                if values[key]?.contains(value) == false { values[key]?.append(value) }
            } else {
                bare.insert(key)
            }
        }
        return order.map { TagCondition(key: $0, values: bare.contains($0) ? [] : values[$0] ?? []) }
    }

    /// The DescribeImages filter with the same meaning (`tag:KEY` with the values, or `tag-key`).
    public var filter: ImageFilter { values.isEmpty ? .tagKey([key]) : .tag(key: key, values: values) }
}

