import AsyncHTTPClient
import Foundation
import IngotCore
import NIOCore

/// Where the credentials come from, and the cache that keeps them fresh: temporary credentials are
/// fetched again `refreshAhead` before they expire, once however many requests ask at that moment
/// (one fetch in flight, shared), so a long `--wait` or an organization-wide run never signs with
/// expired credentials.
///
/// ```swift
/// let provider = CredentialProvider.fixed(AWSCredentials(accessKeyId: "AKID", secretAccessKey: secret))
/// let credentials = try await provider.credentials()
/// ```
public final class CredentialProvider: Sendable, CustomStringConvertible {
    /// How the credentials were found, for `ingot aws whoami` and `--debug` (never a secret).
    public let source: String
    /// Credentials known without a call (environment variables, a profile's keys); nil otherwise.
    public let fixedCredentials: AWSCredentials?
    /// Requests are sent unsigned (AssumeRoleWithWebIdentity, the SSO portal).
    public let isAnonymous: Bool
    private let cache: Cache

    /// How long before their expiration temporary credentials are fetched again.
    public static let refreshAhead: TimeInterval = 5 * 60
    /// From this long before expiration, requests wait for the refresh instead of signing with the
    /// credentials they have (and a failed refresh is an error).
    public static let mandatoryRefresh: TimeInterval = 60

    init(source: String, fixed: AWSCredentials?, anonymous: Bool = false, now: @escaping @Sendable () -> Date = Date.init,
         fetch: @escaping @Sendable () async throws -> AWSCredentials) {
        self.source = source
        self.fixedCredentials = fixed
        self.isAnonymous = anonymous
        self.cache = Cache(now: now, fetch: fetch)
    }

    /// Credentials that never change.
    public static func fixed(_ credentials: AWSCredentials, source: String = "explicit credentials") -> CredentialProvider {
        CredentialProvider(source: source, fixed: credentials, fetch: { credentials })
    }

    /// No credentials: requests go unsigned.
    public static func anonymous(source: String = "unsigned requests") -> CredentialProvider {
        CredentialProvider(source: source, fixed: nil, anonymous: true, fetch: {
            throw IngotError.failed("unsigned requests have no credentials")
        })
    }

    /// Credentials fetched by `fetch` (an STS call, a process, a metadata endpoint), kept until
    /// `refreshAhead` before they expire. `now` is the clock expirations are compared with.
    public static func refreshing(source: String, now: @escaping @Sendable () -> Date = Date.init,
                                  fetch: @escaping @Sendable () async throws -> AWSCredentials) -> CredentialProvider {
        CredentialProvider(source: source, fixed: nil, now: now, fetch: fetch)
    }

    /// Valid credentials: the cached ones, or freshly fetched ones when they are about to expire.
    public func credentials() async throws -> AWSCredentials {
        if let fixedCredentials { return fixedCredentials }
        return try await cache.get()
    }

    /// How many times credentials were fetched (STS calls, process runs, metadata requests).
    public var fetchCount: Int { get async { await cache.fetches } }

    public var description: String { "CredentialProvider(\(source))" }

    private actor Cache {
        let now: @Sendable () -> Date
        let fetch: @Sendable () async throws -> AWSCredentials
        var current: AWSCredentials?
        var inFlight: Task<AWSCredentials, any Error>?
        var fetches = 0
        var lastFetch: Date?

        init(now: @escaping @Sendable () -> Date, fetch: @escaping @Sendable () async throws -> AWSCredentials) {
            self.now = now
            self.fetch = fetch
        }

        func get() async throws -> AWSCredentials {
            let time = now()
            if let current, !Self.isStale(current, at: time) { return current }
            // Inside the refresh window but not about to expire: while a refresh runs, the current
            // credentials still sign (no request waits on STS until the last minute).
            if let inFlight {
                if let current, Self.remaining(current, at: time) > CredentialProvider.mandatoryRefresh { return current }
                return try await inFlight.value
            }
            // A source that hands out credentials already inside the window is asked again at most
            // once a minute, until they actually expire.
            if let current, let last = lastFetch, time.timeIntervalSince(last) < 60, Self.remaining(current, at: time) > 0 { return current }
            fetches += 1
            lastFetch = time
            let task = Task { try await fetch() }
            inFlight = task
            defer { inFlight = nil }
            do {
                let fresh = try await task.value
                current = fresh
                return fresh
            } catch {
                // A failed refresh before the credentials are about to expire keeps them (botocore:
                // "we'll use the current set of temporary credentials we have").
                if let current, Self.remaining(current, at: time) > CredentialProvider.mandatoryRefresh { return current }
                throw error
            }
        }

        static func remaining(_ c: AWSCredentials, at now: Date) -> TimeInterval {
            c.expiration.map { $0.timeIntervalSince(now) } ?? .infinity
        }

        static func isStale(_ c: AWSCredentials, at now: Date) -> Bool {
            guard let expiration = c.expiration else { return false }
            return expiration.timeIntervalSince(now) <= CredentialProvider.refreshAhead
        }
    }
}

extension CredentialProvider {
    /// The HTTP client of credential calls and of other accounts' clients: one per process, never
    /// shut down, and, unlike `HTTPClient.shared`, following no redirect (a token or signature must not
    /// be carried to another host).
    static let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                 configuration: HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                                         timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(60))))

    /// STS in `region` (us-east-1 when none), at the configured endpoints, signed with `source`.
    static func sts(_ source: CredentialProvider, endpoints: [AWSService: String], region: Region?) -> (AWSClient, Region) {
        let r = region ?? .usEast1
        return (AWSClient(configuration: AWSConfiguration(provider: source, region: r, endpoints: endpoints), http: http), r)
    }

    /// `ingot-` and the time, as the AWS CLI names sessions `botocore-session-<time>`.
    static func sessionName() -> String { "ingot-\(Int(Date().timeIntervalSince1970))" }

    /// STS AssumeRole of `roleArn` with `source`'s credentials, refreshed before they expire.
    public static func assumingRole(_ roleArn: String, source: CredentialProvider, endpoints: [AWSService: String], region: Region?,
                                    externalId: String? = nil, sessionName: String? = nil, duration: Int? = nil,
                                    description: String? = nil, now: @escaping @Sendable () -> Date = Date.init) -> CredentialProvider {
        let (client, r) = sts(source, endpoints: endpoints, region: region)
        return .refreshing(source: description ?? "assume role \(roleArn) (from \(source.source))", now: now) {
            var q = QueryParameters(action: "AssumeRole", version: AWSService.sts.apiVersion ?? "")
            q.set("RoleArn", roleArn)
            q.set("RoleSessionName", sessionName ?? Self.sessionName())
            q.set("ExternalId", externalId)
            q.set("DurationSeconds", duration)
            return try CredentialChain.stsCredentials(try await client.query(.sts, region: r, q), result: "AssumeRoleResult")
        }
    }
}
