import IngotCore
import Foundation

/// Where a setting came from, for `doctor`-style reports (never the secret itself).
public enum ConfigurationSource: Sendable, Hashable, CustomStringConvertible {
    case explicit
    case environment(String)
    case profile(name: String, file: String)
    /// A provider of the credential chain, described (an assumed role, SSO, a container ...).
    case provider(String)
    case defaultValue

    public var description: String {
        switch self {
        case .explicit: "command line"
        case .environment(let v): "environment \(v)"
        case .profile(let name, let file): "profile \(name) in \(file)"
        case .provider(let described): described
        case .defaultValue: "default"
        }
    }
}

/// Credentials, region and endpoints resolved the way the AWS CLI resolves them.
///
/// ```swift
/// let config = try AWSConfiguration.resolve(profile: nil, region: nil, endpointURL: nil)
/// let cloud = try await AWSCloud.connect(config)
/// ```
///
/// Credentials: the AWS CLI's chain (``CredentialChain``): `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/
/// `AWS_SESSION_TOKEN` unless a profile is named explicitly; the profile (`--profile`, `AWS_PROFILE`,
/// `default`) in the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, `~/.aws/credentials`) and
/// the config file (`AWS_CONFIG_FILE`, `~/.aws/config`): an assumed role, web identity, SSO, static
/// keys or `credential_process`; web identity from the environment; container credentials; instance
/// metadata. Temporary credentials are refreshed before they expire. Region from the
/// explicit value, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`. Endpoint from the
/// explicit value, `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`,
/// else AWS's public endpoint for the region.
public struct AWSConfiguration: Sendable, CustomStringConvertible {
    /// Where requests get their credentials (fixed, or fetched and refreshed).
    public var credentialProvider: CredentialProvider
    public var credentialsSource: ConfigurationSource
    /// The default region; nil when nothing names one (operations then need an explicit region).
    public var region: Region?
    public var regionSource: ConfigurationSource
    /// Endpoint overrides per service (a URL such as `http://127.0.0.1:5000`); absent: AWS's endpoint.
    public var endpoints: [AWSService: String]
    /// The profile used, if any.
    public var profile: String?

    public init(credentials: AWSCredentials, credentialsSource: ConfigurationSource = .explicit, region: Region? = nil,
                regionSource: ConfigurationSource = .explicit, endpoints: [AWSService: String] = [:], profile: String? = nil) {
        self.init(provider: .fixed(credentials, source: credentialsSource.description), credentialsSource: credentialsSource, region: region,
                  regionSource: regionSource, endpoints: endpoints, profile: profile)
    }

    public init(provider: CredentialProvider, credentialsSource: ConfigurationSource? = nil, region: Region? = nil,
                regionSource: ConfigurationSource = .explicit, endpoints: [AWSService: String] = [:], profile: String? = nil) {
        self.credentialProvider = provider
        self.credentialsSource = credentialsSource ?? .provider(provider.source)
        self.region = region
        self.regionSource = regionSource
        self.endpoints = endpoints
        self.profile = profile
    }

    /// Credentials known without a call (environment variables, a profile's keys); nil for temporary ones.
    public var credentials: AWSCredentials? {
        get { credentialProvider.fixedCredentials }
        set { if let newValue { credentialProvider = .fixed(newValue, source: credentialsSource.description) } }
    }

