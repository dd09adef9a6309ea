import ArgumentParser
import Foundation
import IngotCore
import IngotExternalStrategy
import IngotRollout

/// StartInstanceRefresh's preferences, as the AWS CLI spells them.
struct RefreshOptions: ParsableArguments {
    /// Where `ingot-strategy-<name>` executables are looked for: this process's PATH.
    static var searchPath: String { ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin" }

    @Option(name: .customLong("strategy"), help: "Rolling (default), ReplaceRootVolume, Canary, BlueGreen, RollingBlueGreen, AllAtOnce, or NAME for an ingot-strategy-NAME on PATH (case-insensitive).",
            completion: .list(StrategyRegistry.linked.strategies.map { $0.name }))
    var strategy = "Rolling"
    @Option(name: .customLong("param"), help: "A strategy parameter KEY=VALUE; repeatable (see `ingot strategies list`).")
    var params: [String] = []
    @Option(name: .customLong("min-healthy-percentage"), parsing: .unconditional, help: "0-100 (default 90).") var minHealthy: Int?
    @Option(name: .customLong("max-healthy-percentage"), parsing: .unconditional,
            help: "100-200, with --min-healthy-percentage. Omitted: an instance is terminated and its replacement launched together; given: new instances launch first, at least one above desired when the bounds leave no other room.")
    var maxHealthy: Int?
    @Option(name: .customLong("instance-warmup"), help: "Duration, e.g. 300s or 5m (default the group's warmup, else its grace period).") var warmup: String?
    @Option(name: .customLong("checkpoint-percentages"), help: "Ascending percentages, e.g. 20,50,100.") var checkpoints: String?
    @Option(name: .customLong("checkpoint-delay"), help: "Duration (default 1h).") var checkpointDelay: String?
    @Option(name: .customLong("bake-time"), help: "Duration to bake after the last replacement (status Baking).") var bakeTime: String?
    @Flag(name: .customLong("skip-matching"), help: "Leave instances already on the desired configuration.") var skipMatching = false
    @Flag(name: .customLong("auto-rollback"), help: "Roll back to the saved configuration on failure or alarm.") var autoRollback = false
    @Option(name: .customLong("scale-in-protected-instances"), help: "Refresh, Ignore or Wait (default).") var protectedPolicy: String?
    @Option(name: .customLong("standby-instances"), help: "Terminate, Ignore or Wait (default).") var standbyPolicy: String?

    func preferences() throws -> RefreshPreferences {
        var p = RefreshPreferences()
        if let v = minHealthy { p.minHealthyPercentage = v }
        // RefreshPreferences: "If you specify MaxHealthyPercentage, you must also specify MinHealthyPercentage".
        if maxHealthy != nil && minHealthy == nil {
            throw IngotError.invalid("max-healthy-percentage", "needs --min-healthy-percentage as well (AWS: if you specify MaxHealthyPercentage, you must also specify MinHealthyPercentage)", code: "ValidationError")
        }
        p.maxHealthyPercentage = maxHealthy
        p.instanceWarmup = try warmup.map { Int(try seconds($0, field: "instance-warmup")) }
        if let c = checkpoints {
            p.checkpointPercentages = try c.split(separator: ",", omittingEmptySubsequences: false).map {
                guard let n = Int($0.trimmingCharacters(in: .whitespaces)) else {
                    throw IngotError.invalid("checkpoint-percentages", "'\(c)' is not a list of percentages like 20,50,100")
                }
                return n
            }
        }
        p.checkpointDelay = try checkpointDelay.map { Int(try seconds($0, field: "checkpoint-delay")) }
        p.bakeTime = try bakeTime.map { Int(try seconds($0, field: "bake-time")) } ?? 0
        p.skipMatching = skipMatching
        p.autoRollback = autoRollback
        if let v = protectedPolicy { p.scaleInProtectedInstances = try HeldInstancePolicy(parsing: v, field: "scale-in-protected-instances", standby: false) }
        if let v = standbyPolicy { p.standbyInstances = try HeldInstancePolicy(parsing: v, field: "standby-instances", standby: true) }
        try p.validate()
        return p
    }

    func strategyParameters() throws -> [String: String] {
        var result: [String: String] = [:]
        for p in params {
            let parts = p.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw IngotError.invalid("param", "'\(p)' is not KEY=VALUE") }
            result[parts[0]] = parts[1]
        }
        return result
    }

