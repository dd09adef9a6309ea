import AsyncHTTPClient
import Crypto
import Foundation
import IngotAWS
import IngotCore
import Synchronization
import Testing

/// The credential chain without a network: credential_process with a real script, profile errors,
/// the refresh of temporary credentials.
@Suite("The credential chain: credential_process, role profiles, refresh")
struct CredentialChainTests {
    static let noMetadata = ["AWS_EC2_METADATA_DISABLED": "true"]

    /// A script printing `json` (or exiting with `status`).
    static func script(_ home: borrowing TempHome, _ body: String) throws -> String {
        let file = try home.write("creds.sh", "#!/bin/sh\n\(body)\n")
        chmod(file, 0o755)
        return file
    }

    @Test("credential_process: its Version 1 JSON is the credentials, with Expiration; a failing or silent process is a clear error")
    func credentialProcess() async throws {
        let home = try TempHome()
        let good = try Self.script(home, #"echo '{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "proc-secret", "SessionToken": "proc-token", "Expiration": "2099-01-01T00:00:00Z"}'"#)
        _ = try home.write(".aws/config", """
            [profile proc]
            credential_process = "\(good)" --ignored "an argument"
            [profile broken]
            credential_process = /bin/sh -c "echo 'no such role' >&2; exit 3"
            [profile silent]
            credential_process = /bin/echo not json
            """)
        let c = try AWSConfiguration.resolve(profile: "proc", environment: Self.noMetadata, home: home.path)
        #expect(c.credentials == nil && c.credentialsSource.description == "credential_process of profile proc")
        let creds = try await c.credentialProvider.credentials()
        #expect(creds.accessKeyId == "AKIAPROCESS" && creds.sessionToken == "proc-token" && creds.expiration == Timestamp.parse("2099-01-01T00:00:00Z"))
        let broken = try AWSConfiguration.resolve(profile: "broken", environment: Self.noMetadata, home: home.path)
        let failed = await #expect(throws: IngotError.self) { _ = try await broken.credentialProvider.credentials() }
        #expect(failed?.message == "credential_process of profile broken exited with status 3: no such role")
        let silent = try AWSConfiguration.resolve(profile: "silent", environment: Self.noMetadata, home: home.path)
        let notJSON = await #expect(throws: IngotError.self) { _ = try await silent.credentialProvider.credentials() }
        #expect(notJSON?.message.contains("did not print JSON") == true)
    }

    @Test("Role profiles: a source_profile cycle is refused naming the chain; mfa_serial and unknown credential_source say what to do")
    func roleProfileErrors() throws {
        let home = try TempHome(config: """
            [profile a]
            role_arn = arn:aws:iam::123456789012:role/a
            source_profile = b
            [profile b]
            role_arn = arn:aws:iam::123456789012:role/b
            source_profile = a
            [profile mfa]
            role_arn = arn:aws:iam::123456789012:role/admin
            source_profile = a
            mfa_serial = arn:aws:iam::123456789012:mfa/me
            [profile odd]
            role_arn = arn:aws:iam::123456789012:role/x
            credential_source = Laptop
            [profile sso]
            sso_session = corp
            sso_account_id = 111122223333
            sso_role_name = ReadOnly
            """)
        let cycle = #expect(throws: IngotError.self) { try AWSConfiguration.resolve(profile: "a", environment: Self.noMetadata, home: home.path) }
        #expect(cycle?.message.contains("source_profile makes a cycle: a -> b -> a") == true, "\(cycle?.message ?? "")")
        let mfa = #expect(throws: IngotError.self) { try AWSConfiguration.resolve(profile: "mfa", environment: Self.noMetadata, home: home.path) }
        #expect(mfa?.message.contains("mfa_serial") == true && mfa?.kind == .invalidInput)
        let odd = #expect(throws: IngotError.self) { try AWSConfiguration.resolve(profile: "odd", environment: Self.noMetadata, home: home.path) }
        #expect(odd?.message.contains("'Laptop' is not Environment, Ec2InstanceMetadata or EcsContainer") == true)
        let sso = #expect(throws: IngotError.self) { try AWSConfiguration.resolve(profile: "sso", environment: Self.noMetadata, home: home.path) }
        #expect(sso?.message.contains("no [sso-session corp] section") == true)
    }

    /// Temporary credentials are fetched again before they expire, once however many requests ask.
    @Test("Expiring credentials are refreshed once, shared by concurrent requests; fresh ones are not fetched again")
    func refreshOnce() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let fetches = Mutex(0)
        let provider = CredentialProvider.refreshing(source: "test", now: { clock.withLock { $0 } }) {
            let n = fetches.withLock { $0 += 1; return $0 }
            try await Task.sleep(for: .milliseconds(20))
            return AWSCredentials(accessKeyId: "AKIA\(n)", secretAccessKey: "s", sessionToken: "t",
                                  expiration: clock.withLock { $0 }.addingTimeInterval(3600))
        }
        func ask(_ n: Int) async throws -> Set<String> {
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<n { group.addTask { try await provider.credentials().accessKeyId } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
        }
        #expect(try await ask(20) == ["AKIA1"] && fetches.withLock { $0 } == 1)
        clock.withLock { $0 = $0.addingTimeInterval(3000) }  // 10 minutes left: still good
        #expect(try await ask(20) == ["AKIA1"] && fetches.withLock { $0 } == 1)
        clock.withLock { $0 = $0.addingTimeInterval(360) }   // 4 minutes left: inside the refresh window
        // One refresh; requests made while it runs still sign with the current credentials (not yet expiring).
        #expect(try await ask(20).isSubset(of: ["AKIA1", "AKIA2"]) && fetches.withLock { $0 } == 2)
        #expect(try await provider.credentials().accessKeyId == "AKIA2" && fetches.withLock { $0 } == 2)
        #expect(await provider.fetchCount == 2)
    }

    @Test("A failed refresh keeps the credentials until their last minute, then it is an error")
    func failedRefresh() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let fail = Mutex(false)
        let provider = CredentialProvider.refreshing(source: "test", now: { clock.withLock { $0 } }) {
            if fail.withLock({ $0 }) { throw IngotError.refused("Throttling", "Rate exceeded") }
            return AWSCredentials(accessKeyId: "AKIA1", secretAccessKey: "s", expiration: clock.withLock { $0 }.addingTimeInterval(3600))
        }
        #expect(try await provider.credentials().accessKeyId == "AKIA1")
        fail.withLock { $0 = true }
        clock.withLock { $0 = $0.addingTimeInterval(3600 - 240) }  // 4 minutes left: the refresh fails, the current ones still sign
        #expect(try await provider.credentials().accessKeyId == "AKIA1")
        clock.withLock { $0 = $0.addingTimeInterval(200) }         // 40 seconds left: the error shows
        let error = await #expect(throws: IngotError.self) { _ = try await provider.credentials() }
        #expect(error?.code == "Throttling")
    }

