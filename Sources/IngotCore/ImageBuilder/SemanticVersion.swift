import Foundation

/// An Image Builder semantic version, `MAJOR.MINOR.PATCH`: what components and recipes are
/// versioned by. The build number (`/N`) is the service's, see ``ImageVersion``.
///
/// "For the first three nodes you can assign any positive integer value, including zero, with an
/// upper limit of 2^30-1, or 1073741823 for each node." (Image Builder API reference, CreateComponent)
public struct SemanticVersion: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    /// The largest value of a node, 2^30-1.
    public static let nodeLimit = 1_073_741_823

    /// A version from its three nodes.
    /// - Parameters:
    ///   - major: the first node.
    ///   - minor: the second node.
    ///   - patch: the third node.
    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses a concrete `x.y.z`; the error names `field`.
    /// - Parameters:
    ///   - text: the version, e.g. `2.3.0`.
    ///   - field: the field named in the error.
    public init(_ text: String, field: String) throws {
        let nodes = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard nodes.count == 3, nodes.allSatisfy({ $0.map { (0...Self.nodeLimit).contains($0) } ?? false }),
              !text.contains("+"), !text.contains("-") else {
            throw IngotError.invalid(field, "'\(text)' is not a semantic version; accepted: MAJOR.MINOR.PATCH, each 0 to \(Self.nodeLimit) (e.g. 2.3.0)",
                                     code: "InvalidVersionNumberException")
        }
        self.init(nodes[0] ?? 0, nodes[1] ?? 0, nodes[2] ?? 0)
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (l: SemanticVersion, r: SemanticVersion) -> Bool { (l.major, l.minor, l.patch) < (r.major, r.minor, r.patch) }

    /// This version with a build number.
    /// - Parameter build: the build number, from 1.
    public func build(_ build: Int) -> ImageVersion { ImageVersion(major: major, minor: minor, patch: patch, build: build) }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self), field: decoder.fieldName)
    }

    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(description) }
}

extension ImageVersion {
    /// The semantic version without the build number.
    public var semantic: SemanticVersion { SemanticVersion(major, minor, patch) }
}

/// A version as a recipe names a component or parent image: concrete (`1.2.0`, or a pinned build
/// `1.2.0/3`) or with wildcards (`x.x.x`, `1.x.x`, `1.6.x`).
///
/// "When you use a wildcard in any node, all nodes to the right of the first wildcard must also be
/// wildcards." (Image Builder user guide, Semantic versioning): `x.2.x` and `1.x.8` are refused.
public struct VersionFilter: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The fixed leading nodes (0 to 3 of them).
    public let fixed: [Int]
    /// A pinned build (`1.2.0/3`); only with three fixed nodes.
    public let build: Int?

    /// Parses a filter; the error names `field`.
    /// - Parameters:
    ///   - text: `x.x.x`, `1.x.x`, `1.6.x`, `1.6.2` or `1.6.2/4`.
    ///   - field: the field named in the error.
    public init(_ text: String, field: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let nodes = parts[0].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let accepted = "accepted: MAJOR.MINOR.PATCH with right-contiguous x wildcards (x.x.x, 1.x.x, 1.6.x), or a build 1.6.2/3"
        guard parts.count <= 2, nodes.count == 3 else {
            throw IngotError.invalid(field, "'\(text)' is not a version filter; \(accepted)", code: "InvalidVersionNumberException")
        }
        var fixed: [Int] = []
        var wild = false
        for node in nodes {
            if node == "x" || node == "X" { wild = true; continue }
            guard let n = Int(node), (0...SemanticVersion.nodeLimit).contains(n), String(n) == node || node.allSatisfy(\.isNumber) else {
                throw IngotError.invalid(field, "'\(text)': node '\(node)' is neither a number nor x; \(accepted)", code: "InvalidVersionNumberException")
            }
            guard !wild else {
                throw IngotError.invalid(field, "'\(text)': a number follows a wildcard; wildcards must be right-contiguous; \(accepted)",
                                         code: "InvalidVersionNumberException")
            }
            fixed.append(n)
        }
        var build: Int?
        if parts.count == 2 {
            guard fixed.count == 3, let b = Int(parts[1]), b >= 1 else {
                throw IngotError.invalid(field, "'\(text)': a build number needs a concrete version and is 1 or more; \(accepted)",
                                         code: "InvalidVersionNumberException")
            }
            build = b
        }
        self.fixed = fixed
        self.build = build
    }

    /// Whether `version` matches the fixed nodes.
    /// - Parameter version: a concrete version.
    public func matches(_ version: SemanticVersion) -> Bool {
        let nodes = [version.major, version.minor, version.patch]
        return zip(fixed, nodes).allSatisfy { $0 == $1 }
    }

    /// Whether `version` (with its build) matches, a pinned build included.
    /// - Parameter version: a build's version.
    public func matches(_ version: ImageVersion) -> Bool {
        matches(version.semantic) && (build.map { $0 == version.build } ?? true)
    }

    /// The newest of `versions` that matches, or nil.
    /// - Parameter versions: the versions that exist.
    public func newest(of versions: some Sequence<SemanticVersion>) -> SemanticVersion? {
        versions.filter(matches).max()
    }

    /// Whether the filter names one version (no wildcard).
    public var isConcrete: Bool { fixed.count == 3 }

    public var description: String {
        let nodes = (0..<3).map { $0 < fixed.count ? String(fixed[$0]) : "x" }.joined(separator: ".")
        return build.map { "\(nodes)/\($0)" } ?? nodes
    }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self), field: decoder.fieldName)
    }

    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(description) }
}