    /// Preferences and strategy, validated with the run options before anything runs.
    func prepare(_ run: RunOptions) throws -> (RefreshPreferences, any RolloutDecider) {
        let preferences = try preferences()
        let strategy = try makeStrategy()
        try refuseIgnored(preferences, by: strategy)
        try run.validate()
        return (preferences, strategy)
    }

    /// A preference given on the command line that the strategy replaces would be silently ignored:
    /// refused instead, naming the strategy and what it runs with.
    func refuseIgnored(_ preferences: RefreshPreferences, by strategy: any RolloutDecider) throws {
        let adjusted = strategy.adjusted(preferences)
        let name = strategy.instanceName
        if let v = minHealthy, adjusted.minHealthyPercentage != v {
            throw IngotError.invalid("min-healthy-percentage", "\(v) does not apply to \(name), which runs with MinHealthyPercentage \(adjusted.minHealthyPercentage)")
        }
        if let v = maxHealthy, adjusted.maxHealthyPercentage != v {
            let runs = adjusted.maxHealthyPercentage.map { "runs with MaxHealthyPercentage \($0)" } ?? "never runs more instances than desired (no MaxHealthyPercentage)"
            throw IngotError.invalid("max-healthy-percentage", "\(v) does not apply to \(name), which \(runs)")
        }
        if let c = checkpoints, adjusted.checkpointPercentages != preferences.checkpointPercentages {
            throw IngotError.invalid("checkpoint-percentages", "\(c) does not apply to \(name), which has no checkpoints (its own steps take their place)")
        }
    }

    /// Builds the strategy (refusing unknown names and parameters) once, to validate before anything runs.
    func makeStrategy() throws -> any RolloutDecider {
        try StrategyRegistry.linked.make(strategy, parameters: try strategyParameters(), searchPath: Self.searchPath,
                                         timeout: ProcessInfo.processInfo.environment["INGOT_STRATEGY_TIMEOUT"].flatMap(Double.init) ?? 5)
    }
}

/// The faults of the simulated world. Times are durations from the start of the refresh.
struct WorldOptions: ParsableArguments {
    @Option(name: .customLong("launch-failure-rate"), help: "Share of launches that fail, 0-1.") var launchFailureRate = 0.0
    @Option(name: .customLong("unhealthy-rate"), help: "Share of new instances failing health checks, 0-1 (1: a bad AMI).") var unhealthyRate = 0.0
    @Option(name: .customLong("boot"), help: "Boot time: baked (golden AMI, median 45s), user-data (bootstrap, median 4m) or a fixed duration.") var boot = "baked"
    @Option(name: .customLong("insufficient-capacity"), help: "ZONE@TIME: InsufficientInstanceCapacity in a zone (name or index) from a time, e.g. us-east-1a@10m.") var ice: String?
    @Option(name: .customLong("az-outage"), help: "ZONE@TIME: a zone lost at a time.") var outage: String?
    @Option(name: .customLong("alarm-at"), help: "An alarm goes into ALARM at this time.") var alarmAt: String?
    @Option(name: .customLong("alarm-unhealthy-fraction"), help: "An alarm on the share of new instances that turned unhealthy, 0-1.") var alarmFraction: Double?
    @Option(name: .customLong("scale"), help: "TIME=DESIRED: desired capacity changes during the refresh; repeatable, e.g. 15m=30.") var scale: [String] = []
    @Option(name: .customLong("cancel-at"), help: "CancelInstanceRefresh at this time.") var cancelAt: String?
    @Option(name: .customLong("launch-rate"), help: "RunInstances refill, instances per second (default 2, EC2's).") var launchRate = 2.0
    @Option(name: .customLong("launch-burst"), help: "RunInstances bucket size (default 1000, EC2's).") var launchBurst = 1000.0

