import Foundation
import GRDB
import IngotCore

extension LocalCloud: KeyCloud {
    public func createKey(region: Region, description: String, alias: String?) async throws -> KMSKey {
        if let alias { try Operations.validateAlias(alias) }
        let ctx = context
        return try await store.write { db in
            let id = UUID().uuidString.lowercased()
            try db.execute(sql: "INSERT INTO kms_key (key_id, region, owner_id, description, creation_date) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, region.code, ctx.caller.rawValue, description, Timestamp.millis(ctx.now)])
            if let alias { try ctx.createAlias(alias, keyId: id, region: region, db) }
            return try ctx.key(.keyId(id), region: region, db).orThrow()
        }
    }

    public func createAlias(region: Region, alias: String, key: String) async throws {
        try Operations.validateAlias(alias)
        let reference = try Operations.keyReference(key)
        let ctx = context
        try await store.write { db in
            guard let found = try ctx.key(reference, region: region, db), found.ownerId == ctx.caller, found.manager == .customer else {
                throw IngotError.refused("NotFoundException", "Key '\(key)' does not exist in \(region)")
            }
            try ctx.createAlias(alias, keyId: found.keyId, region: region, db)
        }
    }

    public func listKeys(region: Region) async throws -> [KMSKey] {
        let ctx = context
        return try await store.read { db in
            let ids = try String.fetchAll(db.cachedStatement(sql: "SELECT key_id FROM kms_key WHERE region = ? AND owner_id = ? ORDER BY creation_date, key_id"),
                                          arguments: [region.code, ctx.caller.rawValue])
            return [KMSKey.awsManagedEBS(account: ctx.caller, region: region)] + (try ids.compactMap { try ctx.key(.keyId($0), region: region, db) })
        }
    }

    public func describeKey(region: Region, key: String) async throws -> KMSKey {
        let reference = try Operations.keyReference(key)
        let ctx = context
        return try await store.read { db in
            // A KMS endpoint answers for its own region: an ARN of another region is not found there.
            guard reference.region.map({ $0 == region }) ?? true, let found = try ctx.key(reference, region: region, db) else {
                throw IngotError.refused("NotFoundException", "Key '\(key)' does not exist in \(region)")
            }
            guard found.usable(by: ctx.caller) else {
                throw IngotError.refused("AccessDeniedException", "\(ctx.caller) is not authorized to use key \(found.arn)")
            }
            return found
        }
    }

    public func grantKeyUse(region: Region, key: String, account: AccountID) async throws {
        let reference = try Operations.keyReference(key)
        let ctx = context
        try await store.write { db in
            guard let found = try ctx.key(reference, region: region, db), found.ownerId == ctx.caller else {
                throw IngotError.refused("NotFoundException", "Key '\(key)' does not exist in \(region)")
            }
            guard found.manager == .customer else {
                // KMS developer guide: "You cannot share resources encrypted under an AWS managed key with other accounts."
                throw IngotError.refused("UnsupportedOperationException", "\(found.aliases.first ?? found.keyId) is an AWS managed key: it cannot be shared with other accounts; use a customer managed key")
            }
            guard account != ctx.caller else { return }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO kms_grant (key_id, account) VALUES (?, ?)").execute(arguments: [found.keyId, account.rawValue])
        }
    }
}

extension Operations {
    /// A key identifier in one of KMS's four forms, or `InvalidArnException` / `NotFoundException`.
    static func keyReference(_ text: String) throws -> KMSKeyReference {
        guard let reference = KMSKeyReference(text) else {
            if text.hasPrefix("arn:") { throw IngotError.refused("InvalidArnException", "'\(text)' is not a KMS key or alias ARN") }
            throw IngotError.refused("NotFoundException", "'\(text)' is not a key id, alias/NAME, key ARN or alias ARN")
        }
        return reference
    }

    /// CreateAlias: "This value must begin with alias/ followed by a name ... The alias name cannot begin
    /// with alias/aws/. The alias/aws/ prefix is reserved for Amazon Web Services managed keys."
    static func validateAlias(_ alias: String) throws {
        guard KMSKeyReference.isAliasName(alias) else {
            throw IngotError.invalid("alias", "'\(alias)' is not alias/NAME (1-256 characters: letters, digits, / _ -)", code: "InvalidAliasNameException")
        }
        guard !alias.hasPrefix("alias/aws/") else {
            throw IngotError.invalid("alias", "'\(alias)': the alias/aws/ prefix is reserved for AWS managed keys", code: "InvalidAliasNameException")
        }
    }

    func createAlias(_ alias: String, keyId: String, region: Region, _ db: Database) throws {
        // "The alias must be unique in the account and Region."
        if try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM kms_alias WHERE region = ? AND owner_id = ? AND name = ?)"),
                             arguments: [region.code, caller.rawValue, alias]) ?? false {
            throw IngotError.refused("AlreadyExistsException", "An alias with the name \(alias) already exists in \(region)")
        }
        try db.execute(sql: "INSERT INTO kms_alias (region, owner_id, name, key_id) VALUES (?, ?, ?, ?)",
                       arguments: [region.code, caller.rawValue, alias, keyId])
    }

    /// The key `reference` names as seen from `region` (an ARN names its own region and account), or
    /// nil. AWS managed EBS keys exist in every account and region without a row.
    func key(_ reference: KMSKeyReference, region: Region, _ db: Database) throws -> KMSKey? {
        let where_ = reference.region ?? region
        let account = reference.account ?? caller
        let managed = KMSKey.awsManagedEBS(account: account, region: where_)
        let keyId: String?
        switch reference {
        case .keyId(let id), .keyARN(_, _, let id):
            if id == managed.keyId { return managed }
            keyId = try String.fetchOne(db.cachedStatement(sql: "SELECT key_id FROM kms_key WHERE key_id = ? AND region = ? AND owner_id = ?"),
                                        arguments: [id, where_.code, account.rawValue])
        case .alias(let alias), .aliasARN(_, _, let alias):
            if alias == KMSKeyReference.awsManagedEBSAlias { return managed }
            keyId = try String.fetchOne(db.cachedStatement(sql: "SELECT key_id FROM kms_alias WHERE name = ? AND region = ? AND owner_id = ?"),
                                        arguments: [alias, where_.code, account.rawValue])
        }
        guard let keyId, let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM kms_key WHERE key_id = ?"), arguments: [keyId]) else { return nil }
        let aliases = try String.fetchAll(db.cachedStatement(sql: "SELECT name FROM kms_alias WHERE key_id = ? ORDER BY name"), arguments: [keyId])
        let grantees = try String.fetchAll(db.cachedStatement(sql: "SELECT account FROM kms_grant WHERE key_id = ? ORDER BY account"), arguments: [keyId])
        return KMSKey(keyId: keyId, region: Region(trusted: row["region"]), ownerId: AccountID(trusted: row["owner_id"]), description: row["description"],
                      manager: .customer, creationDate: Timestamp.date(millis: row["creation_date"]), aliases: aliases,
                      grantees: grantees.map(AccountID.init(trusted:)))
    }

    /// The key a stored `kmsKeyId` (an ARN, or `alias/aws/ebs` in stores written before keys were
    /// modelled) names for an image of `owner` in `region`.
    func storedKey(_ id: String?, owner: AccountID, region: Region, _ db: Database) throws -> KMSKey? {
        guard let id else { return KMSKey.awsManagedEBS(account: owner, region: region) }
        guard let reference = KMSKeyReference(id) else { return nil }
        return try Operations(caller: owner, now: now).key(reference, region: region, db)
    }
}
