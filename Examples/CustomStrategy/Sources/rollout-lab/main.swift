import IngotRollout

// Every strategy this program links, Ingot's and this package's, registered by the plugin.
for strategy in StrategyRegistry.linked.strategies {
    print(strategy.name.padding(toLength: 18, withPad: " ", startingAt: 0), strategy.summary)
}
for name in ["Steady", "Rolling"] {
    var simulation = try RolloutSimulation(spec: .uniform(size: 12), preferences: RefreshPreferences(),
                                           strategy: try StrategyRegistry.linked.make(name, parameters: [:]), seed: 1)
    let r = simulation.run()
    print("\(name): \(r.status.rawValue) in \(Int(r.durationSeconds))s, in service \(r.minInService)-\(r.maxInService) of \(r.desiredCapacity)")
}
