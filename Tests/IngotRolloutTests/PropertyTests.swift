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
