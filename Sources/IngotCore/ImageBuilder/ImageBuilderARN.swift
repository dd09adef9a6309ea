import Foundation

/// An Image Builder ARN: `arn:aws:imagebuilder:REGION:OWNER:TYPE/NAME[/VERSION[/BUILD]]`, where
/// OWNER is an account id or `aws` for AWS-managed components and images.
///
/// Names appear in ARNs lowercased with spaces as hyphens (`My Recipe` is `.../image-recipe/my-recipe/1.0.0`).
public struct ImageBuilderARN: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public enum ResourceType: String, Sendable, Hashable, Codable, CaseIterable {
        case component, image, imageRecipe = "image-recipe", imagePipeline = "image-pipeline"
        case infrastructureConfiguration = "infrastructure-configuration", distributionConfiguration = "distribution-configuration"
        case lifecyclePolicy = "lifecycle-policy"

        /// Whether resources of this type are versioned (components, recipes, images).
        public var isVersioned: Bool { self == .component || self == .image || self == .imageRecipe }
    }

    public var region: Region
    /// An account id, or `aws`.
    public var owner: String
    public var type: ResourceType
    /// The name as it appears in the ARN.
    public var name: String
    /// The version (with wildcards where a filter is allowed) and build.
    public var version: VersionFilter?

    /// An ARN from its parts; `name` is put in ARN form.
    /// - Parameters:
    ///   - region: the resource's region.
    ///   - owner: an account id or `aws`.
    ///   - type: the resource type.
    ///   - name: the resource's name.
    ///   - version: its version, for versioned types.
    public init(region: Region, owner: String, type: ResourceType, name: String, version: VersionFilter? = nil) {
        self.region = region
        self.owner = owner
        self.type = type
        self.name = Self.arnName(name)
        self.version = version
    }

    /// A build's ARN.
    /// - Parameters:
    ///   - region: the build's region.
    ///   - owner: its account.
    ///   - type: `.image` or `.component`.
    ///   - name: the recipe's or component's name.
    ///   - version: the version with its build number.
    public init(region: Region, owner: AccountID, type: ResourceType, name: String, version: ImageVersion) {
        self.init(region: region, owner: owner.rawValue, type: type, name: name,
                  version: try? VersionFilter(version.description, field: "version"))
    }

    /// Parses an ARN; the error names `field`.
    /// - Parameters:
    ///   - text: the ARN.
    ///   - field: the field named in the error.
    public init(_ text: String, field: String) throws {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        let accepted = "accepted: arn:aws:imagebuilder:REGION:ACCOUNT|aws:TYPE/NAME[/VERSION[/BUILD]]"
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "imagebuilder" else {
            throw IngotError.invalid(field, "'\(text)' is not an Image Builder ARN; \(accepted)", code: "InvalidParameterValueException")
        }
        let region = try Region(parts[3], field: field)
        let owner = parts[4]
        guard owner == "aws" || (try? AccountID(owner)) != nil else {
            throw IngotError.invalid(field, "'\(text)': owner '\(owner)' is neither an account id nor aws; \(accepted)", code: "InvalidParameterValueException")
        }
        let path = parts[5].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let type = path.first.flatMap(ResourceType.init(rawValue:)), path.count >= 2, !path[1].isEmpty else {
            throw IngotError.invalid(field, "'\(text)': unknown resource type; \(accepted)", code: "InvalidParameterValueException")
        }
        var version: VersionFilter?
        if path.count > 2 {
            guard type.isVersioned, path.count <= 4 else {
                throw IngotError.invalid(field, "'\(text)': \(type.rawValue) takes no version; \(accepted)", code: "InvalidParameterValueException")
            }
            version = try VersionFilter(path[2...].joined(separator: "/"), field: field)
        }
        self.init(region: region, owner: owner, type: type, name: path[1], version: version)
    }

    /// Reads an ARN field that may also hold Ingot's short form, `NAME` or `NAME/VERSION`, meaning the
    /// caller's own resource of `type` in `region`.
    /// - Parameters:
    ///   - text: an ARN or a short form.
    ///   - type: the type the field refers to.
    ///   - region: the region of the short form.
    ///   - owner: the account of the short form.
    ///   - field: the field named in errors.
    ///   - versionRequired: whether a versioned type's short form must give a version.
    public static func reference(_ text: String, type: ResourceType, region: Region, owner: AccountID, field: String,
                                 versionRequired: Bool = true) throws -> ImageBuilderARN {
        if text.hasPrefix("arn:") {
            let arn = try ImageBuilderARN(text, field: field)
            guard arn.type == type else {
                throw IngotError.invalid(field, "'\(text)' is a \(arn.type.rawValue) ARN; accepted: a \(type.rawValue) ARN", code: "InvalidParameterValueException")
            }
            return arn
        }
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let name = parts.first, !name.isEmpty, type.isVersioned || parts.count == 1 else {
            throw IngotError.invalid(field, "'\(text)' is neither a \(type.rawValue) ARN nor a name\(type.isVersioned ? "/version" : "")",
                                     code: "InvalidParameterValueException")
        }
        let version = try parts.count == 2 ? VersionFilter(parts[1], field: field) : nil
        if type.isVersioned, version == nil, versionRequired {
            throw IngotError.invalid(field, "'\(text)' names no version; accepted: NAME/VERSION (e.g. golden-web/2.3.0) or an ARN", code: "InvalidParameterValueException")
        }
        return ImageBuilderARN(region: region, owner: owner.rawValue, type: type, name: name, version: version)
    }

    /// `name` as ARNs spell it: lowercase, spaces as hyphens.
    /// - Parameter name: a resource name.
    public static func arnName(_ name: String) -> String { name.lowercased().replacingOccurrences(of: " ", with: "-") }

    /// The same ARN without version (the resource family).
    public var unversioned: ImageBuilderARN { ImageBuilderARN(region: region, owner: owner, type: type, name: name) }

    /// Whether the owner is AWS (a managed component or image).
    public var isAWSManaged: Bool { owner == "aws" }

    public var description: String {
        "arn:aws:imagebuilder:\(region.code):\(owner):\(type.rawValue)/\(name)" + (version.map { "/\($0)" } ?? "")
    }

    public static func < (a: ImageBuilderARN, b: ImageBuilderARN) -> Bool { a.description < b.description }

    public init(from decoder: any Decoder) throws { try self.init(decoder.singleValueContainer().decode(String.self), field: decoder.fieldName) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(description) }
}

