import IngotRollout

/// One instance at a time, launched before its predecessor is terminated, with a pause between
/// replacements: slow and never below desired capacity.
public struct SteadyStrategy: RolloutStrategy {
    public static let name = "Steady"
    public static let summary = "One at a time, launch first, with a pause between replacements."
    public static let parameters = [StrategyParameter("pause", default: "2m", "Pause after each replacement.")]

    let pause: Double
    var resumeAt = 0.0
    var lastReady = 0

    public init(parameters: [String: String]) throws {
        pause = try parameters.seconds("pause", default: 120)
    }

    public mutating func decide(_ f: FleetSnapshot) throws -> [RolloutAction] {
        if f.current.ready > lastReady {
            lastReady = f.current.ready
            resumeAt = f.time + pause
        }
        if f.time < resumeAt { return [.wait(until: resumeAt)] }
        // A floor of desired capacity and room for one more: launch one, then terminate one.
        return RollingPlan.step(f, floor: f.desiredCapacity, ceiling: f.desiredCapacity + 1, budget: 1)
    }
}
