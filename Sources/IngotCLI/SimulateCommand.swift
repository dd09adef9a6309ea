import ArgumentParser
import Foundation
import IngotCore
import IngotExternalStrategy
import IngotLocal
import IngotRollout

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Simulate in virtual time; nothing in the store changes.",
        subcommands: [SimulateRollout.self])
}

struct SimulateRollout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Simulate an Auto Scaling instance refresh of a group (or of a fleet of a given size) with a strategy and faults.",
        discussion: """
            Deterministic for a seed. Exit 3 when the refresh fails, rolls back or is cancelled. Durations: 300, 300s, 5m, 1h30m. Times of faults count from the start of the refresh.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "A group of the local store to refresh (with --region).") var group: String?
    @OptionGroup var region: RegionOption
    @Option(name: .customLong("fleet-size"), help: "Instead of a group: this many in-service instances.") var fleetSize: Int?
    @Option(help: "Zones of the fleet (with --fleet-size).") var zones = 3
    @Option(name: .customLong("health-check-grace-period"), help: "Seconds (with --fleet-size; default 300, the console's default for new groups; the API's is 0).") var grace = 300
    @Option(name: .customLong("default-instance-warmup"), help: "Seconds (with --fleet-size).") var defaultWarmup: Int?
    @Option(help: "Instances already on the new configuration (with --fleet-size).") var matching = 0
    @Option(help: "Scale-in protected instances (with --fleet-size).") var protected = 0
    @Option(help: "Instances in Standby (with --fleet-size).") var standby = 0
    @Option(name: .customLong("desired-version"), help: "With --group: the launch template version to move to (default the group's own).", transform: { try TemplateVersion($0, field: "desired-version") }) var desiredVersion: TemplateVersion?
    @OptionGroup var refresh: RefreshOptions
    @OptionGroup var faults: WorldOptions
    @OptionGroup var run: RunOptions

    func run() async throws {
        let (preferences, strategy) = try refresh.prepare(run)
        let spec: FleetSpec
        switch (group, fleetSize) {
        case (nil, let size?):
            guard (0...1_000_000).contains(size) else { throw IngotError.invalid("fleet-size", "\(size) must be between 0 and 1000000") }
            guard (1...6).contains(zones) else { throw IngotError.invalid("zones", "\(zones) must be between 1 and 6") }
            for (field, v) in [("matching", matching), ("protected", protected), ("standby", standby)] where !(0...size).contains(v) {
                throw IngotError.invalid(field, "\(v) must be between 0 and the fleet size \(size)")
            }
            spec = .uniform(size: size, zones: zones, region: try region.resolve(), healthCheckGracePeriod: grace, defaultInstanceWarmup: defaultWarmup,
                            matching: matching, protected: protected, standby: standby)
        case (let name?, nil):
            // The group as it is, on the store or on AWS (reading it is all the simulation asks of the cloud).
            let region = try region.resolve()
            let fleet = try await global.withCloud { cloud, _ in try await GroupFleet.load(cloud: cloud, region: region, group: name, desiredVersion: desiredVersion) }
            try fleet.check(strategy: strategy, desiredVersion: desiredVersion)
            spec = fleet.spec
            // Rolling a group onto what it already runs replaces every instance for nothing: only when asked.
            if desiredVersion == nil, !spec.instances.isEmpty, spec.instances.allSatisfy(\.matching) {
                throw IngotError.invalid("desired-version", "\(name) already runs \(spec.newVersion) on every instance: give --desired-version with that version to replace them anyway, or another version to roll onto")
            }
        default:
            throw IngotError.invalid("group", "give either --group NAME (with --region) or --fleet-size N")
        }
        let world = try faults.world(zones: spec.zones)
        if let note = strategy.adjusted(preferences).replacementOrderNote { Output.note(note) }
        // Validate the whole configuration once (the strategy may adjust preferences) before running.
        _ = try RolloutSimulation(spec: spec, preferences: preferences, world: world, strategy: strategy, seed: run.seed)
        if run.runs > 1 {
            let factory = refresh
            let summary = try await MonteCarlo.rollouts(runs: run.runs, seed: run.seed) { seed in
                var sim = try RolloutSimulation(spec: spec, preferences: preferences, world: world, strategy: try factory.makeStrategy(), seed: seed)
                return sim.run()
            }
            try RolloutReport.print(summary, global: global)
            if summary.problemRuns > 0 { throw CommandFailure(code: 3) }
            return
        }
        var sim = try RolloutSimulation(spec: spec, preferences: preferences, world: world, strategy: strategy, seed: run.seed,
                                        record: run.timeline != nil || run.svg != nil)
        let result = sim.run()
        try RolloutReport.write(result, spec: spec, options: run)
        try RolloutReport.print(result, global: global)
        if result.status.isProblem { throw CommandFailure(code: 3) }
    }
}

enum RolloutReport {
    struct Summary: Encodable {
        let strategy, status: String
        let statusReason: String?
        let seed: UInt64
        let durationSeconds: Double
        let minInService, maxInService, desiredCapacity: Int
        let minInServicePercent, maxInServicePercent: Int
        let healthyFloor: Int
        /// Instants when in service was under the floor with no reported fault to explain it (a strategy that does not keep it).
        let unexplainedFloorBreaches: Int
        let previousVersion, newVersion: String
        let launched, terminated, replaced, rolledBack, failedLaunches, unhealthyReplaced: Int
        let checkpointsReached: [Int]
        let rollbackReason: String?
        let percentageComplete: Int
        /// Events the engine processed (launches, health checks, wake-ups, faults), not the timeline's length.
        let events: Int
        let instanceWarmupSeconds: Double
        let healthCheckGracePeriodSeconds: Int
    }

    static func summary(_ r: RolloutResult) -> Summary {
        let desired = max(1, r.desiredCapacity)
        return Summary(
            strategy: r.strategy, status: r.status.rawValue, statusReason: r.failureReason, seed: r.seed, durationSeconds: (r.durationSeconds * 1000).rounded() / 1000,
            minInService: r.minInService, maxInService: r.maxInService, desiredCapacity: r.desiredCapacity,
            minInServicePercent: r.minInService * 100 / desired, maxInServicePercent: r.maxInService * 100 / desired, healthyFloor: r.healthyFloor,
            unexplainedFloorBreaches: r.unexplainedFloorBreaches, previousVersion: r.previousVersion, newVersion: r.newVersion,
            launched: r.launched, terminated: r.terminated, replaced: r.replaced, rolledBack: r.rolledBack, failedLaunches: r.failedLaunches, unhealthyReplaced: r.unhealthyReplaced,
            checkpointsReached: r.checkpointsReached, rollbackReason: r.rollbackReason, percentageComplete: r.percentageComplete, events: r.events,
            instanceWarmupSeconds: r.warmupSeconds, healthCheckGracePeriodSeconds: r.healthCheckGracePeriod)
    }

    static func print(_ r: RolloutResult, global: GlobalOptions) throws {
        let s = summary(r)
        if global.structured { try Output.document(global.output, s); return }
        var floor = "floor \(s.healthyFloor)"
        if s.minInService < s.healthyFloor {
            floor += s.unexplainedFloorBreaches > 0 ? ", gone under by the strategy (it does not keep MinHealthyPercentage)" : ", gone under only through the faults reported"
        }
        var fields = [
            ("Strategy", "\(s.strategy) (seed \(s.seed))"),
            ("Status", s.status + (s.statusReason.map { ": \($0)" } ?? "")),
            ("Duration", formatDuration(s.durationSeconds)),
            ("In service", "\(s.minInService)-\(s.maxInService) of \(s.desiredCapacity) desired (\(s.minInServicePercent)%-\(s.maxInServicePercent)%), \(floor) (healthy, warmed-up instances)"),
            ("Readiness", "warm-up \(formatDuration(s.instanceWarmupSeconds)), health check grace period \(formatDuration(Double(s.healthCheckGracePeriodSeconds))): ready after both"),
            ("Instances", "launched \(s.launched), terminated \(s.terminated), replaced \(s.replaced)\(s.rolledBack > 0 || s.status.hasPrefix("Rollback") ? ", rolled back \(s.rolledBack)" : ""), failed launches \(s.failedLaunches), unhealthy \(s.unhealthyReplaced)"),
            ("Checkpoints", s.checkpointsReached.isEmpty ? "-" : s.checkpointsReached.map { "\($0)%" }.joined(separator: ", ")),
            ("Rollback", s.rollbackReason ?? "-"),
            ("Complete", "\(s.percentageComplete)%"),
            ("Events", "\(s.events) processed by the engine"),
        ]
        if s.previousVersion != "previous" || s.newVersion != "new" { fields.insert(("Versions", "\(s.previousVersion) -> \(s.newVersion)"), at: 1) }
        Output.fields(fields)
    }

    static func print(_ m: MonteCarloSummary, global: GlobalOptions) throws {
        if global.structured { try Output.document(global.output, m); return }
        func pct(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
        Output.table(["METRIC", "P50", "P95", "P99"], [
            ["Duration", formatDuration(m.durationSeconds.p50), formatDuration(m.durationSeconds.p95), formatDuration(m.durationSeconds.p99)],
            ["Lowest in service (of \(m.desiredCapacity))", String(Int(m.minInService.p50)), String(Int(m.minInService.p95)), String(Int(m.minInService.p99))],
        ])
        Output.line("\(m.runs) runs of \(m.strategy) from seed \(m.seed): failed \(pct(m.failedShare)), rolled back \(pct(m.rolledBackShare)); "
            + m.statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        if m.problemRuns > 0 {
            Output.line("\(m.problemRuns) of \(m.runs) runs did not succeed (exit 3):")
            for r in m.reasons { Output.line("  \(r.runs) \(r.status): \(r.reason)") }
        }
    }

    static func formatDuration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m"
    }

    /// The timeline file and the chart, when asked for.
    static func write(_ r: RolloutResult, spec: FleetSpec, options: RunOptions) throws {
        if let path = options.timeline { try r.writeTimeline(zones: spec.zones, to: path) }
        if let path = options.svg {
            let svg = RolloutChart.svg(samples: r.samples, markers: RolloutChart.markers(for: r), title: "\(r.strategy) instance refresh: \(r.status.rawValue)",
                                       subtitle: "\(r.desiredCapacity) desired, \(formatDuration(r.durationSeconds)), seed \(r.seed)",
                                       previousLabel: r.previousVersion, newLabel: r.newVersion)
            try Data(svg.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}

struct Strategies: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "strategies", abstract: "Rollout strategies.", subcommands: [StrategiesList.self])
}

struct StrategiesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The strategies built in (one per Sources/Strategies folder) and ingot-strategy-* on PATH.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        struct Entry: Encodable { let name, summary, kind: String; let parameters: [StrategyParameter] }
        var entries = StrategyRegistry.linked.strategies.map { Entry(name: $0.name, summary: $0.summary, kind: "built-in", parameters: $0.parameters) }
        for (name, path) in ExternalStrategy.installed(searchPath: RefreshOptions.searchPath) {
            entries.append(Entry(name: name, summary: "\(path) (JSON lines on stdin/stdout)", kind: "external", parameters: []))
        }
        if global.structured {
            struct List: Encodable { let strategies: [Entry] }
            try Output.document(global.output, List(strategies: entries))
            return
        }
        Output.table(["STRATEGY", "KIND", "PARAMETERS", "SUMMARY"], entries.map { e in
            [e.name, e.kind, e.parameters.isEmpty ? "-" : e.parameters.map { "\($0.name)=\($0.defaultValue)" }.joined(separator: " "), e.summary]
        })
    }
}