    @Test("botocore's order: web identity from the environment before a profile's keys, unless --profile names one; a source profile's keys are used as they are")
    func chainOrder() throws {
        let home = try TempHome(credentials: """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = d
            [base]
            aws_access_key_id = AKIABASE
            aws_secret_access_key = b
            """, config: """
            [profile base]
            role_arn = arn:aws:iam::123456789012:role/base-role
            source_profile = nowhere
            [profile app]
            role_arn = arn:aws:iam::123456789012:role/app
            source_profile = base
            [profile login]
            sso_session = corp
            aws_access_key_id = AKIALOGIN
            aws_secret_access_key = l
            """)
        let token = try home.write("token", "jwt")
        let web = ["AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci", "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_EC2_METADATA_DISABLED": "true"]
        #expect(try AWSConfiguration.resolve(environment: web, home: home.path).credentialsSource.description == "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)")
        // `--profile` turns the environment's web identity off, as it does the environment's keys.
        #expect(try AWSConfiguration.resolve(profile: "default", environment: web, home: home.path).credentials?.accessKeyId == "AKIADEFAULT")
        // base is app's source: its keys assume app's role; base's own role_arn (whose source does not exist) is not followed.
        let app = try AWSConfiguration.resolve(profile: "app", environment: ["AWS_EC2_METADATA_DISABLED": "true"], home: home.path)
        #expect(app.credentialsSource.description.contains("assume role arn:aws:iam::123456789012:role/app") && app.credentialsSource.description.contains("profile base"))
        // A profile with only sso_session (for `aws sso login`) and keys gives its keys.
        #expect(try AWSConfiguration.resolve(profile: "login", environment: ["AWS_EC2_METADATA_DISABLED": "true"], home: home.path).credentials?.accessKeyId == "AKIALOGIN")
    }

