import ArgumentParser
import Foundation
import Synchronization
import IngotAWS
import IngotCore
import IngotLocal
import Logging

/// Where commands act: the embedded store, or AWS (or an endpoint speaking its APIs).
enum CloudKind: String, ExpressibleByArgument, CaseIterable {
    case local, aws
}

/// What the cloud-generic commands work with: every API Ingot uses, local or AWS.
typealias IngotCloud = LaunchTemplateCloud & ParameterCloud & AutoScalingCloud & InstanceRefreshCloud & KeyCloud

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// markdown: a runbook, from `dr plan` only (other commands refuse it).
    case table, json, yaml, markdown

    /// What help and completions offer: markdown is `dr plan`'s alone and its help says so.
    static var allValueStrings: [String] { ["table", "json", "yaml"] }
}

/// Options every subcommand takes, each with its environment variable.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The local store (env INGOT_STORE; default .ingot/ingot.sqlite).")
    var store: String?

    @Option(name: .customLong("caller-account"), help: "Whose view of the cloud to take (env INGOT_ACCOUNT; default the store's own account).")
    var callerAccount: String?

    @Option(help: "Fix \"now\" to this ISO-8601 time (env INGOT_NOW; default the wall clock).")
    var at: String?

    @Option(help: "Output format: table, json or yaml (`dr plan` also writes markdown, a runbook).")
    var output: OutputFormat = .table

    @Flag(help: "Log what the store does to stderr (env INGOT_LOG_LEVEL=trace|debug|info|notice|warning|error).")
    var debug = false

    @Option(name: .customLong("cloud"), help: "local (the store, default) or aws (env INGOT_CLOUD).")
    var cloudOption: CloudKind?

    @Option(name: .customLong("endpoint-url"), help: "With --cloud aws: the endpoint (env AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2, ...), e.g. a moto_server.")
    var endpointURL: String?

    @Option(help: "With --cloud aws: the profile of ~/.aws/credentials and ~/.aws/config (env AWS_PROFILE).")
    var profile: String?

    static let environment = ProcessInfo.processInfo.environment

    var storePath: String { store ?? Self.env("INGOT_STORE") ?? ".ingot/ingot.sqlite" }

    /// An environment variable, empty counting as unset (as the AWS CLI treats them).
    static func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }

    func clock() throws -> VirtualClock {
        if let at { return try VirtualClock.parse(at, field: "at") }
        if let env = Self.env("INGOT_NOW") { return try VirtualClock.parse(env, field: "INGOT_NOW") }
        return .wall
    }

    func caller() throws -> AccountID? {
        if let callerAccount { return try AccountID(callerAccount, field: "caller-account") }
        if let env = Self.env("INGOT_ACCOUNT") { return try AccountID(env, field: "INGOT_ACCOUNT") }
        return nil
    }

    var cloudKind: CloudKind {
        get throws {
            if let cloudOption { return cloudOption }
            guard let env = Self.env("INGOT_CLOUD") else { return .local }
            guard let kind = CloudKind(rawValue: env.lowercased()) else { throw IngotError.invalid("INGOT_CLOUD", "'\(env)' is not local or aws") }
            return kind
        }
    }

    /// The local cloud over an existing store, as the chosen caller at the chosen instant, with due
    /// work (pipeline builds, schedules, base image releases) brought up to that instant first. For the
    /// commands that work on the store only: refused with `--cloud aws`.
    func cloud() async throws -> LocalCloud {
        guard try cloudKind == .local else {
            throw IngotError.invalid("cloud", "this command works on the local store only; drop --cloud aws (or INGOT_CLOUD=aws)")
        }
        bootstrapLogging()
        let clock = try clock()
        let caller = try caller()
        let cloud = LocalCloud(store: try Store(path: storePath), caller: caller, clock: clock)
        try await cloud.catchUp()
        return cloud
    }

    /// Runs `body` on the chosen cloud with its "now": the store (at --at, as --caller-account), or AWS
    /// with the AWS CLI's credentials and configuration (its connections are closed afterwards).
    func withCloud<T>(_ body: (any IngotCloud, Date) async throws -> T) async throws -> T {
        switch try cloudKind {
        case .local:
            let local = try await cloud()
            return try await body(local, local.clock.now)
        case .aws:
            for (field, given) in [("caller-account", callerAccount), ("at", at)] where given != nil {
                throw IngotError.invalid(field, "does not apply to --cloud aws: AWS acts as the credentials' account, now")
            }
            return try await withAWS { try await body($0, Date()) }
        }
    }

    /// Runs `body` on AWS with the AWS CLI's credentials and configuration (whatever --cloud says:
    /// `import --from-aws` reads AWS into the store); the connections are closed afterwards.
    func withAWS<T>(_ body: (AWSCloud) async throws -> T) async throws -> T {
        bootstrapLogging()
        let configuration = try AWSConfiguration.resolve(profile: profile, endpointURL: endpointURL)
        var logger = Logger(label: "ingot.aws")
        logger.logLevel = debug ? .debug : (Self.environment["INGOT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning)
        let aws = try await AWSCloud.connect(configuration, logger: logger)
        do {
            let result = try await body(aws)
            try await aws.shutdown()
            return result
        } catch {
            try? await aws.shutdown()
            throw error
        }
    }

    /// A document (json or yaml) rather than a table.
    var structured: Bool { output == .json || output == .yaml }

    /// Sends swift-log's messages to stderr at the chosen level (default warning). Once per process.
    func bootstrapLogging() {
        let level = debug ? .debug : (Self.environment["INGOT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning)
        LoggingBootstrap.once(level)
    }
}

/// `--region`, defaulting like the AWS CLI: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1.
struct RegionOption: ParsableArguments {
    @Option(help: "The region (default AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).", completion: .list(Region.all))
    var region: String?

    func resolve() throws -> Region { try Region(region ?? Self.defaultCode) }

    static var defaultCode: String {
        GlobalOptions.env("AWS_REGION") ?? GlobalOptions.env("AWS_DEFAULT_REGION") ?? "us-east-1"
    }
}

/// `--region` repeatable, for commands that span regions.
struct RegionsOption: ParsableArguments {
    @Option(name: .customLong("region"), help: "A region; repeat for several (default AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).", completion: .list(Region.all))
    var regions: [String] = []

    func resolve() throws -> [Region] {
        if regions.isEmpty { return [try Region(RegionOption.defaultCode)] }
        var seen = Set<Region>()
        let list = try regions.flatMap { $0.split(separator: ",").map(String.init) }.map { try Region($0) }.filter { seen.insert($0).inserted }
        guard !list.isEmpty else { throw IngotError.invalid("region", "no region given; e.g. --region us-east-1") }
        return list
    }
}

func parseTags(_ values: [String]) throws -> [Tag] {
    try values.map { try Tag(parsing: $0, field: "tag") }
}

func parseTime(_ text: String, field: String) throws -> Date {
    guard let d = Timestamp.parse(text) else {
        throw IngotError.invalid(field, "'\(text)' is not an ISO-8601 time (e.g. 2027-01-01T00:00:00Z)")
    }
    return d
}

/// An ISO-8601 time, or one relative to `now`: `+30m`, `+12h`, `+7d`, `+2w`, `+365d`.
func parseTime(_ text: String, field: String, relativeTo now: Date) throws -> Date {
    guard text.hasPrefix("+") else { return try parseTime(text, field: field) }
    guard let seconds = Timestamp.span(text.dropFirst(), units: "smhdw"), seconds >= 0, seconds <= 36_500 * 86_400 else {
        throw IngotError.invalid(field, "'\(text)' is neither an ISO-8601 time nor +N followed by s, m, h, d or w (e.g. +365d)")
    }
    return now.addingTimeInterval(seconds)
}

enum LoggingBootstrap {
    private static let done = Mutex(false)

    static func once(_ level: Logger.Level) {
        done.withLock { bootstrapped in
            guard !bootstrapped else { return }
            bootstrapped = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// The Auto Scaling group a command acts on: positional, as every other noun's resource is
/// (`ingot groups refresh web-asg`), or `--group NAME`, the earlier spelling kept for scripts.
struct GroupArgument: ParsableArguments {
    @Argument(help: "The Auto Scaling group.") var group: String?
    @Option(name: .customLong("group"), help: "The same group, as an option.") var option: String?

    /// The group (validated: exactly one name given).
    var name: String { group ?? option ?? "" }

    func validate() throws {
        switch (group, option) {
        case (nil, nil): throw IngotError.invalid("group", "give the group's name, e.g. `web-asg` (or --group web-asg)")
        case (let a?, let b?) where a != b: throw IngotError.invalid("group", "'\(a)' and --group '\(b)' name different groups: give one")
        default: break
        }
    }
}
