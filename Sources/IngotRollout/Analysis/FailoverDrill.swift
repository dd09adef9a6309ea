import IngotCore

/// A failover in virtual time: the source region is lost at 0, the DR group scales from its standby
/// to full capacity, instances boot from the copied AMI under the launch rate limit and faults.
public enum FailoverDrill {
    public struct Result: Sendable {
        public var secondsToHalfCapacity: Double?
        public var secondsToNinetyPercent: Double?
        public var secondsToFullCapacity: Double?
        public var status: RefreshStatus
        public var launched: Int
        public var failedLaunches: Int
        public var samples: [FleetSample]
        public var simulation: RolloutResult
    }

    /// What a DR plan says the failover starts from: the groups' full and standby capacity, the longest
    /// grace period and warm-up among them, the DR region's first three zones, and the wait before the
    /// first launch (copies still to land, the DR account's setup).
    public struct Failover: Sendable, Hashable {
        public var full: Int
        public var standby: Int
        public var healthCheckGracePeriod: Int
        public var warmup: Int
        public var zones: [String]
        public var delay: Double

        /// The failover of `plan`'s groups; nil when they have no capacity to drill.
        public init?(plan: DRPlan) {
            let groups = plan.workloads.filter { $0.workload.isGroup }
            full = groups.reduce(0) { $0 + $1.fullCapacity }
            standby = groups.reduce(0) { $0 + $1.standbyCapacity }
            guard full > 0 else { return nil }
            healthCheckGracePeriod = groups.map(\.healthCheckGracePeriod).max() ?? 0
            warmup = groups.map(\.warmup).max() ?? 0
            zones = Array(plan.request.region.availabilityZones.prefix(3))
            delay = Double(plan.rtoBreakdown.beforeLaunch)
        }
    }

    /// The failover of a DR plan in a given world.
    public static func run(_ failover: Failover, world: World, seed: UInt64, record: Bool = true) throws -> Result {
        try run(standby: failover.standby, full: failover.full, zones: failover.zones, healthCheckGracePeriod: failover.healthCheckGracePeriod,
                warmup: failover.warmup, world: world, delay: failover.delay, seed: seed, record: record)
    }

    /// `delay`: seconds before anything can launch (a copy still to make or finish).
    public static func run(standby: Int, full: Int, zones: [String], healthCheckGracePeriod: Int, warmup: Int, world: World, delay: Double = 0,
                           seed: UInt64, record: Bool = true) throws -> Result {
        let spec = FleetSpec(desiredCapacity: full, zones: zones, healthCheckGracePeriod: healthCheckGracePeriod, defaultInstanceWarmup: warmup,
                             instances: (0..<min(standby, full)).map { FleetSpec.InitialInstance(zone: $0 % max(1, zones.count), matching: true) },
                             previousVersion: "source region (lost)", newVersion: "DR region")
        var preferences = RefreshPreferences()
        preferences.skipMatching = true
        preferences.minHealthyPercentage = 0
        preferences.instanceWarmup = warmup
        var simulation = try RolloutSimulation(spec: spec, preferences: preferences, world: world, strategy: ScaleOut(),
                                               seed: seed, record: true)
        let r = simulation.run()
        // Serving capacity over time, shifted by the delay before launches could start.
        var samples = r.samples
        if delay > 0 {
            samples = samples.map { var s = $0; s.time += delay; return s }
            if let first = r.samples.first { samples.insert(FleetSample(time: 0, servingPrevious: 0, servingNew: first.servingNew, pending: 0, warming: 0, idle: 0,
                                                                       desired: first.desired, floor: 0), at: 0) }
        }
        func reach(_ share: Double) -> Double? {
            let need = Int32((Double(full) * share).rounded(.up))
            return samples.first { $0.servingNew >= need }?.time
        }
        let result = Result(secondsToHalfCapacity: reach(0.5), secondsToNinetyPercent: reach(0.9), secondsToFullCapacity: reach(1.0), status: r.status,
                            launched: r.launched, failedLaunches: r.failedLaunches, samples: record ? samples : [], simulation: r)
        return result
    }

    /// The DR group scaling out: launches up to desired capacity, as a refresh with nothing to replace.
    struct ScaleOut: RolloutStrategy {
        static let name = "Failover"
        static let summary = "Scale the DR group from its standby to full capacity."
        init() {}
        init(parameters: [String: String]) throws {}
        mutating func decide(_ fleet: FleetSnapshot) throws -> [RolloutAction] { RollingPlan.step(fleet) }
    }
}

