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
    // `ingot dr drill`'s engine: a 5,000-instance failover from 0 under the RunInstances limit, 2 % launch failures.
    Benchmark("DR drill, 5000-instance failover") { benchmark in
        var world = World()
        world.launchFailureRate = 0.02
        for _ in benchmark.scaledIterations {
            blackHole(try FailoverDrill.run(standby: 0, full: 5000, zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], healthCheckGracePeriod: 300,
                                            warmup: 300, world: world, seed: 1).secondsToFullCapacity)
        }
    }
}
