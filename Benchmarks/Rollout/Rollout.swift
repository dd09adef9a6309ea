import Benchmark
import IngotRollout
import Rolling

/// The rollout engine alone: a Rolling refresh (Min 90, Max omitted) with 2 % launch failures and
/// 2 % unhealthy new instances, as Benchmarks/simpy_rollout.py models it.
func simulate(_ size: Int) throws -> RolloutResult {
    var world = World()
    world.launchFailureRate = 0.02
    world.unhealthyRate = 0.02
    var simulation = try RolloutSimulation(spec: .uniform(size: size), preferences: RefreshPreferences(), world: world,
                                           strategy: try RollingStrategy(parameters: [:]), seed: 1)
    return simulation.run()
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], maxDuration: .seconds(20), maxIterations: 20)
    for size in [10_000, 100_000] {
        Benchmark("Rolling refresh, \(size) instances, 2% faults") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try simulate(size).events)
            }
        }
    }
}
