import AsyncHTTPClient
import Crypto
import Foundation
import IngotCore
import NIOCore
import NIOHTTP1

/// The AWS CLI's credential chain, in its order: environment variables; a profile's `role_arn`
/// (with `source_profile`, chains of any depth, or `credential_source`) or `web_identity_token_file`;
/// `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN`; a profile's SSO settings; its static keys in the
/// credentials file; its `credential_process`; its static keys in the config file; container
/// credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`/`_FULL_URI`); instance metadata (IMDSv2).
/// Each temporary source becomes a refreshing ``CredentialProvider``.
struct CredentialChain {
    let environment: [String: String]
    let credentialSections: [String: [String: String]]
    let configSections: [String: [String: String]]
    let credentialsFile: String
    let configFile: String
    let home: String
    /// Where STS, the SSO portal and the like are called (`AWS_ENDPOINT_URL_STS` ...).
    let endpoints: [AWSService: String]
    /// The region STS is called in when the profile names none.
    let region: Region?

    func env(_ name: String) -> String? {
        guard let v = environment[name], !v.isEmpty else { return nil }
        return v
    }

    /// A profile's settings: `[name]` in the credentials file, then `[profile name]` (or `[default]`) in the config file.
    func profile(_ name: String) -> (credentials: [String: String]?, config: [String: String]?) {
        let config = configSections[name == "default" ? "default" : "profile \(name)"] ?? (name == "default" ? nil : configSections[name])
        return (credentialSections[name], config)
    }

