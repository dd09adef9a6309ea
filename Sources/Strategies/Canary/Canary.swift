import IngotCore
import IngotRollout

/// A canary: a small first batch launched before anything is terminated, baked under the alarm,
/// then the rest as a rolling refresh. An alarm at any point rolls back.
public struct CanaryStrategy: RolloutStrategy {
    public static let name = "Canary"
    public static let summary = "A small first batch launched ahead, baked under the alarm, then rolling; rolls back on alarm."
    public static let parameters = [
        StrategyParameter("canary-percentage", default: "10", "Share of desired capacity in the canary batch (at least one instance)."),
        StrategyParameter("canary-bake", default: "10m", "How long the canary serves before the rest rolls."),
    ]

    let percentage: Int
    let bake: Double
    var bakeUntil: Double?

    public init(parameters: [String: String]) throws {
        percentage = try parameters.percentage("canary-percentage", default: 10)
        bake = try parameters.seconds("canary-bake", default: 600)
    }

    public func adjusted(_ preferences: RefreshPreferences) -> RefreshPreferences {
        var p = preferences
        p.autoRollback = true
        return p
    }

    public mutating func decide(_ f: FleetSnapshot) throws -> [RolloutAction] {
        if f.rollingBack { return RollingPlan.step(f) }
        if let until = bakeUntil {
            return f.time < until ? [] : RollingPlan.step(f)
        }
        let canary = max(1, (f.desiredCapacity * percentage + 99) / 100)
        let cur = f.current
        if cur.ready >= canary && cur.pending == 0 && cur.warming == 0 {
            bakeUntil = f.time + bake
            return [.wait(until: f.time + bake)]
        }
        // Launch the canaries first: nothing is terminated until they serve.
        let launch = max(0, canary - cur.active)
        return launch > 0 ? [.launch(count: launch)] : []
    }
}
