import IngotCore
import IngotRollout

/// Every instance at once: MinHealthyPercentage 0, so the whole fleet is terminated and relaunched
/// together (the fastest rollout, with an outage while the new instances boot).
public struct AllAtOnceStrategy: RolloutStrategy {
    public static let name = "AllAtOnce"
    public static let summary = "Replace every instance at once (MinHealthyPercentage 0): fastest, with downtime."

    public init(parameters: [String: String]) throws {}

    public func adjusted(_ preferences: RefreshPreferences) -> RefreshPreferences {
        var p = preferences.withoutCheckpoints
        p.minHealthyPercentage = 0
        p.maxHealthyPercentage = nil
        return p
    }

    public mutating func decide(_ fleet: FleetSnapshot) throws -> [RolloutAction] {
        RollingPlan.step(fleet)
    }
}
