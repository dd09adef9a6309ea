import AsyncHTTPClient
import Foundation
import IngotCore
import Logging

/// An account of an organization, as Organizations ListAccounts answers.
public struct OrganizationAccount: Sendable, Hashable, Encodable {
    public var id: AccountID
    public var name: String
    /// `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`.
    public var status: String
}

extension AWSCloud {
    /// Organizations ListAccounts, every page: works from the management account or a delegated
    /// administrator. Organizations is global: it is called in us-east-1.
    public func organizationAccounts() async throws -> [OrganizationAccount] {
        struct Page: Encodable { var NextToken: String? }
        struct Answer: Decodable {
            struct Account: Decodable { var Id: String; var Name: String?; var Status: String?; var State: String? }
            var Accounts: [Account]
            var NextToken: String?
        }
        try requireOwnAccount("ListAccounts")
        var accounts: [OrganizationAccount] = [], token: String?
        repeat {
            let bytes = try await client.json(.organizations, region: .usEast1, target: "AWSOrganizationsV20161128.ListAccounts",
                                              body: Array(try JSONEncoder().encode(Page(NextToken: token))))
            let page: Answer
            do { page = try JSONDecoder().decode(Answer.self, from: Data(bytes)) } catch {
                throw IngotError.failed("ListAccounts: unexpected answer from Organizations: \(error)")
            }
            // "The Status parameter in the Account object will be retired on September 9, 2026 ... use the State parameter instead."
            for a in page.Accounts {
                accounts.append(OrganizationAccount(id: try AccountID(a.Id, field: "ListAccounts Id"), name: a.Name ?? "", status: a.State ?? a.Status ?? ""))
            }
            if let next = page.NextToken, next == token { throw IngotError.failed("ListAccounts: the endpoint repeated NextToken") }
            token = page.NextToken
        } while token != nil
        return accounts
    }
}

/// One command over many accounts: each account's cloud through a role assumed from the base
/// credentials (`arn:aws:iam::{account}:role/OrganizationAccountAccessRole` unless told otherwise),
/// at most `maxConcurrency` accounts in flight. An account whose role cannot be assumed, or whose
/// work fails, is reported with its error; the others still run.
public struct AccountFanOut: Sendable {
    /// The configuration of the caller (the management or a delegated account): its credentials
    /// assume the roles, its region and endpoints are every account's.
    public var base: AWSConfiguration
    /// The role to assume, with `{account}` where the account id goes.
    public var roleArnTemplate: String
    public var maxConcurrency: Int
    public var retryPolicy: RetryPolicy
    public var logger: Logger

    public static let defaultRoleName = "OrganizationAccountAccessRole"

    public init(base: AWSConfiguration, roleArnTemplate: String = "arn:aws:iam::{account}:role/\(AccountFanOut.defaultRoleName)",
                maxConcurrency: Int = 8, retryPolicy: RetryPolicy = .standard, logger: Logger = Logger(label: "ingot.aws")) {
        self.base = base
        self.roleArnTemplate = roleArnTemplate
        self.maxConcurrency = max(1, maxConcurrency)
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// The role ARN for `account`.
    public func roleArn(_ account: AccountID) -> String { roleArnTemplate.replacingOccurrences(of: "{account}", with: account.rawValue) }

    /// Checks `--role-arn-template`: an IAM role ARN with `{account}` in its account field.
    public static func validate(roleArnTemplate: String) throws {
        let parts = roleArnTemplate.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[4] == "{account}", parts[5].hasPrefix("role/"), parts[5].count > 5 else {
            throw IngotError.invalid("role-arn-template", "'\(roleArnTemplate)' is not arn:aws:iam::{account}:role/NAME")
        }
    }

    /// The outcome for one account: its result, or why it could not be had.
    public struct Outcome<T: Sendable>: Sendable {
        public var account: AccountID
        public var result: Result<T, IngotError>
    }

    /// Runs `body` on each account's cloud, in `accounts`' order; `progress` sees how many are done.
    /// `caller`: the base credentials' own cloud, used as it is for its account (no role to assume
    /// there: OrganizationAccountAccessRole exists in member accounts only).
    public func run<T: Sendable>(accounts: [AccountID], caller: AWSCloud? = nil, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in },
                                 _ body: @escaping @Sendable (AWSCloud) async throws -> T) async -> [Outcome<T>] {
        var results = [Result<T, IngotError>?](repeating: nil, count: accounts.count)
        await withTaskGroup(of: (Int, Result<T, IngotError>).self) { group in
            var next = 0, done = 0
            while next < min(maxConcurrency, accounts.count) {
                let i = next
                group.addTask { (i, await self.one(accounts[i], caller: caller, body)) }
                next += 1
            }
            while let (i, result) = await group.next() {
                results[i] = result
                done += 1
                progress(done, accounts.count)
                if next < accounts.count {
                    let j = next
                    group.addTask { (j, await self.one(accounts[j], caller: caller, body)) }
                    next += 1
                }
            }
        }
        return zip(accounts, results).map { Outcome(account: $0, result: $1 ?? .failure(.failed("not run"))) }
    }

    func one<T: Sendable>(_ account: AccountID, caller: AWSCloud?, _ body: @Sendable (AWSCloud) async throws -> T) async -> Result<T, IngotError> {
        let cloud: AWSCloud
        do { cloud = try await self.cloud(account, caller: caller) } catch let e as IngotError { return .failure(e) } catch { return .failure(.failed("\(error)")) }
        return await Self.capture { try await body(cloud) }
    }

    /// The cloud of `account`: the caller's own, or through the role assumed there (its credentials
    /// fetched once, so that a role that cannot be assumed is an error here, naming it).
    /// - Parameters:
    ///   - account: the account to act in.
    ///   - caller: the caller's cloud, used as is for its own account.
    public func cloud(_ account: AccountID, caller: AWSCloud?) async throws -> AWSCloud {
        if let caller, caller.account == account { return caller }
        let arn = roleArn(account)
        let provider = CredentialProvider.assumingRole(arn, source: base.credentialProvider, endpoints: base.endpoints, region: base.region,
                                                        sessionName: nil)
        let configuration = AWSConfiguration(provider: provider, region: base.region, endpoints: base.endpoints, profile: base.profile)
        let client = AWSClient(configuration: configuration, retryPolicy: retryPolicy, logger: logger, http: CredentialProvider.http)
        do {
            _ = try await provider.credentials()
        } catch {
            // The cause keeps its kind and code (throttling, an expired base token ...), with the role named.
            let e = (error as? IngotError) ?? .failed("\(error)")
            throw IngotError(kind: e.kind, code: e.code, message: "cannot assume \(arn): \(e.message)")
        }
        return AWSCloud(client: client, account: account)
    }

    static func capture<T>(_ work: () async throws -> T) async -> Result<T, IngotError> {
        do {
            return .success(try await work())
        } catch let error as IngotError {
            return .failure(error)
        } catch {
            return .failure(.failed("\(error)"))
        }
    }
}