    @Test("SSO: the cached token named by the SHA-1 of the session, then GetRoleCredentials; expired or missing says to log in")
    func sso() async throws {
        try await LoopbackServer.with({ request, _ in
            // A permission set's `+` percent-encoded, not turned into a space.
            request.uri.hasPrefix("/federation/credentials?account_id=111122223333&role_name=Admin%2BOps") && request.header("x-amz-sso_bearer_token") == "the-token"
                ? .respond(status: 200, contentType: "application/json",
                           body: #"{"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "sso-secret", "sessionToken": "sso-token", "expiration": 4102444800000}}"#)
                : .respond(status: 401, contentType: "application/json", body: "{}")
        }) { server in
            let home = try TempHome(config: """
                [profile dev]
                sso_session = corp
                sso_account_id = 111122223333
                sso_role_name = Admin+Ops
                [sso-session corp]
                sso_start_url = https://corp.awsapps.com/start
                sso_region = us-east-1
                """)
            let env = Self.noMetadata.merging(["AWS_ENDPOINT_URL_SSO": server.endpoint]) { a, _ in a }
            let c = try AWSConfiguration.resolve(profile: "dev", environment: env, home: home.path)
            let missing = await #expect(throws: IngotError.self) { _ = try await c.credentialProvider.credentials() }
            #expect(missing?.message.contains("aws sso login --profile dev") == true)
            // The AWS CLI names the cache file by the SHA-1 of the session name.
            let name = Insecure.SHA1.hash(data: Data("corp".utf8)).map { String(format: "%02x", $0) }.joined()
            try FileManager.default.createDirectory(atPath: home.path + "/.aws/sso/cache", withIntermediateDirectories: true)
            _ = try home.write(".aws/sso/cache/\(name).json", #"{"accessToken": "the-token", "expiresAt": "2000-01-01T00:00:00Z"}"#)
            let expired = await #expect(throws: IngotError.self) { _ = try await c.credentialProvider.credentials() }
            #expect(expired?.message.contains("expired") == true && expired?.message.contains("aws sso login") == true)
            _ = try home.write(".aws/sso/cache/\(name).json", #"{"accessToken": "the-token", "expiresAt": "2099-01-01T00:00:00Z"}"#)
            let creds = try await c.credentialProvider.credentials()
            #expect(creds.accessKeyId == "ASIASSO" && creds.expiration == Date(timeIntervalSince1970: 4_102_444_800))
        }
    }

    @Test("Container credentials: the full URI with the token file's contents as Authorization")
    func container() async throws {
        try await LoopbackServer.with({ request, _ in
            request.header("Authorization") == "secret-container-token"
                ? .respond(status: 200, contentType: "application/json",
                           body: #"{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "c-secret", "Token": "c-token", "Expiration": "2099-01-01T00:00:00Z"}"#)
                : .respond(status: 403, contentType: "application/json", body: "{}")
        }) { server in
            let home = try TempHome()
            let tokenFile = try home.write("token", "secret-container-token\n")
            let env = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.endpoint + "/v2/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile]
            let c = try AWSConfiguration.resolve(environment: env, home: home.path)
            #expect(c.credentialsSource.description.hasPrefix("container credentials"))
            #expect(try await c.credentialProvider.credentials().accessKeyId == "ASIACONTAINER")
            #expect(server.requests.first?.uri == "/v2/credentials")
        }
        // The token only goes over https, or over http to a loopback address or the ECS/EKS hosts.
        let home = try TempHome()
        let remote = #expect(throws: IngotError.self) {
            try AWSConfiguration.resolve(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://credentials.example.com/v2", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "t"], home: home.path)
        }
        #expect(remote?.message.contains("must be https") == true)
    }
}

/// The chain against moto's STS, IAM and instance metadata.
@Suite("Assumed roles against moto_server, signatures checked", .motoServerCheckingSignatures, .enabled(if: MotoServer.isInstalled, MotoServer.skipMessage))
struct AssumeRoleTests {
    /// Roles allowed everything (moto evaluates the assumed role's policies).
    static func makeRoles(_ roles: [String]) async throws {
        let moto = try MotoServer.require()
        let client = AWSClient(configuration: moto.configuration(credentials: try #require(MotoServer.credentials)), http: .shared)
        for role in roles { try await MotoServer.createRole(role, client: client) }
    }

    @Test("A role profile chained through source_profile signs with the assumed credentials; moto checks them")
    func assumeRoleChain() async throws {
        let moto = try MotoServer.require()
        let base = try #require(MotoServer.credentials)
        try await Self.makeRoles(["ingot-deployer", "ingot-readonly"])
        let home = try TempHome(credentials: """
            [base]
            aws_access_key_id = \(base.accessKeyId)
            aws_secret_access_key = \(base.secretAccessKey)
            """, config: """
            [profile deploy]
            role_arn = arn:aws:iam::123456789012:role/ingot-deployer
            source_profile = base
            role_session_name = ci-run
            [profile readonly]
            role_arn = arn:aws:iam::123456789012:role/ingot-readonly
            source_profile = deploy
            external_id = corp-1
            duration_seconds = 900
            """)
        let env = ["AWS_ENDPOINT_URL": moto.endpoint, "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"]
        let c = try AWSConfiguration.resolve(profile: "readonly", environment: env, home: home.path)
        #expect(c.credentialsSource.description.contains("assume role arn:aws:iam::123456789012:role/ingot-readonly"))
        #expect(c.credentialsSource.description.contains("readonly -> deploy"))
        let cloud = try await AWSCloud.connect(c)
        do {
            let identity = try await AWSCloud.callerIdentity(cloud.client)
            #expect(identity.arn.contains(":assumed-role/ingot-readonly/"), "\(identity.arn)")
            // A signed EC2 call with the assumed role's credentials (moto checks the signature and the token).
            _ = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller]))
            let assumed = try await c.credentialProvider.credentials()
            #expect(assumed.accessKeyId != base.accessKeyId && assumed.sessionToken != nil && assumed.expiration != nil)
            // readonly's AssumeRole ran once for every call above (deploy's, signed by base, ran once before it).
            #expect(await c.credentialProvider.fetchCount == 1)
            try await cloud.shutdown()
        } catch {
            try? await cloud.shutdown()
            throw error
        }
    }
}

extension AssumeRoleTests {
    /// "Credentials that expire during a run are refreshed once": the clock moves into the refresh
    /// window while 20 requests are made at once; STS AssumeRole is called once more, not 20 times.
    @Test("Assumed credentials about to expire are refreshed by one AssumeRole shared by concurrent requests")
    func refreshedOnce() async throws {
        let moto = try MotoServer.require()
        let base = try #require(MotoServer.credentials)
        try await Self.makeRoles(["ingot-refresher"])
        let offset = Mutex<TimeInterval>(0)
        let provider = CredentialProvider.assumingRole("arn:aws:iam::123456789012:role/ingot-refresher", source: .fixed(base),
                                                       endpoints: moto.configuration().endpoints, region: .usEast1, duration: 900,
                                                       now: { Date().addingTimeInterval(offset.withLock { $0 }) })
        let client = AWSClient(configuration: AWSConfiguration(provider: provider, region: .usEast1, endpoints: moto.configuration().endpoints), http: .shared)
        func calls(_ n: Int) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<n { group.addTask { _ = try await client.query(.ec2, region: .usEast1, QueryParameters(action: "DescribeRegions", version: "2016-11-15")) } }
                try await group.waitForAll()
            }
        }
        try await calls(20)
        #expect(await provider.fetchCount == 1)
        let first = try await provider.credentials()
        // 900 s credentials: 11 minutes later they have 4 left, inside the 5-minute window.
        offset.withLock { $0 = 11 * 60 }
        try await calls(20)
        #expect(await provider.fetchCount == 2)
        #expect(try await provider.credentials().accessKeyId != first.accessKeyId)
    }
}

@Suite("Web identity and instance metadata against moto_server", .motoServer, .enabled(if: MotoServer.isInstalled, MotoServer.skipMessage))
struct WebIdentityAndMetadataTests {
    @Test("AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN: AssumeRoleWithWebIdentity, unsigned, the token read from the file")
    func webIdentity() async throws {
        let moto = try MotoServer.require()
        let home = try TempHome()
        let token = try home.write("token", "eyJhbGciOiJSUzI1NiJ9.a-github-oidc-token\n")
        let env = ["AWS_ENDPOINT_URL": moto.endpoint, "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                   "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/github-actions", "AWS_ROLE_SESSION_NAME": "gha-42"]
        let c = try AWSConfiguration.resolve(environment: env, home: home.path)
        #expect(c.credentialsSource.description == "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)")
        let cloud = try await AWSCloud.connect(c)
        let identity = try await AWSCloud.callerIdentity(cloud.client)
        try await cloud.shutdown()
        #expect(identity.arn.contains("github-actions") && identity.arn.contains("gha-42"), "\(identity.arn)")
    }

    @Test("ingot aws whoami: the source that answered, the account and ARN, the masked key; never the secret or token")
    func whoami() async throws {
        let moto = try MotoServer.require()
        let home = try TempHome()
        let token = try home.write("token", "a-ci-oidc-token")
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path, "AWS_ENDPOINT_URL": moto.endpoint,
                   "AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true",
                   "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci-deployer"]
        let r = try await Program.run(Program.ingot, ["aws", "whoami", "--output", "json"], env: env)
        #expect(r.code == 0, "\(r.err)")
        struct Report: Decodable { let account, arn, credentialSource, accessKeyId: String; let region: String? }
        let report = try JSONDecoder().decode(Report.self, from: Data(r.out.utf8))
        #expect(report.account == "123456789012" && report.arn.contains("assumed-role/ci-deployer/"))
        #expect(report.credentialSource == "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)" && report.region == "eu-west-1")
        #expect(report.accessKeyId.hasPrefix("****") && report.accessKeyId.count == 8)
        #expect(!r.out.contains("a-ci-oidc-token") && !r.out.lowercased().contains("secret"))
        let table = try await Program.run(Program.ingot, ["aws", "whoami"], env: env)
        #expect(table.code == 0 && table.out.contains("Credentials") && table.out.contains("web identity"), "\(table.out)\(table.err)")
    }

