import ArgumentParser
import Foundation
import IngotCore

struct KMS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kms", abstract: "KMS keys for encrypted images: create keys and aliases, let other accounts use a key.",
        subcommands: [KMSCreateKey.self, KMSCreateAlias.self, KMSListKeys.self, KMSGrant.self])
}

extension KMSKey: Encodable {
    /// DescribeKey's KeyMetadata, camelCase, with the aliases and the accounts allowed to use the key.
    public func encode(to encoder: any Encoder) throws {
        struct Shape: Encodable {
            let keyId, arn, region, awsAccountId, description, keyManager, creationDate: String
            let aliases: [String]; let grantees: [String]
        }
        try Shape(keyId: keyId, arn: arn, region: region.code, awsAccountId: ownerId.rawValue, description: description, keyManager: manager.rawValue,
                  creationDate: Timestamp.format(creationDate), aliases: aliases, grantees: grantees.map(\.rawValue)).encode(to: encoder)
    }
}

struct KMSCreateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-key", abstract: "CreateKey (symmetric), with an alias if given; prints the key ARN.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Option(help: "What the key is for.") var description = ""
    @Option(help: "alias/NAME for the key (CreateAlias).") var alias: String?

    func run() async throws {
        let region = try region.resolve()
        let key = try await global.withCloud { c, _ in try await c.createKey(region: region, description: description, alias: alias) }
        if global.structured { try Output.document(global.output, ["keyMetadata": key]) } else { Output.line(key.arn) }
    }
}

struct KMSCreateAlias: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-alias", abstract: "CreateAlias: alias/NAME for a key of the account.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "alias/NAME.") var alias: String
    @Option(name: .customLong("target-key-id"), help: "The key: id, ARN or another alias.") var key: String
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        try await global.withCloud { c, _ in try await c.createAlias(region: region, alias: alias, key: key) }
        if global.structured { try Output.document(global.output, ["aliasName": alias, "targetKeyId": key]) } else { Output.line("\(alias) -> \(key)") }
    }
}

struct KMSListKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-keys", abstract: "The account's keys in a region (ListKeys, DescribeKey, ListAliases), AWS managed ones included.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        let keys = try await global.withCloud { c, _ in try await c.listKeys(region: region) }
        if global.structured { try Output.document(global.output, ["keys": keys]); return }
        Output.table(["KEY", "MANAGER", "ALIASES", "USABLE BY", "DESCRIPTION"], keys.map {
            [$0.keyId, $0.manager.rawValue, $0.aliases.joined(separator: ", "), $0.grantees.map(\.rawValue).joined(separator: ", "), $0.description]
        })
    }
}

struct KMSGrant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "CreateGrant: let another account use a customer managed key (to copy and launch images encrypted with it).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The key: id, alias/NAME or ARN.") var key: String
    @Option(help: "The account to allow.") var account: String
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        let account = try AccountID(account, field: "account")
        try await global.withCloud { c, _ in try await c.grantKeyUse(region: region, key: key, account: account) }
        if global.structured { try Output.document(global.output, ["keyId": key, "granteeAccount": account.rawValue]) } else { Output.line("\(account) may use \(key)") }
    }
}

struct ImagesBlockPublicAccess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block-public-access",
        abstract: "Block public access for AMIs in a region: enable, disable or status (on by default for new accounts).",
        discussion: "EC2 user guide: \"When block public access is enabled, any attempt to make an AMI public is automatically blocked. However, if you already have public AMIs, they remain publicly available.\"")
    enum Verb: String, ExpressibleByArgument, CaseIterable { case enable, disable, status }
    @OptionGroup var global: GlobalOptions
    @Argument(help: "enable, disable or status.") var verb: Verb
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        let state = try await global.withCloud { c, _ in
            switch verb {
            case .enable: try await c.setImageBlockPublicAccess(.blockNewSharing, region: region)
            case .disable: try await c.setImageBlockPublicAccess(.unblocked, region: region)
            case .status: break
            }
            return try await c.imageBlockPublicAccess(region: region)
        }
        if global.structured { try Output.document(global.output, ["imageBlockPublicAccessState": state.rawValue]) } else { Output.line("\(region): \(state.rawValue)") }
    }
}