    /// Everything but secrets: the masked access key, sources, region and endpoints.
    public var description: String {
        let eps = endpoints.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: ", ")
        return "AWSConfiguration(profile: \(profile ?? "-"), credentials: \(credentials.map { "\($0)" } ?? "temporary") from \(credentialsSource), "
            + "region: \(region?.code ?? "-") from \(regionSource), endpoints: [\(eps)])"
    }

    /// The endpoint for `service` in `region`: the override, else `https://<service>.<region>.amazonaws.com`.
    public func endpoint(for service: AWSService, region: Region) -> String {
        if let e = endpoints[service] { return e }
        return service.defaultEndpoint(region: region)
    }

    /// Resolves the configuration from the environment and the shared files.
    ///
    /// - Parameters:
    ///   - profile: `--profile` (wins over `AWS_PROFILE` and over credentials in the environment).
    ///   - region: `--region`.
    ///   - endpointURL: `--endpoint-url` (for every service).
    ///   - environment: the process environment (injectable for tests).
    ///   - home: the home directory for `~/.aws` (injectable for tests).
    public static func resolve(
        profile explicitProfile: String? = nil, region explicitRegion: String? = nil, endpointURL: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, home: String? = nil
    ) throws -> AWSConfiguration {
        // Empty variables count as unset, as the AWS CLI treats them.
        func env(_ name: String) -> String? {
            guard let v = environment[name], !v.isEmpty else { return nil }
            return v
        }
        let homeDir = home ?? env("HOME") ?? FileManager.default.homeDirectoryForCurrentUser.path
        let credentialsFile = expand(env("AWS_SHARED_CREDENTIALS_FILE") ?? "\(homeDir)/.aws/credentials", home: homeDir)
        let configFile = expand(env("AWS_CONFIG_FILE") ?? "\(homeDir)/.aws/config", home: homeDir)
        let profileName = explicitProfile ?? env("AWS_PROFILE") ?? "default"
        let profileNamed = explicitProfile != nil || env("AWS_PROFILE") != nil

        let credentialSections = try INIFile.load(credentialsFile)
        let configSections = try INIFile.load(configFile)
        // ~/.aws/credentials: `[name]`; ~/.aws/config: `[profile name]`, `[default]`.
        let credentialEntries = credentialSections?[profileName]
        let configEntries = configSections?[profileName == "default" ? "default" : "profile \(profileName)"]
            ?? (profileName == "default" ? nil : configSections?[profileName])
        if profileNamed, credentialEntries == nil, configEntries == nil {
            throw IngotError.invalid("profile", "the profile '\(profileName)' is in neither \(credentialsFile) nor \(configFile)")
        }

        // Region.
        var region: Region?
        var regionSource = ConfigurationSource.defaultValue
        let candidates: [(String?, ConfigurationSource)] = [
            (explicitRegion, .explicit), (env("AWS_REGION"), .environment("AWS_REGION")),
            (env("AWS_DEFAULT_REGION"), .environment("AWS_DEFAULT_REGION")),
            (configEntries?["region"], .profile(name: profileName, file: configFile)),
            (credentialEntries?["region"], .profile(name: profileName, file: credentialsFile)),
        ]
        if let (code, source) = candidates.first(where: { $0.0?.isEmpty == false }), let code {
            region = try Region(code)
            regionSource = source
        }

        // Endpoints: the environment and the profile configure them; `--endpoint-url` replaces them for
        // the command's own calls only (as with the AWS CLI): the credential chain keeps the configured
        // ones, so a web identity or SSO token is never sent where only that flag points.
        var credentialEndpoints: [AWSService: String] = [:]
        for service in AWSService.allCases {
            credentialEndpoints[service] = env("AWS_ENDPOINT_URL_\(service.endpointEnvironmentSuffix)") ?? env("AWS_ENDPOINT_URL") ?? configEntries?["endpoint_url"]
        }
        var endpoints = credentialEndpoints
        if let endpointURL { for service in AWSService.allCases { endpoints[service] = endpointURL } }
        for chosen in [endpointURL].compactMap({ $0 }) + credentialEndpoints.values.sorted() where !(chosen.hasPrefix("http://") || chosen.hasPrefix("https://")) {
            throw IngotError.invalid("endpoint-url", "'\(chosen)' is not an http:// or https:// URL")
        }
        let chain = CredentialChain(environment: environment, credentialSections: credentialSections ?? [:], configSections: configSections ?? [:],
                                    credentialsFile: credentialsFile, configFile: configFile, home: homeDir, endpoints: credentialEndpoints, region: region)
        let provider = try chain.provider(profileName: profileName, explicitProfile: explicitProfile != nil)
        let credentialsSource: ConfigurationSource
        if explicitProfile == nil, provider.fixedCredentials != nil, env("AWS_ACCESS_KEY_ID") != nil {
            credentialsSource = .environment("AWS_ACCESS_KEY_ID")
        } else if provider.fixedCredentials != nil, credentialEntries?["aws_access_key_id"] != nil, credentialEntries?["role_arn"] == nil {
            credentialsSource = .profile(name: profileName, file: credentialsFile)
        } else if provider.fixedCredentials != nil, configEntries?["aws_access_key_id"] != nil, configEntries?["role_arn"] == nil {
            credentialsSource = .profile(name: profileName, file: configFile)
        } else {
            credentialsSource = .provider(provider.source)
        }
        return AWSConfiguration(provider: provider, credentialsSource: credentialsSource, region: region, regionSource: regionSource,
                                endpoints: endpoints, profile: profileNamed || credentialEntries != nil || configEntries != nil ? profileName : nil)
    }

    static func expand(_ path: String, home: String) -> String {
        path.hasPrefix("~/") ? home + path.dropFirst(1) : path
    }
}

/// The AWS services Ingot talks to, with what each needs to be called.
public enum AWSService: String, Sendable, Hashable, CaseIterable {
    case ec2
    case autoScaling = "autoscaling"
    case ssm
    case kms
    case sts
    case iam
    /// IAM Identity Center's portal (GetRoleCredentials).
    case sso
    case organizations

    /// The name in SigV4's credential scope.
    public var signingName: String { rawValue }

    /// `AWS_ENDPOINT_URL_<this>` (the service id, upper-cased, spaces as underscores).
    public var endpointEnvironmentSuffix: String {
        switch self {
        case .ec2: "EC2"
        case .autoScaling: "AUTO_SCALING"
        case .ssm: "SSM"
        case .kms: "KMS"
        case .sts: "STS"
        case .iam: "IAM"
        case .sso: "SSO"
        case .organizations: "ORGANIZATIONS"
        }
    }

    public func defaultEndpoint(region: Region) -> String {
        switch self {
        case .iam: "https://iam.amazonaws.com"
        case .sso: "https://portal.sso.\(region.code).amazonaws.com"
        case .organizations: "https://organizations.us-east-1.amazonaws.com"
        default: "https://\(rawValue).\(region.code).amazonaws.com"
        }
    }

    /// The Query protocol's API version; nil for SSM and KMS (JSON protocol).
    public var apiVersion: String? {
        switch self {
        case .ec2: "2016-11-15"
        case .autoScaling: "2011-01-01"
        case .sts: "2011-06-15"
        case .iam: "2010-05-08"
        case .ssm, .kms, .sso, .organizations: nil
        }
    }
}

/// The AWS CLI's INI dialect: `[section]`, `key = value`, `#`/`;` comments, indented lines continuing
/// a nested block (skipped: Ingot reads no nested settings).
enum INIFile {
    /// Sections by name; nil when the file does not exist.
    static func load(_ path: String) throws -> [String: [String: String]]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngotError.failed("cannot read \(path)")
        }
        return parse(String(decoding: data, as: UTF8.self))
    }

    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let isContinuation = raw.first == " " || raw.first == "\t"
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") || isContinuation { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                    .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            // An inline comment needs whitespace before it (`key = value # note`).
            if let hash = value.range(of: " #") ?? value.range(of: "\t#") { value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces) }
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
