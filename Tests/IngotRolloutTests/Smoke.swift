import Testing
import IngotRollout
import Rolling

@Test func rollingTenInstances() throws {
    var sim = try RolloutSimulation(spec: .uniform(size: 10), preferences: RefreshPreferences(), strategy: RollingStrategy(parameters: [:]), seed: 1, record: true)
    let r = sim.run()
    for e in r.timeline.prefix(40) { print(e.time, e.kind.name, e.instance, e.detail ?? "") }
    print(r.status, r.durationSeconds, r.minInService, r.maxInService, r.launched, r.terminated, r.replaced, r.events)
    #expect(r.status == .successful)
}
