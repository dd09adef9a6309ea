import IngotCore
import IngotRollout

/// Spinnaker's rolling red/black: the new group grows through target percentages of desired capacity;
/// after each step is healthy the same share of the old group is disabled (kept, not terminated) until
/// the last step, so a rollback only re-enables it.
public struct RollingBlueGreenStrategy: RolloutStrategy {
    public static let name = "RollingBlueGreen"
    public static let summary = "Grow the new group through target percentages, disabling the same share of the old one each step (rolling red/black)."
    public static let parameters = [
        StrategyParameter("targets", default: "25,50,75,100", "Percentages of desired capacity the new group grows through."),
        StrategyParameter("step-delay", default: "5m", "How long each step serves before the next."),
    ]

    let targets: [Int]
    let delay: Double
    var step = 0
    var nextAt = 0.0

    public init(parameters: [String: String]) throws {
        var t = try parameters.percentages("targets", default: [25, 50, 75, 100])
        if t.last != 100 { t.append(100) }
        targets = t
        delay = try parameters.seconds("step-delay", default: 300)
    }

    public var runsTwoGroups: Bool { true }

    public func adjusted(_ preferences: RefreshPreferences) -> RefreshPreferences {
        preferences.withoutCheckpoints
    }

    public mutating func decide(_ f: FleetSnapshot) throws -> [RolloutAction] {
        let cur = f.current, old = f.outdated
        let wanted = max(0, f.desiredCapacity - f.heldInService)
        if f.rollingBack {
            if cur.idle > 0 { return [.setServing(count: cur.idle, outdated: false, serving: true)] }
            return RollingPlan.step(f, floor: 0, ceiling: f.desiredCapacity * 2)
        }
        if f.time < nextAt { return [] }
        if step >= targets.count {
            if old.active > 0 { return [.terminate(count: old.active)] }
            let missing = wanted - cur.active
            if missing > 0 { return [.launch(count: missing)] }
            return cur.pending == 0 && cur.warming == 0 ? [.complete] : []
        }
        let goal = (wanted * targets[step] + 99) / 100
        if cur.ready >= goal {
            // This step is healthy: disable the same share of the old group.
            let keep = max(0, wanted - goal)
            step += 1
            nextAt = f.time + delay
            var actions: [RolloutAction] = [.wait(until: nextAt)]
            if old.serving > keep { actions.insert(.setServing(count: old.serving - keep, outdated: true, serving: false), at: 0) }
            return actions
        }
        let launch = max(0, goal - cur.active)
        return launch > 0 ? [.launch(count: launch)] : []
    }
}
