#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An SSM Parameter Store parameter at one version (GetParameter).
public struct Parameter: Sendable, Hashable {
    public var name: String
    public var region: Region
    public var type: String
    /// `text` or `aws:ec2:image` (then the value is an AMI id, checked when it is put).
    public var dataType: String
    public var value: String
    public var version: Int
    public var labels: [String]
    public var lastModifiedDate: Date

    public init(name: String, region: Region, type: String, dataType: String, value: String, version: Int, labels: [String], lastModifiedDate: Date) {
        self.name = name
        self.region = region
        self.type = type
        self.dataType = dataType
        self.value = value
        self.version = version
        self.labels = labels
        self.lastModifiedDate = lastModifiedDate
    }

    /// Whether `name` is one of AWS's public parameters (`/aws/service/...`), readable by every account.
    /// - Parameter name: a parameter name.
    public static func isPublic(_ name: String) -> Bool { name.hasPrefix("/aws/service/") }

    /// Parameter names: letters, digits and `. - _ /`, at most 2048 characters, not starting with aws or ssm.
    /// `reserved`: allow AWS's public parameters (`/aws/service/...`), which can be read but not written.
    /// `region` and `account`, when given, check the name's length as SSM counts it: "The maximum
    /// length for a parameter name that you specify is 1011 characters. This count of 1011 characters
    /// includes the characters in the ARN that precede the name you specify" (PutParameter's Name).
    public static func validate(name: String, field: String = "name", reserved: Bool = false, region: Region? = nil, account: AccountID? = nil) throws {
        // Letters, digits and . - _ / are all ASCII: any other byte (UTF-8 of anything else included) is refused.
        let allowed = { (b: UInt8) in (0x61...0x7a).contains(b) || (0x41...0x5a).contains(b) || (0x30...0x39).contains(b) || b == 0x2e || b == 0x2d || b == 0x5f || b == 0x2f }
        guard !name.isEmpty, name.utf8.count <= 2048, name.utf8.allSatisfy(allowed) else {
            throw IngotError.invalid(field, "'\(name)' is not a parameter name (letters, digits and . - _ /)", code: "ValidationException")
        }
        // "A hierarchy can have a maximum of 15 levels" (HierarchyLevelLimitExceededException): Ingot
        // counts the names between slashes, the last one included.
        let levels = name.split(separator: "/").count
        guard levels <= maxHierarchyLevels else {
            throw IngotError.invalid(field, "'\(name.prefix(60))...' has \(levels) levels; a hierarchy can have a maximum of 15 levels",
                                     code: "HierarchyLevelLimitExceededException")
        }
        if let region, let account {
            let arn = "arn:aws:ssm:\(region.code):\(account.rawValue):parameter/" + (name.hasPrefix("/") ? name.dropFirst() : name[...])
            guard arn.count <= maxARNLength else {
                throw IngotError.invalid(field, "the parameter's ARN would be \(arn.count) characters; a name may be at most 1011 including the ARN before it",
                                         code: "ValidationException")
            }
        }
        guard !reserved else { return }
        let bare = name.hasPrefix("/") ? String(name.dropFirst()) : name
        guard !bare.lowercased().hasPrefix("aws"), !bare.lowercased().hasPrefix("ssm") else {
            throw IngotError.invalid(field, "'\(name)': names beginning with aws or ssm are reserved", code: "ValidationException")
        }
    }
}

extension Parameter {
    /// "Parameter Store retains the 100 most recently created versions of a parameter."
    public static let versionsKept = 100
    public static let maxHierarchyLevels = 15
    public static let maxARNLength = 1011
    /// "A parameter version can have a maximum of 10 labels."
    public static let labelsPerVersion = 10

    /// LabelParameterVersion's rules: "Labels can contain letters (case sensitive), numbers, periods (.),
    /// hyphens (-), or underscores (_)" and "Labels can't begin with a number, "aws" or "ssm" (not
    /// case sensitive)." A label that breaks them is returned in InvalidLabels, not refused.
    public static func isValidLabel(_ label: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let lower = label.lowercased()
        return (1...100).contains(label.count) && label.allSatisfy(allowed.contains) && label.first?.isNumber == false
            && !lower.hasPrefix("aws") && !lower.hasPrefix("ssm")
    }
}

/// SSM parameters, shaped like SSM's API.
public protocol ParameterCloud: Cloud {
    /// PutParameter; returns the new version. Refused with `ParameterAlreadyExists` unless `overwrite`.
    func putParameter(region: Region, name: String, value: String, dataType: String, overwrite: Bool) async throws -> Int
    /// GetParameter: `name`, `name:VERSION` or `name:LABEL`.
    func getParameter(region: Region, name: String) async throws -> Parameter
    func getParameterHistory(region: Region, name: String) async throws -> [Parameter]
    /// LabelParameterVersion: labels move to this version from any other. Returns the labels that
    /// break the label rules (SSM's InvalidLabels): those are left off, the others attached.
    func labelParameterVersion(region: Region, name: String, version: Int, labels: [String]) async throws -> [String]
}

/// `NAME`, `NAME:VERSION` or `NAME:LABEL`: what GetParameter and a `resolve:ssm:` image id name.
public struct ParameterReference: Sendable, Hashable, CustomStringConvertible {
    public enum Selector: Sendable, Hashable {
        case latest, version(Int), label(String)
    }

    public var name: String
    public var selector: Selector

    public init(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        name = parts[0]
        if parts.count == 1 {
            selector = .latest
        } else if let n = Int(parts[1]) {
            selector = .version(n)
        } else {
            selector = .label(parts[1])
        }
    }

    public var description: String {
        switch selector {
        case .latest: name
        case .version(let n): "\(name):\(n)"
        case .label(let l): "\(name):\(l)"
        }
    }

    /// The version this names in a parameter's history (any order); nil when none matches.
    public func pick(from history: [Parameter]) -> Parameter? {
        switch selector {
        case .latest: history.max { $0.version < $1.version }
        case .version(let n): history.first { $0.version == n }
        case .label(let l): history.first { $0.labels.contains(l) }
        }
    }
}