    @Test("Instance metadata: IMDSv2 (a PUT for the token, then the role's credentials) from AWS_EC2_METADATA_SERVICE_ENDPOINT")
    func instanceMetadata() async throws {
        let moto = try MotoServer.require()
        let home = try TempHome()
        let c = try AWSConfiguration.resolve(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": moto.endpoint], home: home.path)
        #expect(c.credentialsSource.description == "instance metadata (\(moto.endpoint))")
        let creds = try await c.credentialProvider.credentials()
        #expect(creds.accessKeyId == "test-key" && creds.sessionToken == "test-session-token" && creds.expiration != nil)
    }

    @Test("Without any source and instance metadata not answering, the error says what to set after the 1-second timeout, not a minute")
    func nothingAnswers() async throws {
        // An endpoint that accepts the connection and never answers: a laptop's 169.254.169.254 black hole.
        try await LoopbackServer.with({ _, _ in .slow(.seconds(60), status: 200, body: "") }) { server in
            let home = try TempHome()
            let c = try AWSConfiguration.resolve(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.endpoint], home: home.path)
            let start = ContinuousClock.now
            let error = await #expect(throws: IngotError.self) { _ = try await c.credentialProvider.credentials() }
            // One second of timeout, and slack for a loaded machine: under the whole suite on 2 cores the
            // blocking CLI tests can hold the cooperative threads for many seconds (23 s seen once), and
            // what matters is that the chain does not wait out the server's minute.
            #expect(ContinuousClock.now - start < .seconds(40))
            #expect(error?.message.contains("no AWS credentials") == true && error?.kind == .invalidInput)
        }
    }
}