extension FailoverDrill {
    /// The faults a drill runs with (the DR region's launches).
    public struct Faults: Sendable, Hashable {
        public var launchFailureRate = 0.0
        public var unhealthyRate = 0.0
        /// EC2's RunInstances token bucket: refill per second and size.
        public var launchRatePerSecond = 2.0
        public var launchBurst = 1000.0

        public init(launchFailureRate: Double = 0, unhealthyRate: Double = 0, launchRatePerSecond: Double = 2, launchBurst: Double = 1000) {
            self.launchFailureRate = launchFailureRate
            self.unhealthyRate = unhealthyRate
            self.launchRatePerSecond = launchRatePerSecond
            self.launchBurst = launchBurst
        }

        /// The same faults with a baked AMI and with a user-data boot, checked once.
        public func worlds(zones: Int) throws -> (baked: World, userData: World) {
            (try world(.baked, zones: zones), try world(.userData, zones: zones))
        }

        public func world(_ boot: BootProfile, zones: Int) throws -> World {
            var w = World()
            w.launchFailureRate = launchFailureRate
            w.unhealthyRate = unhealthyRate
            w.launchRatePerSecond = launchRatePerSecond
            w.launchBurst = launchBurst
            w.boot = boot
            try w.validate(zones: zones)
            return w
        }
    }

    /// One drill with the baked AMI beside the same drill booting with user data.
    public struct Comparison: Sendable {
        public var baked: Result
        public var userData: Result

        /// How much sooner the baked AMI reaches full capacity (nil when either never does).
        public var bakedImageSavesSeconds: Double? {
            guard let u = userData.secondsToFullCapacity, let b = baked.secondsToFullCapacity else { return nil }
            return u - b
        }
    }

    public static func compare(_ failover: Failover, faults: Faults, seed: UInt64, record: Bool = true) throws -> Comparison {
        try compare(failover, worlds: try faults.worlds(zones: failover.zones.count), seed: seed, record: record)
    }

    static func compare(_ failover: Failover, worlds: (baked: World, userData: World), seed: UInt64, record: Bool) throws -> Comparison {
        Comparison(baked: try run(failover, world: worlds.baked, seed: seed, record: record),
                   userData: try run(failover, world: worlds.userData, seed: seed, record: record))
    }

    /// Percentiles of a time over many drills; a drill that never got there counts as never, so a
    /// percentile that reaches it is nil (never), not the time of the drills that did.
    public struct Percentiles: Sendable, Hashable, Encodable {
        public var p50, p95, p99: Double?

        public init(_ values: [Double?]) {
            let sorted = values.map { $0 ?? .infinity }.sorted()
            func at(_ q: Double) -> Double? { nearestRank(sorted, q).flatMap { $0.isFinite ? $0.rounded() : nil } }
            (p50, p95, p99) = (at(0.5), at(0.95), at(0.99))
        }
    }

    /// Many drills with derived seeds (over every core), in percentiles.
    public struct Summary: Sendable, Encodable {
        public var runs: Int
        public var seed: UInt64
        public var secondsToHalfCapacity, secondsToNinetyPercent, secondsToFullCapacity, userDataSecondsToFullCapacity: Percentiles
    }

    public static func summarize(_ failover: Failover, faults: Faults, runs: Int, seed: UInt64) async throws -> Summary {
        struct Times: Sendable { let half, ninety, full, userDataFull: Double? }
        let worlds = try faults.worlds(zones: failover.zones.count)
        let times = try await MonteCarlo.map(runs: runs, seed: seed) { s in
            let c = try compare(failover, worlds: worlds, seed: s, record: false)
            return Times(half: c.baked.secondsToHalfCapacity, ninety: c.baked.secondsToNinetyPercent, full: c.baked.secondsToFullCapacity,
                         userDataFull: c.userData.secondsToFullCapacity)
        }
        return Summary(runs: runs, seed: seed, secondsToHalfCapacity: Percentiles(times.map(\.half)), secondsToNinetyPercent: Percentiles(times.map(\.ninety)),
                       secondsToFullCapacity: Percentiles(times.map(\.full)), userDataSecondsToFullCapacity: Percentiles(times.map(\.userDataFull)))
    }
}
