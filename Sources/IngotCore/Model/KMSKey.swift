#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A KMS key as DescribeKey shows it, with its aliases and the other accounts allowed to use it.
/// Keys belong to one account and one region.
public struct KMSKey: Sendable, Hashable {
    public enum Manager: String, Sendable, Hashable, Codable {
        /// Made by the account (CreateKey): it can be shared with other accounts.
        case customer = "CUSTOMER"
        /// Made by AWS for a service, such as `alias/aws/ebs`: "You cannot share resources encrypted
        /// under an AWS managed key with other accounts" (KMS developer guide).
        case aws = "AWS"
    }

    public var keyId: String
    public var region: Region
    public var ownerId: AccountID
    public var description: String
    public var manager: Manager
    public var creationDate: Date
    public var aliases: [String]
    /// Accounts besides the owner that the key's policy or grants let use the key.
    public var grantees: [AccountID]

    public init(keyId: String, region: Region, ownerId: AccountID, description: String, manager: Manager, creationDate: Date,
                aliases: [String] = [], grantees: [AccountID] = []) {
        self.keyId = keyId
        self.region = region
        self.ownerId = ownerId
        self.description = description
        self.manager = manager
        self.creationDate = creationDate
        self.aliases = aliases
        self.grantees = grantees
    }

    /// `arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`.
    public var arn: String { "arn:aws:kms:\(region.code):\(ownerId.rawValue):key/\(keyId)" }

    /// Whether `account` may use the key (encrypt a copy with it, decrypt what it encrypted).
    public func usable(by account: AccountID) -> Bool { account == ownerId || grantees.contains(account) }

    /// The AWS managed EBS key of `account` in `region`: "Amazon EBS automatically creates a unique AWS
    /// managed key in each Region where you store AWS resources. This KMS key has the alias
    /// alias/aws/ebs." Its id is derived from the account and region, so every reader sees the same
    /// key without anything being written.
    public static func awsManagedEBS(account: AccountID, region: Region) -> KMSKey {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "aws/ebs/\(account.rawValue)/\(region.code)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        var second = hash
        for byte in "ebs".utf8 { second = (second ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16).leftPadded(16) + String(second, radix: 16).leftPadded(16)
        let c = Array(hex)
        let id = [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
        return KMSKey(keyId: id, region: region, ownerId: account, description: "Default key that protects my EBS volumes when no other key is defined",
                      manager: .aws, creationDate: Date(timeIntervalSince1970: 0), aliases: [KMSKeyReference.awsManagedEBSAlias])
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// What a `KmsKeyId` names. CopyImage: "You can specify a KMS key using any of the following: Key ID
/// ... Key alias. For example, alias/ExampleAlias. Key ARN ... Alias ARN"; "To specify a KMS key in a
/// different Amazon Web Services account, you must use the key ARN or alias ARN."
public enum KMSKeyReference: Sendable, Hashable, CustomStringConvertible {
    case keyId(String)
    case alias(String)
    case keyARN(region: Region, account: AccountID, keyId: String)
    case aliasARN(region: Region, account: AccountID, alias: String)

    public static let awsManagedEBSAlias = "alias/aws/ebs"

    /// nil when the text is none of the four forms.
    public init?(_ text: String) {
        if text.hasPrefix("alias/") {
            guard Self.isAliasName(text) else { return nil }
            self = .alias(text)
            return
        }
        if text.hasPrefix("arn:") {
            let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 6, parts[1] == "aws", parts[2] == "kms", let region = try? Region(parts[3]),
                  let account = try? AccountID(parts[4]) else { return nil }
            let resource = parts[5]
            if resource.hasPrefix("key/"), Self.isKeyId(String(resource.dropFirst(4))) {
                self = .keyARN(region: region, account: account, keyId: String(resource.dropFirst(4)))
                return
            }
            if resource.hasPrefix("alias/"), Self.isAliasName(resource) {
                self = .aliasARN(region: region, account: account, alias: resource)
                return
            }
            return nil
        }
        guard Self.isKeyId(text) else { return nil }
        self = .keyId(text)
    }

    /// A key id: a UUID (`1234abcd-12ab-34cd-56ef-1234567890ab`) or a multi-Region key's `mrk-` and 32 hex digits.
    public static func isKeyId(_ text: String) -> Bool {
        if text.hasPrefix("mrk-") { return text.count == 36 && text.dropFirst(4).allSatisfy(\.isHexDigit) }
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// CreateAlias: "This value must begin with alias/ followed by a name ... string of 1-256 characters. It
    /// can contain only alphanumeric characters, forward slashes (/), underscores (_), and dashes (-)."
    public static func isAliasName(_ text: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-")
        return text.hasPrefix("alias/") && text.count > "alias/".count && text.count <= 256 && text.allSatisfy(allowed.contains)
    }

    /// The region an ARN names (nil: the caller's region).
    public var region: Region? {
        switch self {
        case .keyARN(let r, _, _), .aliasARN(let r, _, _): r
        default: nil
        }
    }

    /// The account an ARN names (nil: the caller's).
    public var account: AccountID? {
        switch self {
        case .keyARN(_, let a, _), .aliasARN(_, let a, _): a
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .keyId(let id): id
        case .alias(let a): a
        case .keyARN(let r, let a, let id): "arn:aws:kms:\(r.code):\(a.rawValue):key/\(id)"
        case .aliasARN(let r, let a, let alias): "arn:aws:kms:\(r.code):\(a.rawValue):\(alias)"
        }
    }

    /// Why a copy into `region` by `caller` cannot use this key (nil: it can), given the key it names
    /// there (nil: none). CopyImage: "The specified KMS key must exist in the destination Region."
    public func problem(copyingInto region: Region, caller: AccountID, key: KMSKey?) -> String? {
        if let named = self.region, named != region {
            return "\(self) is a key of \(named); the key must exist in the destination region \(region)"
        }
        guard let key else { return "\(self) does not exist in \(region)" }
        guard key.usable(by: caller) else { return "\(self) belongs to \(key.ownerId), which has not allowed \(caller) to use it" }
        return nil
    }
}

/// KMS keys, shaped like KMS's API: enough to create keys and aliases, allow other accounts to use a
/// key, and look one up as CopyImage and DR plans must.
public protocol KeyCloud: Cloud {
    /// CreateKey (symmetric, encrypt/decrypt), with an alias when given (CreateAlias).
    func createKey(region: Region, description: String, alias: String?) async throws -> KMSKey
    /// CreateAlias for a key of the caller.
    func createAlias(region: Region, alias: String, key: String) async throws
    /// ListKeys with ListAliases: the caller's keys in `region`, AWS managed keys included.
    func listKeys(region: Region) async throws -> [KMSKey]
    /// DescribeKey: a key id, alias, key ARN or alias ARN; `NotFoundException` when it does not exist.
    func describeKey(region: Region, key: String) async throws -> KMSKey
    /// CreateGrant: lets `account` use the key (Decrypt, ReEncrypt, GenerateDataKey, CreateGrant, DescribeKey).
    func grantKeyUse(region: Region, key: String, account: AccountID) async throws
}

extension KeyCloud {
    /// DescribeKey, or nil for `NotFoundException` (and for an identifier of none of KMS's forms).
    public func findKey(region: Region, key: String) async throws -> KMSKey? {
        do { return try await describeKey(region: region, key: key) } catch let e as IngotError
            where e.code == "NotFoundException" || e.code == "InvalidArnException" || e.code == "InvalidAliasNameException" {
            return nil
        }
    }
}
