import Foundation
import IngotCore

/// KMS through its JSON protocol (`X-Amz-Target: TrentService.ACTION`).
extension AWSCloud: KeyCloud {
    func kms<Answer: Decodable>(_ action: String, region: Region, _ body: some Encodable, as: Answer.Type) async throws -> Answer {
        try requireOwnAccount(action)
        let bytes = try await client.json(.kms, region: region, target: "TrentService.\(action)", body: Array(try JSONEncoder().encode(body)))
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes))
        } catch {
            throw IngotError.failed("\(action): unexpected answer from KMS: \(error)")
        }
    }

    struct KeyMetadata: Decodable {
        var KeyId: String; var Arn: String?; var Description: String?; var KeyManager: String?; var CreationDate: Double?; var AWSAccountId: String?
    }
    struct Empty: Codable {}

    func key(_ m: KeyMetadata, region: Region, aliases: [String] = []) -> KMSKey {
        let arnParts = (m.Arn ?? "").split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let owner = m.AWSAccountId ?? (arnParts.count > 4 ? arnParts[4] : caller.rawValue)
        let keyRegion = arnParts.count > 3 ? ((try? Region(arnParts[3])) ?? region) : region
        return KMSKey(keyId: m.KeyId, region: keyRegion, ownerId: AccountID(trusted: owner), description: m.Description ?? "",
                      manager: m.KeyManager == "AWS" ? .aws : .customer, creationDate: Date(timeIntervalSince1970: m.CreationDate ?? 0), aliases: aliases)
    }

    public func createKey(region: Region, description: String, alias: String?) async throws -> KMSKey {
        struct Body: Encodable { var Description: String }
        struct Answer: Decodable { var KeyMetadata: KeyMetadata }
        let made = try await kms("CreateKey", region: region, Body(Description: description), as: Answer.self).KeyMetadata
        if let alias { try await createAlias(region: region, alias: alias, key: made.KeyId) }
        return key(made, region: region, aliases: alias.map { [$0] } ?? [])
    }

    public func createAlias(region: Region, alias: String, key: String) async throws {
        struct Body: Encodable { var AliasName: String; var TargetKeyId: String }
        _ = try await kms("CreateAlias", region: region, Body(AliasName: alias, TargetKeyId: key), as: Empty.self)
    }

    public func listKeys(region: Region) async throws -> [KMSKey] {
        struct Page: Encodable { var Marker: String? }
        struct Keys: Decodable { var Keys: [Entry]; var NextMarker: String?; var Truncated: Bool? }
        struct Entry: Decodable { var KeyId: String }
        struct Aliases: Decodable { var Aliases: [Alias]; var NextMarker: String?; var Truncated: Bool? }
        struct Alias: Decodable { var AliasName: String; var TargetKeyId: String? }
        var ids: [String] = [], marker: String?
        repeat {
            let page = try await kms("ListKeys", region: region, Page(Marker: marker), as: Keys.self)
            ids += page.Keys.map(\.KeyId)
            marker = page.Truncated == true ? page.NextMarker : nil
        } while marker != nil
        var aliases: [String: [String]] = [:]
        repeat {
            let page = try await kms("ListAliases", region: region, Page(Marker: marker), as: Aliases.self)
            for a in page.Aliases { if let k = a.TargetKeyId { aliases[k, default: []].append(a.AliasName) } }
            marker = page.Truncated == true ? page.NextMarker : nil
        } while marker != nil
        var keys: [KMSKey] = []
        for id in ids {
            struct Body: Encodable { var KeyId: String }
            struct Answer: Decodable { var KeyMetadata: KeyMetadata }
            let m = try await kms("DescribeKey", region: region, Body(KeyId: id), as: Answer.self).KeyMetadata
            keys.append(key(m, region: region, aliases: (aliases[id] ?? []).sorted()))
        }
        return keys
    }

    /// DescribeKey, with the accounts its grants name (ListGrants; DescribeKey does not say).
    public func describeKey(region: Region, key text: String) async throws -> KMSKey {
        struct Body: Encodable { var KeyId: String }
        struct Answer: Decodable { var KeyMetadata: KeyMetadata }
        var found = key(try await kms("DescribeKey", region: region, Body(KeyId: text), as: Answer.self).KeyMetadata, region: region)
        if found.manager == .customer && found.ownerId == caller { found.grantees = try await grantees(region: region, keyId: found.keyId) }
        return found
    }

    func grantees(region: Region, keyId: String) async throws -> [AccountID] {
        struct Body: Encodable { var KeyId: String; var Marker: String? }
        struct Answer: Decodable { var Grants: [Grant]; var NextMarker: String?; var Truncated: Bool? }
        struct Grant: Decodable { var GranteePrincipal: String? }
        var accounts = Set<String>(), marker: String?
        repeat {
            let page = try await kms("ListGrants", region: region, Body(KeyId: keyId, Marker: marker), as: Answer.self)
            for g in page.Grants {
                // arn:aws:iam::ACCOUNT:root (or a role of that account)
                let parts = (g.GranteePrincipal ?? "").split(separator: ":", omittingEmptySubsequences: false)
                if parts.count > 4, parts[4].count == 12 { accounts.insert(String(parts[4])) }
            }
            marker = page.Truncated == true ? page.NextMarker : nil
        } while marker != nil
        return accounts.sorted().map(AccountID.init(trusted:))
    }

    /// CreateGrant to the account's root principal, for what EBS needs to copy and launch: "you must
    /// allow the AWS accounts to use the KMS keys that were used to encrypt the snapshots".
    public func grantKeyUse(region: Region, key: String, account: AccountID) async throws {
        // A fixed Name makes a retry return the same grant rather than add one.
        struct Body: Encodable { var KeyId: String; var GranteePrincipal: String; var Operations: [String]; var Name: String }
        struct Answer: Decodable { var GrantId: String? }
        _ = try await kms("CreateGrant", region: region, Body(KeyId: key, GranteePrincipal: "arn:aws:iam::\(account.rawValue):root",
                                                              Operations: ["Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKeyWithoutPlaintext", "CreateGrant", "DescribeKey"],
                                                              Name: "ingot-\(account.rawValue)"),
                          as: Answer.self)
    }

    // MARK: Block public access for AMIs

    public func imageBlockPublicAccess(region: Region) async throws -> ImageBlockPublicAccessState {
        let answer = try await call(region, ec2("GetImageBlockPublicAccessState"))
        let text = answer.string("imageBlockPublicAccessState") ?? ""
        guard let state = ImageBlockPublicAccessState(rawValue: text) else {
            throw IngotError.failed("GetImageBlockPublicAccessState: unexpected state '\(text)'")
        }
        return state
    }

    public func setImageBlockPublicAccess(_ state: ImageBlockPublicAccessState, region: Region) async throws {
        var q = ec2(state == .blockNewSharing ? "EnableImageBlockPublicAccess" : "DisableImageBlockPublicAccess")
        if state == .blockNewSharing { q.set("ImageBlockPublicAccessState", state.rawValue) }
        _ = try await call(region, q)
    }
}
