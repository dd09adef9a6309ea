import IngotCore
import IngotRollout

/// AWS's instance refresh (the `Rolling` strategy of StartInstanceRefresh).
public struct RollingStrategy: RolloutStrategy {
    public static let name = "Rolling"
    public static let summary = "AWS instance refresh: batches bounded by MinHealthyPercentage and MaxHealthyPercentage, checkpoints, bake time."

    public init(parameters: [String: String]) throws {}

    public mutating func decide(_ fleet: FleetSnapshot) throws -> [RolloutAction] {
        RollingPlan.step(fleet)
    }
}
