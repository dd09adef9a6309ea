import ArgumentParser
import Foundation
import Synchronization
import IngotCore
import IngotLocal
import Logging

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// markdown: a runbook from `dr plan`; other commands print their table.
    case table, json, yaml, markdown
}

/// Options every subcommand takes, each with its environment variable.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The local store (env INGOT_STORE; default .ingot/ingot.sqlite).")
    var store: String?

    @Option(name: .customLong("caller-account"), help: "Whose view of the cloud to take (env INGOT_ACCOUNT; default the store's own account).")
    var callerAccount: String?

    @Option(help: "Fix \"now\" to this ISO-8601 time (env INGOT_NOW; default the wall clock).")
    var at: String?

    @Option(help: "Output format: table, json or yaml (markdown: a runbook from `dr plan`).")
    var output: OutputFormat = .table

    @Flag(help: "Log what the store does to stderr (env INGOT_LOG_LEVEL=trace|debug|info|notice|warning|error).")
    var debug = false

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

    /// The local cloud over an existing store, as the chosen caller at the chosen instant.
    /// Inputs are validated before the store is opened.
    func cloud() throws -> LocalCloud {
        bootstrapLogging()
        let clock = try clock()
        let caller = try caller()
        return LocalCloud(store: try Store(path: storePath), caller: caller, clock: clock)
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
    @Option(help: "The region (default AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).")
    var region: String?

    func resolve() throws -> Region { try Region(region ?? Self.defaultCode) }

    static var defaultCode: String {
        GlobalOptions.env("AWS_REGION") ?? GlobalOptions.env("AWS_DEFAULT_REGION") ?? "us-east-1"
    }
}

/// `--region` repeatable, for commands that span regions.
struct RegionsOption: ParsableArguments {
    @Option(name: .customLong("region"), help: "A region; repeat for several (default AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).")
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
