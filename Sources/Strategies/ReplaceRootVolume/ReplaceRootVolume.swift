import IngotCore
import IngotRollout

/// AWS's ReplaceRootVolume strategy: each instance keeps its id, ENIs and instance store; its root
/// volume is replaced from the new image and it reboots. Nothing is launched, so the RunInstances
/// rate limit and capacity shortages do not apply; batches follow MinHealthyPercentage.
public struct ReplaceRootVolumeStrategy: RolloutStrategy {
    public static let name = "ReplaceRootVolume"
    public static let summary = "Swap the root volume of each instance in place (no launches), in batches bounded by MinHealthyPercentage."

    public init(parameters: [String: String]) throws {}

    public func adjusted(_ preferences: RefreshPreferences) -> RefreshPreferences {
        // Nothing is launched, so capacity never exceeds desired.
        var p = preferences
        p.maxHealthyPercentage = nil
        return p
    }

    public mutating func decide(_ f: FleetSnapshot) throws -> [RolloutAction] {
        let old = f.outdated, cur = f.current
        if old.active == 0 && old.held == 0 && cur.swapping == 0 && cur.warming == 0 && cur.pending == 0 { return [.complete] }
        var actions: [RolloutAction] = []
        // Outdated instances that are not serving (still booting, say) are swapped without a capacity cost.
        let budget = max(0, f.inService - f.healthyFloor) + old.idle
        let swap = min(old.ready, budget)
        if swap > 0 { actions.append(.replaceRootVolume(count: swap)) }
        // Lost capacity (an outage, an unhealthy reboot) comes back as launches of the current image.
        let missing = f.desiredCapacity - f.heldInService - f.active
        if missing > 0 { actions.append(.launch(count: missing)) }
        return actions
    }
}