    func world(zones: [String]) throws -> World {
        var w = World()
        w.launchFailureRate = launchFailureRate
        w.unhealthyRate = unhealthyRate
        w.boot = try BootProfile(parsing: boot, field: "boot")
        if let ice { (w.iceZone, w.iceAt) = try zoneAt(ice, zones: zones, field: "insufficient-capacity") }
        if let outage { (w.outageZone, w.outageAt) = try zoneAt(outage, zones: zones, field: "az-outage") }
        w.alarmAt = try alarmAt.map { try seconds($0, field: "alarm-at") }
        w.alarmUnhealthyFraction = alarmFraction
        w.capacityChanges = try scale.map { item in
            let parts = item.split(separator: "=").map(String.init)
            guard parts.count == 2, let desired = Int(parts[1]) else { throw IngotError.invalid("scale", "'\(item)' is not TIME=DESIRED like 15m=30") }
            return World.CapacityChange(at: try seconds(parts[0], field: "scale"), desired: desired)
        }
        w.cancelAt = try cancelAt.map { try seconds($0, field: "cancel-at") }
        w.launchRatePerSecond = launchRate
        w.launchBurst = launchBurst
        try w.validate(zones: zones.count)
        return w
    }

    private func zoneAt(_ text: String, zones: [String], field: String) throws -> (Int, Double) {
        let parts = text.split(separator: "@").map(String.init)
        let zone = parts.first ?? ""
        guard let index = zones.firstIndex(of: zone) ?? Int(zone).flatMap({ zones.indices.contains($0) ? $0 : nil }) else {
            throw IngotError.invalid(field, "'\(zone)' is not one of the group's zones (\(zones.joined(separator: ", ")) or 0-\(zones.count - 1))")
        }
        return (index, parts.count > 1 ? try seconds(parts[1], field: field) : 0)
    }
}

/// A duration option: 300, 300s, 5m, 1h30m.
func seconds(_ text: String, field: String) throws -> Double {
    guard let v = Duration.seconds(parsing: text), v >= 0 else { throw IngotError.invalid(field, "'\(text)' is not a duration like 300s, 5m or 1h") }
    return v
}

/// Where the simulation writes its timeline and chart, and how many runs.
struct RunOptions: ParsableArguments {
    /// Monte Carlo runs: at most this many (simulate and the DR drill alike).
    static let maxRuns = 100_000
    @Option(help: "Seed of the random world (same seed, same timeline).") var seed: UInt64 = 1
    @Option(help: "Monte Carlo: this many runs with seeds derived from --seed, over all cores.") var runs = 1
    @Option(name: .customLong("timeline"), help: "Write every event with its virtual time to FILE.json.") var timeline: String?
    @Option(name: .customLong("svg"), help: "Draw the rollout to FILE.svg.") var svg: String?

    /// The one wording for asking a single-run output of a Monte Carlo run (simulate rollout and dr drill).
    static func oneRunOnly(_ flag: String) -> String { "\(flag) draws a single run; drop --runs to use it" }

    func validate() throws {
        guard (1...Self.maxRuns).contains(runs) else { throw IngotError.invalid("runs", "\(runs) must be between 1 and \(Self.maxRuns)") }
        if runs > 1, let flag = timeline != nil ? "--timeline" : (svg != nil ? "--svg" : nil) { throw IngotError.invalid("runs", RunOptions.oneRunOnly(flag)) }
        for (field, path) in [("timeline", timeline), ("svg", svg)] {
            guard let path else { continue }
            let dir = (path as NSString).deletingLastPathComponent
            guard dir.isEmpty || FileManager.default.fileExists(atPath: dir) else { throw IngotError.invalid(field, "directory '\(dir)' does not exist") }
        }
    }
}