/// The output AMI name of a distribution: text with `{{ imagebuilder:buildDate }}` and
/// `{{ imagebuilder:buildVersion }}`, which Image Builder fills in per build.
public enum AMINameTemplate {
    static let variables = ["buildDate", "buildVersion"]

    /// Checks `template`: known variables only, and an AMI name once they are filled in.
    /// - Parameters:
    ///   - template: the `name` of an `amiDistributionConfiguration`.
    ///   - field: the field named in errors.
    public static func check(_ template: String, field: String) throws {
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw IngotError.invalid(field, "'\(template)' opens '{{' without closing it", code: "InvalidParameterValueException")
            }
            let variable = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard variable.hasPrefix("imagebuilder:"), variables.contains(String(variable.dropFirst("imagebuilder:".count))) else {
                throw IngotError.invalid(field, "unknown variable '\(variable)'; accepted: {{ imagebuilder:buildDate }}, {{ imagebuilder:buildVersion }}",
                                         code: "InvalidParameterValueException")
            }
            rest = rest[close.upperBound...]
        }
        // Image Builder's own rule for the template: "Length Constraints: Minimum length of 1. Maximum length
        // of 127. Pattern: ^[-_A-Za-z0-9{][-_A-Za-z0-9\s:{}\.]+[-_A-Za-z0-9}]$" (AmiDistributionConfiguration).
        let inner: (Unicode.Scalar) -> Bool = { s in
            switch s { case "a"..."z", "A"..."Z", "0"..."9", "-", "_", " ", ":", "{", "}", ".": true; default: false }
        }
        let scalars = Array(template.unicodeScalars)
        guard (1...127).contains(scalars.count), scalars.allSatisfy(inner), scalars.first != " ", scalars.first != ":", scalars.first != ".",
              scalars.first != "}", scalars.last != " ", scalars.last != ":", scalars.last != ".", scalars.last != "{" else {
            throw IngotError.invalid(field, "'\(template)'; accepted: 1 to 127 letters, digits, '-', '_', spaces, ':', '.' and {{ }} variables",
                                     code: "InvalidParameterValueException")
        }
        // And once filled in, it must be an AMI name EC2 accepts.
        let sample = fill(template, buildDate: Date(timeIntervalSince1970: 1_800_000_000), buildVersion: ImageVersion(major: 1, minor: 0, patch: 0, build: 1))
        _ = try ImageName(sample, field: field)
    }

    /// `template` with the variables filled in: `buildDate` as `yyyy-MM-ddTHH-mm-ssZ` (AWS does not
    /// document its rendering; this one is a valid AMI name), `buildVersion` as the build number
    /// ("a number that is located at the end of an Image Builder Amazon Resource Name").
    /// - Parameters:
    ///   - template: the name with variables.
    ///   - buildDate: the build's creation time.
    ///   - buildVersion: the build's version.
    public static func fill(_ template: String, buildDate: Date, buildVersion: ImageVersion) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            out += rest[..<open.lowerBound]
            let variable = rest[open.upperBound..<close.lowerBound].drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
            switch String(variable) {
            case "imagebuilder:buildDate": out += dateText(buildDate)
            case "imagebuilder:buildVersion": out += String(buildVersion.build)
            default: out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    static func dateText(_ date: Date) -> String {
        let t = Timestamp.utc(date)
        func two(_ v: Int) -> String { Timestamp.pad(v, 2) }
        return "\(t.year)-\(two(t.month))-\(two(t.day))T\(two(t.hour))-\(two(t.minute))-\(two(t.second))Z"
    }
}
