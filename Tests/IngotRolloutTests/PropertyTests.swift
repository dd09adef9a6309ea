import IngotCore
import PropertyBased
import Testing
import IngotRollout
import Rolling

/// Invariants of the engine over random fleets, preferences and faults.
@Suite struct PropertyTests {
    struct Case: Sendable, CustomStringConvertible {
        var size, zones, min: Int
        var max: Int?
        var warmup: Int
        var failure, unhealthy: Double
        var matching, protected: Int
        var seed: UInt64
        var description: String {
            "size \(size) zones \(zones) min \(min) max \(max.map(String.init) ?? "-") warmup \(warmup) failure \(failure) unhealthy \(unhealthy) matching \(matching) protected \(protected) seed \(seed)"
        }

        func run(record: Bool = false) throws -> RolloutResult {
            var p = RefreshPreferences()
            p.minHealthyPercentage = min
            p.maxHealthyPercentage = max
            p.instanceWarmup = warmup
            p.skipMatching = matching > 0
            p.scaleInProtectedInstances = .ignore
            var w = World()
            w.launchFailureRate = failure
            w.unhealthyRate = unhealthy
            let spec = FleetSpec.uniform(size: size, zones: zones, matching: Swift.min(matching, size), protected: Swift.min(protected, size))
            var sim = try RolloutSimulation(spec: spec, preferences: p, world: w, strategy: RollingStrategy(parameters: [:]), seed: seed, record: record)
            return sim.run()
        }
    }

    static let cases = zip(
        zip(Gen.int(in: 0...150), Gen.int(in: 1...4), Gen.int(in: 0...100), Gen.int(in: 0...100)),
        zip(Gen.bool, Gen.int(in: 0...600), Gen.int(in: 0...30), Gen.int(in: 0...30)),
        zip(Gen.int(in: 0...5), Gen.int(in: 0...3), Gen.int(in: 0...1_000_000))
    ).map { a, b, c in
        let (size, zones, min, extra) = a
        let (hasMax, warmup, failure, unhealthy) = b
        let (matching, protected, seed) = c
        return Case(size: size, zones: zones, min: min, max: hasMax ? Swift.max(100, Swift.min(200, min + extra)) : nil, warmup: warmup,
                    failure: Double(failure) / 100, unhealthy: Double(unhealthy) / 100, matching: matching, protected: protected, seed: UInt64(seed))
    }

    @Test("In service never drops below the floor unless a reported fault explains it; never above the ceiling")
    func capacityBounds() async {
        await propertyCheck(count: 200, input: Self.cases) { c in
            let r = try c.run()
            #expect(r.status.isFinal, "\(c)")
            #expect(r.unexplainedFloorBreaches == 0, "\(c)")
            #expect(r.ceilingBreaches == 0, "\(c)")
        }
    }

    /// The same bounds rebuilt from the timeline by code that shares nothing with the engine's counters.
    /// Launch failures and unhealthy new instances are the only faults here, and neither may cost
    /// in-service capacity: an unhealthy instance never passes its first health check, so it never
    /// served. The floor is worked out from AWS's text: MinHealthyPercentage of desired "rounded up",
    /// and with MaxHealthyPercentage omitted AWS "terminates an instance and launches its replacement
    /// simultaneously" (so at most desired - 1).
    @Test("From the timeline: in service never under the floor, and no more instances replaced than there were to update")
    func timelineBounds() async {
        await propertyCheck(count: 150, input: Self.cases) { c in
            let r = try c.run(record: true)
            let matching = Swift.min(c.matching, c.size), protected = Swift.min(c.protected, c.size)
            var floor = (c.size * c.min + 99) / 100
            if c.max == nil && c.size > 0 { floor = Swift.min(floor, c.size - 1) }
            var serving = Set(0..<c.size)
            var lowest = c.size
            var time = 0.0
            var replacedNew = Set<Int32>()
            for e in r.timeline {
                if e.time != time { lowest = Swift.min(lowest, serving.count); time = e.time }
                switch e.kind {
                case .replaced:
                    serving.insert(Int(e.instance))
                    if e.version == 1 && e.instance >= Int32(c.size) { replacedNew.insert(e.instance) }
                case .terminated, .unhealthy: serving.remove(Int(e.instance))
                default: break
                }
            }
            lowest = Swift.min(lowest, serving.count)
            #expect(lowest >= floor, "\(c): lowest \(lowest), floor \(floor)")
            let toUpdate = (0..<c.size).filter { !($0 < matching) && !($0 >= c.size - protected) }.count
            #expect(replacedNew.count <= toUpdate, "\(c): replaced \(replacedNew.count) of \(toUpdate)")
            #expect(r.replaced <= toUpdate, "\(c): engine says \(r.replaced) of \(toUpdate)")
        }
    }

    @Test("Without unrecoverable faults the refresh succeeds and every instance ends on the new version")
    func completes() async {
        await propertyCheck(count: 200, input: Self.cases) { c in
            var c = c
            c.unhealthy = 0
            c.protected = 0
            c.failure = Swift.min(c.failure, 0.2)
            let r = try c.run()
            #expect(r.status == .successful, "\(c): \(r.statusReason ?? "")")
            #expect(r.finalInstances.count == c.size, "\(c)")
            #expect(r.finalInstances.allSatisfy { $0.onNewVersion }, "\(c)")
        }
    }

    @Test("The same seed gives the same timeline, byte for byte")
    func deterministic() async {
        await propertyCheck(count: 60, input: Self.cases) { c in
            let a = try c.run(record: true), b = try c.run(record: true)
            #expect(a.timeline == b.timeline && a.samples == b.samples && a.durationSeconds == b.durationSeconds, "\(c)")
        }
    }
}
