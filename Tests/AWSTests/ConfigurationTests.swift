import Foundation
import IngotAWS
import IngotCore
import Testing

/// A temporary home with `.aws/credentials` and `.aws/config`.
struct TempHome: ~Copyable {
    let path: String

    init(credentials: String? = nil, config: String? = nil) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-aws-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/.aws", withIntermediateDirectories: true)
        if let credentials { try credentials.write(toFile: path + "/.aws/credentials", atomically: true, encoding: .utf8) }
        if let config { try config.write(toFile: path + "/.aws/config", atomically: true, encoding: .utf8) }
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("Credentials, region and endpoints resolved like the AWS CLI")
struct ConfigurationTests {
    static let credentials = """
        [default]
        aws_access_key_id = AKIADEFAULT000000001
        aws_secret_access_key = default/secret+key
        # a comment
        [prod]
        aws_access_key_id=AKIAPROD000000000002
        aws_secret_access_key=prod-secret
        aws_session_token = prod-token
        """
    static let config = """
        [default]
        region = us-west-2

        [profile prod]
        region = eu-west-1   # inline comment
        endpoint_url = http://127.0.0.1:4566
        s3 =
          addressing_style = path

        [profile sso]
        sso_session = corp
        sso_account_id = 111122223333
        sso_role_name = ReadOnly
        region = ap-southeast-2
        """

    @Test func environmentCredentialsWin() throws {
        let home = try TempHome(credentials: Self.credentials, config: Self.config)
        let c = try AWSConfiguration.resolve(environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
                                                           "AWS_SESSION_TOKEN": "env-token"], home: home.path)
        #expect(c.credentials == AWSCredentials(accessKeyId: "AKIAENV", secretAccessKey: "env-secret", sessionToken: "env-token"))
        #expect(c.credentialsSource == .environment("AWS_ACCESS_KEY_ID"))
        #expect(c.region?.code == "us-west-2", "region still comes from the default profile")
    }

    @Test func defaultProfile() throws {
        let home = try TempHome(credentials: Self.credentials, config: Self.config)
        let c = try AWSConfiguration.resolve(environment: [:], home: home.path)
        #expect(c.credentials?.accessKeyId == "AKIADEFAULT000000001")
        #expect(c.credentials?.secretAccessKey == "default/secret+key")
        #expect(c.credentials?.sessionToken == nil)
        #expect(c.region?.code == "us-west-2")
        #expect(c.regionSource == .profile(name: "default", file: home.path + "/.aws/config"))
        #expect(c.endpoints.isEmpty)
        #expect(c.endpoint(for: .ec2, region: .euWest1) == "https://ec2.eu-west-1.amazonaws.com")
        #expect(c.endpoint(for: .autoScaling, region: .usEast1) == "https://autoscaling.us-east-1.amazonaws.com")
    }

    @Test("AWS_PROFILE picks [profile x] in config and [x] in credentials")
    func namedProfileFromEnvironment() throws {
        let home = try TempHome(credentials: Self.credentials, config: Self.config)
        let c = try AWSConfiguration.resolve(environment: ["AWS_PROFILE": "prod"], home: home.path)
        #expect(c.profile == "prod")
        #expect(c.credentials?.accessKeyId == "AKIAPROD000000000002")
        #expect(c.credentials?.sessionToken == "prod-token")
        #expect(c.region?.code == "eu-west-1")
        #expect(c.endpoint(for: .ec2, region: .euWest1) == "http://127.0.0.1:4566")
    }

