/// A 12-digit AWS account id.
public struct AccountID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ value: String, field: String = "account") throws {
        guard value.utf8.count == 12, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw IngotError.invalid(field, "'\(value)' is not an AWS account id (12 digits)")
        }
        rawValue = value
    }

    public init(trusted value: String) { rawValue = value }

    /// The account AWS's documentation and moto use; the local store's own account by default.
    public static let defaultLocal = AccountID(trusted: "123456789012")
    /// Amazon's own account, owner of the Amazon Linux images (alias `amazon`).
    public static let amazon = AccountID(trusted: "137112412989")
    /// Canonical, owner of the Ubuntu images.
    public static let canonical = AccountID(trusted: "099720109477")

    public var description: String { rawValue }
    public static func < (a: AccountID, b: AccountID) -> Bool { a.rawValue < b.rawValue }
    public init(from decoder: any Decoder) throws { try self.init(decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(rawValue) }
}

/// Shared shape of EC2 resource ids: a prefix, a dash, then 8 or 17 lowercase hex digits.
public protocol EC2ResourceID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    static var prefix: String { get }
    /// The option or field name used in error messages.
    static var field: String { get }
    /// AWS's error code for a malformed id.
    static var malformedCode: String { get }
    var rawValue: String { get }
    init(trusted: String)
}

extension EC2ResourceID {
    public init(_ value: String) throws {
        guard Self.isWellFormed(value) else {
            throw IngotError.invalid(
                Self.field,
                "'\(value)' is not a valid id (expected '\(Self.prefix)-' followed by 8 or 17 lowercase hex digits)",
                code: Self.malformedCode)
        }
        self.init(trusted: value)
    }

    public static func isWellFormed(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        let p = Array(prefix.utf8)
        let digits = bytes.count - p.count - 1
        guard digits == 8 || digits == 17, bytes.starts(with: p), bytes[p.count] == UInt8(ascii: "-") else { return false }
        return bytes[(p.count + 1)...].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// A fresh random id of the 17-digit form.
    public static func random<G: RandomNumberGenerator>(using rng: inout G) -> Self {
        hexDigits { _ in rng.next() }
    }

    public static func random() -> Self {
        // Two draws from the system's generator (each a system call) give the 17 hex digits.
        var g = SystemRandomNumberGenerator()
        let bits = [g.next(), g.next()]
        return hexDigits { i in bits[i / 16] >> UInt64(4 * (i % 16)) }
    }

    /// `prefix-` and 17 hex digits, the i-th from the low 4 bits of `digit(i)`.
    private static func hexDigits(_ digit: (Int) -> UInt64) -> Self {
        let hex = Array("0123456789abcdef".utf8)
        var s = Array(prefix.utf8)
        s.append(UInt8(ascii: "-"))
        for i in 0..<17 { s.append(hex[Int(digit(i) & 15)]) }
        return Self(trusted: String(decoding: s, as: UTF8.self))
    }

    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public init(from decoder: any Decoder) throws { try self.init(decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(rawValue) }
}

/// An AMI id, `ami-0abcdef1234567890`.
public struct ImageID: EC2ResourceID {
    public static let prefix = "ami"
    public static let field = "image-id"
    public static let malformedCode = "InvalidAMIID.Malformed"
    public let rawValue: String
    public init(trusted: String) { rawValue = trusted }
}

/// An EBS snapshot id, `snap-0abcdef1234567890`.
public struct SnapshotID: EC2ResourceID {
    public static let prefix = "snap"
    public static let field = "snapshot-id"
    public static let malformedCode = "InvalidSnapshotID.Malformed"
    public let rawValue: String
    public init(trusted: String) { rawValue = trusted }
}

/// An EC2 instance id, `i-0abcdef1234567890`.
public struct InstanceID: EC2ResourceID {
    public static let prefix = "i"
    public static let field = "instance-id"
    public static let malformedCode = "InvalidInstanceID.Malformed"
    public let rawValue: String
    public init(trusted: String) { rawValue = trusted }
}

/// An AMI name: 3-128 characters of letters, digits and `( ) [ ] space . / - ' @ _`.
public struct ImageName: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ value: String, field: String = "name") throws {
        let count = value.unicodeScalars.count
        guard (3...128).contains(count) else {
            throw IngotError.invalid(field, "'\(value)' must be 3 to 128 characters long", code: "InvalidAMIName.Malformed")
        }
        if let bad = value.unicodeScalars.first(where: { !ImageName.allowed($0) }) {
            throw IngotError.invalid(
                field,
                "'\(value)' contains '\(bad)'; allowed: letters, digits, spaces and ( ) [ ] . / - ' @ _",
                code: "InvalidAMIName.Malformed")
        }
        rawValue = value
    }

    public init(trusted value: String) { rawValue = value }

    static func allowed(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9", "(", ")", "[", "]", " ", ".", "/", "-", "'", "@", "_": true
        default: false
        }
    }

    public var description: String { rawValue }
    public static func < (a: ImageName, b: ImageName) -> Bool { a.rawValue < b.rawValue }
    public init(from decoder: any Decoder) throws { try self.init(decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(rawValue) }
}

/// One value of DescribeImages' `Owners`: "Scopes the results to images with the specified owners. You
/// can specify a combination of Amazon Web Services account IDs, `self`, `amazon`, `aws-backup-vault`,
/// and `aws-marketplace`." Parsed once at the edge; written back with ``rawValue``.
public enum ImageOwner: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `self`: the caller's own images.
    case caller
    /// An owner alias: `amazon`, `aws-marketplace`, `aws-backup-vault` (matched against OwnerAlias).
    case alias(String)
    case account(AccountID)

    /// The aliases DescribeImages accepts besides `self` and account ids.
    public static let aliases: Set<String> = ["amazon", "aws-marketplace", "aws-backup-vault"]
    public static let amazon = ImageOwner.alias("amazon")

    public init(_ text: String, field: String = "owner") throws {
        if text == "self" {
            self = .caller
        } else if Self.aliases.contains(text) {
            self = .alias(text)
        } else if text.utf8.count == 12, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            self = .account(AccountID(trusted: text))
        } else {
            throw IngotError.invalid(field, "'\(text)' is not an owner: give self, \(Self.aliases.sorted().joined(separator: ", ")) or a 12-digit account id")
        }
    }

    public var rawValue: String {
        switch self {
        case .caller: "self"
        case .alias(let a): a
        case .account(let id): id.rawValue
        }
    }

    public var description: String { rawValue }

    /// Whether the owner is `caller` itself (by `self` or by its id).
    public func isCaller(_ caller: AccountID) -> Bool {
        switch self {
        case .caller: true
        case .account(let id): id == caller
        case .alias: false
        }
    }

    public init(from decoder: any Decoder) throws { try self.init(decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(rawValue) }
}