    /// The chain's answer for `profileName`; `explicitProfile`: named on the command line (the
    /// environment's keys then do not apply, as with the AWS CLI).
    func provider(profileName: String, explicitProfile: Bool) throws -> CredentialProvider {
        if !explicitProfile, let key = env("AWS_ACCESS_KEY_ID") {
            guard let secret = env("AWS_SECRET_ACCESS_KEY") else {
                throw IngotError.invalid("credentials", "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            return .fixed(AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN")),
                          source: "environment variables (AWS_ACCESS_KEY_ID)")
        }
        if let fromProfile = try profileProvider(profileName, chain: [], environmentWebIdentity: !explicitProfile) { return fromProfile }
        if let container = try containerProvider() { return container }
        if !metadataDisabled { return instanceMetadata() }
        throw IngotError.invalid("credentials", "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in \(credentialsFile) or \(configFile) (keys, role_arn, sso_session, credential_process), or run where container or instance credentials are available")
    }

    var metadataDisabled: Bool { env("AWS_EC2_METADATA_DISABLED")?.lowercased() == "true" }

    /// What a profile says, or nil when it names no credentials at all, in botocore's order: an
    /// assumed role, web identity (the profile's, overridden by `AWS_ROLE_ARN`,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_SESSION_NAME` unless a profile was named
    /// explicitly), SSO, keys in the credentials file, `credential_process`, keys in the config file.
    /// `chain`: the profiles that led here through `source_profile` (a profile met twice is a cycle);
    /// a source profile with keys gives its keys, whatever role it names itself (as botocore).
    func profileProvider(_ name: String, chain: [String], environmentWebIdentity: Bool = false) throws -> CredentialProvider? {
        let (credentials, config) = profile(name)
        let settings = (config ?? [:]).merging(credentials ?? [:]) { _, fromCredentials in fromCredentials }
        let path = (chain + [name]).joined(separator: " -> ")
        let hasKeys = settings["aws_access_key_id"] != nil
        let isSource = !chain.isEmpty
        // Web identity: the environment's values override the profile's.
        let webRole = (environmentWebIdentity ? env("AWS_ROLE_ARN") : nil) ?? settings["role_arn"]
        let webToken = (environmentWebIdentity ? env("AWS_WEB_IDENTITY_TOKEN_FILE") : nil) ?? settings["web_identity_token_file"].map { AWSConfiguration.expand($0, home: home) }
        if !(isSource && hasKeys), let roleArn = settings["role_arn"], settings["source_profile"] != nil || settings["credential_source"] != nil || webToken == nil {
            if settings["mfa_serial"] != nil {
                throw IngotError.invalid("credentials", "profile \(name) assumes \(roleArn) with an MFA device (mfa_serial): Ingot does not prompt for a code; run `aws sts get-session-token` or `aws configure export-credentials --profile \(name)` and export the result")
            }
            let source: CredentialProvider
            switch (settings["source_profile"], settings["credential_source"]) {
            case (let sourceProfile?, nil):
                guard !chain.contains(sourceProfile), sourceProfile != name || settings["aws_access_key_id"] != nil else {
                    throw IngotError.invalid("credentials", "profile \(name): source_profile makes a cycle: \(path) -> \(sourceProfile)")
                }
                if sourceProfile == name, let key = settings["aws_access_key_id"], let secret = settings["aws_secret_access_key"] {
                    // A profile may be its own source: its keys assume its role.
                    source = .fixed(AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: settings["aws_session_token"]), source: "profile \(name)'s keys")
                } else {
                    guard profile(sourceProfile).credentials != nil || profile(sourceProfile).config != nil else {
                        throw IngotError.invalid("credentials", "profile \(name): source_profile \(sourceProfile) is in neither \(credentialsFile) nor \(configFile)")
                    }
                    guard let p = try profileProvider(sourceProfile, chain: chain + [name]) else {
                        throw IngotError.invalid("credentials", "profile \(name): source_profile \(sourceProfile) has no credentials")
                    }
                    source = p
                }
            case (nil, let named?):
                source = try credentialSource(named, profile: name)
            case (nil, nil):
                throw IngotError.invalid("credentials", "profile \(name) has role_arn but neither source_profile nor credential_source")
            case (_?, _?):
                throw IngotError.invalid("credentials", "profile \(name) has both source_profile and credential_source; give one")
            }
            let duration = try settings["duration_seconds"].map { text -> Int in
                guard let d = Int(text), (900...43_200).contains(d) else {
                    throw IngotError.invalid("credentials", "profile \(name): duration_seconds '\(text)' is not 900 to 43200 seconds")
                }
                return d
            }
            return assumeRole(roleArn: roleArn, source: source, externalId: settings["external_id"], sessionName: settings["role_session_name"],
                              duration: duration, region: settings["region"].flatMap { try? Region($0) }, description: "assume role \(roleArn) (profile \(path), from \(source.source))")
        }
        if !isSource, let roleArn = webRole, let tokenFile = webToken {
            let fromEnvironment = environmentWebIdentity && env("AWS_ROLE_ARN") != nil && env("AWS_WEB_IDENTITY_TOKEN_FILE") != nil
            return webIdentity(roleArn: roleArn, tokenFile: tokenFile,
                               sessionName: (environmentWebIdentity ? env("AWS_ROLE_SESSION_NAME") : nil) ?? settings["role_session_name"],
                               source: fromEnvironment ? "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)" : "web identity of profile \(name) (\(roleArn))")
        }
        // "Role name & Account ID indicate the cred provider should be used" (botocore): a profile with
        // only sso_session (for `aws sso login`) is not an SSO credentials profile.
        if !(isSource && hasKeys), settings["sso_account_id"] != nil || settings["sso_role_name"] != nil {
            return try sso(name, settings)
        }
        if let key = credentials?["aws_access_key_id"] {
            guard let secret = credentials?["aws_secret_access_key"] else {
                throw IngotError.invalid("credentials", "profile '\(name)' in \(credentialsFile) has aws_access_key_id but no aws_secret_access_key")
            }
            return .fixed(AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: credentials?["aws_session_token"]),
                          source: "profile \(name) in \(credentialsFile)")
        }
        if let command = settings["credential_process"] {
            return try process(command, profile: name)
        }
        if let key = config?["aws_access_key_id"] {
            guard let secret = config?["aws_secret_access_key"] else {
                throw IngotError.invalid("credentials", "profile '\(name)' in \(configFile) has aws_access_key_id but no aws_secret_access_key")
            }
            return .fixed(AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: config?["aws_session_token"]),
                          source: "profile \(name) in \(configFile)")
        }
        return nil
    }

    /// `credential_source`: Environment, Ec2InstanceMetadata or EcsContainer.
    func credentialSource(_ named: String, profile: String) throws -> CredentialProvider {
        switch named {
        case "Environment":
            guard let key = env("AWS_ACCESS_KEY_ID"), let secret = env("AWS_SECRET_ACCESS_KEY") else {
                throw IngotError.invalid("credentials", "profile \(profile): credential_source Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set")
            }
            return .fixed(AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN")), source: "environment variables")
        case "Ec2InstanceMetadata":
            guard !metadataDisabled else {
                throw IngotError.invalid("credentials", "profile \(profile): credential_source Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is true")
            }
            return instanceMetadata()
        case "EcsContainer":
            guard let container = try containerProvider() else {
                throw IngotError.invalid("credentials", "profile \(profile): credential_source EcsContainer, but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set")
            }
            return container
        default:
            throw IngotError.invalid("credentials", "profile \(profile): credential_source '\(named)' is not Environment, Ec2InstanceMetadata or EcsContainer")
        }
    }

    // MARK: STS

    /// STS in `region` (the profile's, else the configured one, else us-east-1), signed with `source`.
    func sts(_ source: CredentialProvider, region: Region?) -> (AWSClient, Region) {
        CredentialProvider.sts(source, endpoints: endpoints, region: region ?? self.region)
    }

    /// STS AssumeRole with the source's credentials; refreshed before they expire.
    func assumeRole(roleArn: String, source: CredentialProvider, externalId: String?, sessionName: String?, duration: Int?,
                    region: Region?, description: String) -> CredentialProvider {
        .assumingRole(roleArn, source: source, endpoints: endpoints, region: region ?? self.region, externalId: externalId,
                      sessionName: sessionName, duration: duration, description: description)
    }

    /// STS AssumeRoleWithWebIdentity (unsigned) with the token file's contents, read again at each refresh.
    func webIdentity(roleArn: String, tokenFile: String, sessionName: String?, source: String) -> CredentialProvider {
        let (client, r) = sts(.anonymous(), region: nil)
        return .refreshing(source: source) {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw IngotError.invalid("credentials", "the web identity token file \(tokenFile) cannot be read")
            }
            var q = QueryParameters(action: "AssumeRoleWithWebIdentity", version: AWSService.sts.apiVersion ?? "")
            q.set("RoleArn", roleArn)
            q.set("RoleSessionName", sessionName ?? CredentialProvider.sessionName())
            q.set("WebIdentityToken", String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            return try Self.stsCredentials(try await client.query(.sts, region: r, q), result: "AssumeRoleWithWebIdentityResult")
        }
    }

    static func stsCredentials(_ answer: AWSXML.Element, result: String) throws -> AWSCredentials {
        let base = "\(result)/Credentials/"
        guard let key = answer.string(base + "AccessKeyId"), let secret = answer.string(base + "SecretAccessKey") else {
            throw IngotError.failed("\(result): the answer has no Credentials")
        }
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: answer.string(base + "SessionToken"),
                              expiration: answer.string(base + "Expiration").flatMap(Timestamp.parse))
    }

    // MARK: credential_process

    /// `credential_process`: the command (split like a shell would, without running one) prints
    /// `{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}`.
    func process(_ command: String, profile: String) throws -> CredentialProvider {
        let words = try Self.split(command, profile: profile)
        return .refreshing(source: "credential_process of profile \(profile)") {
            try await Self.run(words, profile: profile)
        }
    }

    static func split(_ command: String, profile: String) throws -> [String] {
        var words: [String] = [], word = "", quote: Character?, escaped = false, inWord = false
        for c in command {
            if escaped { word.append(c); escaped = false; continue }
            if c == "\\" && quote != "'" { escaped = true; inWord = true; continue }
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
                continue
            }
            if c == "\"" || c == "'" { quote = c; inWord = true; continue }
            if c == " " || c == "\t" {
                if inWord { words.append(word); word = ""; inWord = false }
                continue
            }
            word.append(c)
            inWord = true
        }
        guard quote == nil else { throw IngotError.invalid("credentials", "profile \(profile): credential_process has an unclosed quote") }
        if inWord { words.append(word) }
        guard !words.isEmpty else { throw IngotError.invalid("credentials", "profile \(profile): credential_process is empty") }
        return words
    }

    /// `name` as given when it has a slash, else the first match on PATH.
    static func executable(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    final class ErrorOutput: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
        func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
    }

    struct ProcessOutput: Decodable {
        var Version: Int
        var AccessKeyId: String
        var SecretAccessKey: String
        var SessionToken: String?
        var Expiration: String?
    }

    static func run(_ words: [String], profile: String) async throws -> AWSCredentials {
        guard let executable = Self.executable(words[0]) else {
            throw IngotError.invalid("credentials", "credential_process of profile \(profile): '\(words[0])' is not an executable on PATH")
        }
        // On a thread of its own: the reads block, and stdout and stderr are drained together (a
        // process filling one pipe while we wait on the other would never finish).
        let (status, out, err): (Int32, Data, Data) = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: executable)
                p.arguments = Array(words.dropFirst())
                let stdout = Pipe(), stderr = Pipe()
                p.standardOutput = stdout
                p.standardError = stderr
                do { try p.run() } catch { continuation.resume(throwing: error); return }
                let errBox = ErrorOutput()
                let group = DispatchGroup()
                group.enter()
                DispatchQueue.global().async {
                    errBox.set(stderr.fileHandleForReading.readDataToEndOfFile())
                    group.leave()
                }
                let out = stdout.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                p.waitUntilExit()
                continuation.resume(returning: (p.terminationStatus, out, errBox.get()))
            }
        }
        guard status == 0 else {
            let message = String(decoding: err.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw IngotError.failed("credential_process of profile \(profile) exited with status \(status)\(message.isEmpty ? "" : ": \(message)")")
        }
        guard let o = try? JSONDecoder().decode(ProcessOutput.self, from: out) else {
            throw IngotError.failed("credential_process of profile \(profile) did not print JSON with Version, AccessKeyId and SecretAccessKey")
        }
        guard o.Version == 1 else { throw IngotError.failed("credential_process of profile \(profile) printed Version \(o.Version); Version 1 is supported") }
        let expiration = try o.Expiration.map { text in
            guard let d = Timestamp.parse(text) else { throw IngotError.failed("credential_process of profile \(profile): Expiration '\(text)' is not an ISO 8601 time") }
            return d
        }
        return AWSCredentials(accessKeyId: o.AccessKeyId, secretAccessKey: o.SecretAccessKey, sessionToken: o.SessionToken, expiration: expiration)
    }

    // MARK: SSO

    /// IAM Identity Center: the token `aws sso login` cached under `~/.aws/sso/cache` (named by the
    /// SHA-1 of the session name, or of the start URL for legacy profiles), then the portal's
    /// GetRoleCredentials. An expired or missing token says to log in; the cache is never written.
    func sso(_ name: String, _ settings: [String: String]) throws -> CredentialProvider {
        var startURL = settings["sso_start_url"], ssoRegion = settings["sso_region"]
        var cacheKey = startURL
        if let session = settings["sso_session"] {
            guard let section = configSections["sso-session \(session)"] else {
                throw IngotError.invalid("credentials", "profile \(name) names sso_session \(session), but \(configFile) has no [sso-session \(session)] section")
            }
            startURL = section["sso_start_url"] ?? startURL
            ssoRegion = section["sso_region"] ?? ssoRegion
            cacheKey = session
        }
        guard let account = settings["sso_account_id"], let role = settings["sso_role_name"], startURL != nil, let ssoRegion, let cacheKey else {
            throw IngotError.invalid("credentials", "profile \(name) is an SSO profile but lacks sso_account_id, sso_role_name, sso_start_url or sso_region")
        }
        let digest = Insecure.SHA1.hash(data: Data(cacheKey.utf8)).map { String(format: "%02x", $0) }.joined()
        let cacheFile = "\(home)/.aws/sso/cache/\(digest).json"
        let portal = endpoints[.sso] ?? "https://portal.sso.\(ssoRegion).amazonaws.com"
        let login = "run `aws sso login --profile \(name)`"
        return .refreshing(source: "SSO profile \(name) (account \(account), role \(role))") {
            struct Token: Decodable { var accessToken: String; var expiresAt: String }
            guard let data = FileManager.default.contents(atPath: cacheFile), let token = try? JSONDecoder().decode(Token.self, from: data) else {
                throw IngotError.invalid("credentials", "no SSO token for profile \(name) in \(cacheFile): \(login)")
            }
            guard let expires = Timestamp.parse(token.expiresAt), expires > Date() else {
                throw IngotError.invalid("credentials", "the SSO token of profile \(name) expired at \(token.expiresAt): \(login)")
            }
            var request = HTTPClientRequest(url: "\(portal)/federation/credentials?account_id=\(Self.percentEncoded(account))&role_name=\(Self.percentEncoded(role))")
            request.headers.add(name: "x-amz-sso_bearer_token", value: token.accessToken)
            let response = try await CredentialProvider.http.execute(request, timeout: .seconds(30))
            let body = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
            guard response.status.code == 200 else {
                if response.status.code == 401 || response.status.code == 403 {
                    throw IngotError.invalid("credentials", "the SSO portal refused the token of profile \(name) (HTTP \(response.status.code)): \(login)")
                }
                throw IngotError.failed("SSO GetRoleCredentials for profile \(name): HTTP \(response.status.code)")
            }
            struct Answer: Decodable {
                struct Role: Decodable { var accessKeyId: String; var secretAccessKey: String; var sessionToken: String?; var expiration: Int64 }
                var roleCredentials: Role
            }
            guard let answer = try? JSONDecoder().decode(Answer.self, from: body) else {
                throw IngotError.failed("SSO GetRoleCredentials for profile \(name): the answer has no roleCredentials")
            }
            let r = answer.roleCredentials
            return AWSCredentials(accessKeyId: r.accessKeyId, secretAccessKey: r.secretAccessKey, sessionToken: r.sessionToken,
                                  expiration: Date(timeIntervalSince1970: Double(r.expiration) / 1000))
        }
    }

    /// RFC 3986's unreserved characters kept, everything else percent-encoded (a permission set named
    /// `Admin+Ops` must not arrive as `Admin Ops`).
    static func percentEncoded(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    // MARK: Container and instance metadata

    /// ECS, EKS Pod Identity and CodeBuild: a GET of the relative URI at 169.254.170.2 or of the full
    /// URI, with `AWS_CONTAINER_AUTHORIZATION_TOKEN` (or the file `_TOKEN_FILE` names) as Authorization.
    func containerProvider() throws -> CredentialProvider? {
        let url: String
        if let relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            url = "http://169.254.170.2" + relative
        } else if let full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            // The SDKs send the authorization token only over https, or over http to a loopback address
            // or the container credential hosts of ECS and EKS.
            guard let parsed = URL(string: full), let host = parsed.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")),
                  parsed.scheme == "https" || (parsed.scheme == "http" && Self.isAllowedContainerHost(host)) else {
                throw IngotError.invalid("credentials", "AWS_CONTAINER_CREDENTIALS_FULL_URI '\(full)' must be https, or http to a loopback address or 169.254.170.2, 169.254.170.23, fd00:ec2::23")
            }
            url = full
        } else {
            return nil
        }
        let tokenFile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        if let token, token.contains("\r") || token.contains("\n") {
            throw IngotError.invalid("credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN contains a line break")
        }
        return .refreshing(source: "container credentials (\(url))") {
            var request = HTTPClientRequest(url: url)
            if let tokenFile {
                guard let data = FileManager.default.contents(atPath: tokenFile) else {
                    throw IngotError.invalid("credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(tokenFile) cannot be read")
                }
                request.headers.add(name: "Authorization", value: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            } else if let token {
                request.headers.add(name: "Authorization", value: token)
            }
            let body = try await Self.get(request, what: "container credentials at \(url)", timeout: .seconds(5))
            return try Self.metadataCredentials(body, what: "container credentials at \(url)")
        }
    }

    static func isAllowedContainerHost(_ host: String) -> Bool {
        ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost", "::1"].contains(host.lowercased()) || host.hasPrefix("127.")
    }

    /// IMDSv2 only: PUT a session token, then the role's credentials. One second per request, so that
    /// a machine without instance metadata is not held up.
    func instanceMetadata() -> CredentialProvider {
        let base = (env("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? "http://169.254.169.254").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return .refreshing(source: "instance metadata (\(base))") {
            let what = "instance metadata at \(base)"
            var put = HTTPClientRequest(url: "\(base)/latest/api/token")
            put.method = .PUT
            put.headers.add(name: "X-aws-ec2-metadata-token-ttl-seconds", value: "21600")
            let token: String
            do {
                token = String(decoding: try await Self.get(put, what: what, timeout: .seconds(1)), as: UTF8.self)
            } catch {
                throw IngotError.invalid("credentials", "no AWS credentials: \(what) did not answer (\(error)); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile, or run on an instance with a role")
            }
            var list = HTTPClientRequest(url: "\(base)/latest/meta-data/iam/security-credentials/")
            list.headers.add(name: "X-aws-ec2-metadata-token", value: token)
            let roles = String(decoding: try await Self.get(list, what: what, timeout: .seconds(1)), as: UTF8.self)
            guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
                throw IngotError.invalid("credentials", "\(what): the instance has no IAM role (instance profile)")
            }
            var get = HTTPClientRequest(url: "\(base)/latest/meta-data/iam/security-credentials/\(role)")
            get.headers.add(name: "X-aws-ec2-metadata-token", value: token)
            return try Self.metadataCredentials(try await Self.get(get, what: what, timeout: .seconds(1)), what: what)
        }
    }

    static func get(_ request: HTTPClientRequest, what: String, timeout: TimeAmount) async throws -> Data {
        let response = try await CredentialProvider.http.execute(request, timeout: timeout)
        let body = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        guard response.status.code == 200 else {
            throw IngotError.failed("\(what) answered HTTP \(response.status.code)")
        }
        return body
    }

    /// The JSON both metadata services answer: AccessKeyId, SecretAccessKey, Token, Expiration.
    static func metadataCredentials(_ body: Data, what: String) throws -> AWSCredentials {
        struct Answer: Decodable { var AccessKeyId: String; var SecretAccessKey: String; var Token: String?; var Expiration: String? }
        guard let a = try? JSONDecoder().decode(Answer.self, from: body) else {
            throw IngotError.failed("\(what) did not answer credentials (AccessKeyId, SecretAccessKey)")
        }
        return AWSCredentials(accessKeyId: a.AccessKeyId, secretAccessKey: a.SecretAccessKey, sessionToken: a.Token,
                              expiration: a.Expiration.flatMap(Timestamp.parse))
    }
}