    @Test("--profile beats credentials in the environment")
    func explicitProfileBeatsEnvironment() throws {
        let home = try TempHome(credentials: Self.credentials, config: Self.config)
        let c = try AWSConfiguration.resolve(profile: "prod", environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "x"], home: home.path)
        #expect(c.credentials?.accessKeyId == "AKIAPROD000000000002")
    }

    @Test("region: --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile")
    func regionOrder() throws {
        let home = try TempHome(credentials: Self.credentials, config: Self.config)
        let env = ["AWS_REGION": "ap-southeast-2", "AWS_DEFAULT_REGION": "ca-central-1"]
        #expect(try AWSConfiguration.resolve(region: "us-east-2", environment: env, home: home.path).region?.code == "us-east-2")
        #expect(try AWSConfiguration.resolve(environment: env, home: home.path).region?.code == "ap-southeast-2")
        #expect(try AWSConfiguration.resolve(environment: ["AWS_DEFAULT_REGION": "ca-central-1"], home: home.path).region?.code == "ca-central-1")
        #expect(try AWSConfiguration.resolve(environment: ["AWS_REGION": ""], home: home.path).region?.code == "us-west-2", "empty counts as unset")
        #expect(throws: IngotError.self) { try AWSConfiguration.resolve(region: "moon-1", environment: [:], home: home.path) }
    }

    @Test("endpoint: --endpoint-url, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL")
    func endpointOrder() throws {
        let home = try TempHome(credentials: Self.credentials)
        let env = ["AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:1001", "AWS_ENDPOINT_URL_AUTO_SCALING": "http://127.0.0.1:1002",
                   "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:1003", "AWS_ENDPOINT_URL": "http://127.0.0.1:1000"]
        let c = try AWSConfiguration.resolve(environment: env, home: home.path)
        #expect(c.endpoints[.ec2] == "http://127.0.0.1:1001")
        #expect(c.endpoints[.autoScaling] == "http://127.0.0.1:1002")
        #expect(c.endpoints[.ssm] == "http://127.0.0.1:1003")
        #expect(c.endpoints[.sts] == "http://127.0.0.1:1000")
        let explicit = try AWSConfiguration.resolve(endpointURL: "http://127.0.0.1:2000", environment: env, home: home.path)
        #expect(Set(explicit.endpoints.values) == ["http://127.0.0.1:2000"])
        #expect(throws: IngotError.self) { try AWSConfiguration.resolve(endpointURL: "127.0.0.1:5000", environment: [:], home: home.path) }
    }

    @Test("AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE replace ~/.aws")
    func filesFromEnvironment() throws {
        let home = try TempHome(credentials: Self.credentials, config: Self.config)
        let creds = try home.write("other-credentials", "[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = ci-secret\n")
        let config = try home.write("other-config", "[profile ci]\nregion = sa-east-1\n")
        let c = try AWSConfiguration.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": config, "AWS_PROFILE": "ci"],
                                             home: home.path)
        #expect(c.credentials?.accessKeyId == "AKIACI")
        #expect(c.region?.code == "sa-east-1")
        #expect(c.credentialsSource == .profile(name: "ci", file: creds))
    }

    @Test("credentials may sit in the config file's profile section")
    func credentialsInConfig() throws {
        let home = try TempHome(config: "[profile dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = dev-secret\nregion = eu-west-2\n")
        let c = try AWSConfiguration.resolve(profile: "dev", environment: [:], home: home.path)
        #expect(c.credentials?.accessKeyId == "AKIADEV")
        #expect(c.region?.code == "eu-west-2")
    }

    @Test("clear errors: unknown profile, no credentials, half-set environment, SSO profiles")
    func errors() throws {
        let home = try TempHome(credentials: Self.credentials, config: Self.config)
        let unknown = #expect(throws: IngotError.self) { try AWSConfiguration.resolve(profile: "nope", environment: [:], home: home.path) }
        #expect(unknown?.message.contains("the profile 'nope' is in neither") == true)
        let half = #expect(throws: IngotError.self) { try AWSConfiguration.resolve(environment: ["AWS_ACCESS_KEY_ID": "AKIA"], home: home.path) }
        #expect(half?.message.contains("AWS_SECRET_ACCESS_KEY is not") == true)
        let sso = #expect(throws: IngotError.self) { try AWSConfiguration.resolve(profile: "sso", environment: [:], home: home.path) }
        #expect(sso?.message.contains("no [sso-session corp] section") == true)
        let empty = try TempHome()
        let none = #expect(throws: IngotError.self) { try AWSConfiguration.resolve(environment: ["AWS_EC2_METADATA_DISABLED": "true"], home: empty.path) }
        #expect(none?.message.contains("no AWS credentials") == true)
    }

    @Test("the configuration's description names sources but never the secret or token")
    func descriptionRedacted() throws {
        let home = try TempHome(credentials: Self.credentials, config: Self.config)
        let c = try AWSConfiguration.resolve(profile: "prod", environment: [:], home: home.path)
        var dumped = ""
        dump(c, to: &dumped)
        for text in [c.description, "\(c)", String(reflecting: c), dumped] {
            #expect(!text.contains("prod-secret"))
            #expect(!text.contains("prod-token"))
        }
        #expect(c.description.contains("profile prod"))
        #expect(c.description.contains("****0002"))
    }
}
