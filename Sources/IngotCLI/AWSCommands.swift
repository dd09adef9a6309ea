import ArgumentParser
import Foundation
import IngotAWS
import IngotCore

struct AWS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws", abstract: "The AWS account Ingot talks to with --cloud aws.",
        subcommands: [AWSWhoAmI.self])
}

/// Which source of the credential chain answered, who that is (STS GetCallerIdentity), the region and
/// the endpoints: never a secret or a token (the access key id masked).
struct AWSWhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Which credentials --cloud aws uses: their source in the chain, the account and ARN (GetCallerIdentity), the region and endpoints.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        global.bootstrapLogging()
        let configuration = try AWSConfiguration.resolve(profile: global.profile, endpointURL: global.endpointURL)
        let client = AWSClient(configuration: configuration)
        let identity: AWSCloud.CallerIdentity, key: String
        do {
            identity = try await AWSCloud.callerIdentity(client)
            key = try await configuration.credentialProvider.credentials().maskedAccessKeyId
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        struct Report: Encodable {
            let account, arn, userId, credentialSource, accessKeyId: String
            let region: String?
            let endpoints: [String: String]
        }
        let report = Report(account: identity.account.rawValue, arn: identity.arn, userId: identity.userId,
                            credentialSource: configuration.credentialsSource.description, accessKeyId: key, region: configuration.region?.code,
                            endpoints: Dictionary(uniqueKeysWithValues: configuration.endpoints.map { ($0.key.rawValue, $0.value) }))
        if global.structured { return try Output.document(global.output, report) }
        Output.table(["FIELD", "VALUE"], [
            ["Account", report.account], ["Arn", report.arn], ["UserId", report.userId], ["Credentials", report.credentialSource],
            ["AccessKeyId", key], ["Region", report.region.map { "\($0) (from \(configuration.regionSource))" } ?? "-"],
        ] + report.endpoints.sorted { $0.key < $1.key }.map { ["Endpoint \($0.key)", $0.value] })
    }
}

/// `--accounts` / `--organization`: run a command in many accounts, through a role assumed in each.
struct AccountsOptions: ParsableArguments {
    @Option(name: .customLong("accounts"), help: "With --cloud aws: run in these accounts (comma-separated or repeated), through --role-name in each.")
    var accounts: [String] = []
    @Flag(name: .customLong("organization"), help: "With --cloud aws: run in every ACTIVE account of the organization (Organizations ListAccounts, from the management or a delegated account).")
    var organization = false
    @Option(name: .customLong("exclude-account"), help: "An account to leave out; repeatable.") var excluded: [String] = []
    @OptionGroup var role: RoleOptions
    @Option(name: .customLong("max-concurrency"), help: "Accounts worked on at once (default 8; each account's requests count against its own API limits).") var maxConcurrency = 8

    var isEnabled: Bool { !accounts.isEmpty || organization }

    /// The accounts given, each once, in order.
    func accountList() throws -> [AccountID] {
        var seen = Set<AccountID>()
        return try accounts.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .map { try AccountID($0, field: "accounts") }.filter { seen.insert($0).inserted }
    }

    /// The role ARN template, the options checked (before anything is called).
    func checkedRoleArnTemplate() throws -> String {
        guard !(organization && !accounts.isEmpty) else { throw IngotError.invalid("accounts", "give --accounts or --organization, not both") }
        guard (1...64).contains(maxConcurrency) else { throw IngotError.invalid("max-concurrency", "\(maxConcurrency) must be 1 to 64") }
        return try role.checkedTemplate()
    }
}

/// The role Ingot assumes in another account (`--role-name` or `--role-arn-template`).
struct RoleOptions: ParsableArguments {
    @Option(name: .customLong("role-name"), help: "The role assumed in each account (default \(AccountFanOut.defaultRoleName)).") var roleName: String?
    @Option(name: .customLong("role-arn-template"), help: "The role ARN with {account}, e.g. 'arn:aws:iam::{account}:role/ingot-readonly'.") var roleArnTemplate: String?

    /// The role ARN template, checked.
    func checkedTemplate() throws -> String {
        guard roleName == nil || roleArnTemplate == nil else { throw IngotError.invalid("role-name", "give --role-name or --role-arn-template, not both") }
        if let roleName, roleName.isEmpty || roleName.contains(":") { throw IngotError.invalid("role-name", "'\(roleName)' is not a role name") }
        let template = roleArnTemplate ?? "arn:aws:iam::{account}:role/\(roleName ?? AccountFanOut.defaultRoleName)"
        try AccountFanOut.validate(roleArnTemplate: template)
        return template
    }
}

extension GlobalOptions {
    /// Runs `body` in each account `options` names (or the organization's ACTIVE ones), through the
    /// role assumed there, at most --max-concurrency at once; accounts done / total on a TTY.
    func inAccounts<T: Sendable>(_ options: AccountsOptions, _ body: @escaping @Sendable (AWSCloud) async throws -> T) async throws -> [AccountFanOut.Outcome<T>] {
        guard try cloudKind == .aws else {
            throw IngotError.invalid(options.organization ? "organization" : "accounts", "runs in other AWS accounts: add --cloud aws")
        }
        let listed = try options.accountList()
        let excluded = Set(try options.excluded.map { try AccountID($0.trimmingCharacters(in: .whitespaces), field: "exclude-account") })
        let template = try options.checkedRoleArnTemplate()
        return try await withAWS { aws in
            let fanOut = AccountFanOut(base: aws.client.configuration, roleArnTemplate: template, maxConcurrency: options.maxConcurrency)
            let accounts: [AccountID]
            if options.organization {
                accounts = try await aws.organizationAccounts().filter { $0.status == "ACTIVE" }.map(\.id)
            } else {
                accounts = listed
            }
            let tty = isatty(STDERR_FILENO) == 1
            let outcomes = await fanOut.run(accounts: accounts.filter { !excluded.contains($0) }, caller: aws, progress: { done, total in
                if tty { FileHandle.standardError.write(Data("\r\(done)/\(total) accounts\(done == total ? "\n" : "")".utf8)) }
            }, body)
            return outcomes
        }
    }
}

/// One account's part of a multi-account document: `{"accountId": ..., <the report's fields>}` or
/// `{"accountId": ..., "error": ...}`.
struct AccountReport<Report: Encodable & Sendable>: Encodable {
    let accountId: String
    let report: Report?
    let error: String?

    init(_ outcome: AccountFanOut.Outcome<Report>) {
        accountId = outcome.account.rawValue
        switch outcome.result {
        case .success(let r): report = r; error = nil
        case .failure(let e): report = nil; error = e.description
        }
    }

    enum CodingKeys: String, CodingKey { case accountId, error }

    func encode(to encoder: any Encoder) throws {
        try report?.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(accountId, forKey: .accountId)
        try c.encodeIfPresent(error, forKey: .error)
    }

    /// `{"accounts": [...]}`, and the table form: a section per account.
    static func output(_ outcomes: [AccountFanOut.Outcome<Report>], global: GlobalOptions, table: (Report) throws -> Void) throws {
        if global.structured {
            return try Output.document(global.output, AccountsDocument(accounts: outcomes.map(AccountReport.init)))
        }
        for (n, o) in outcomes.enumerated() {
            Output.line("\(n == 0 ? "" : "\n")== account \(o.account) ==")
            switch o.result {
            case .success(let r): try table(r)
            case .failure(let e): Output.line("error: \(e)")
            }
        }
    }
}

/// `{"accounts": [...]}`.
struct AccountsDocument<Report: Encodable & Sendable>: Encodable {
    let accounts: [AccountReport<Report>]
}
