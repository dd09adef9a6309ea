import IngotCore
import IngotRollout

/// Spinnaker's rolling red/black. Per step, as orca's RollingRedBlack stage orders it: grow the new
/// group to the step's percentage of desired capacity, wait (the step's validation), then disable the
/// same share of the old group (kept, not terminated), so a rollback only re-enables it. After the last
/// step the old group stays disabled, as Spinnaker leaves it; `scale-down-old=true` terminates it.
public struct RollingBlueGreenStrategy: RolloutStrategy {
    public static let name = "RollingBlueGreen"
    public static let summary = "Grow the new group through target percentages; after each step's wait, disable the same share of the old one (rolling red/black)."
    public static let parameters = [
        StrategyParameter("targets", default: "25,50,75,100", "Percentages of desired capacity the new group grows through."),
        StrategyParameter("step-delay", default: "5m", "How long each step is validated (serving) before the old group's share is disabled."),
        StrategyParameter("scale-down-old", default: "false", "Terminate the old group once everything is disabled (Spinnaker leaves it disabled)."),
    ]

    enum Phase: Sendable { case grow, validate(until: Double) }

    let targets: [Int]
    let delay: Double
    let scaleDownOld: Bool
    var step = 0
    var phase = Phase.grow

    public init(parameters: [String: String]) throws {
        var t = try parameters.percentages("targets", default: [25, 50, 75, 100])
        if t.last != 100 { t.append(100) }
        targets = t
        delay = try parameters.seconds("step-delay", default: 300)
        switch parameters["scale-down-old"] ?? "false" {
        case "true": scaleDownOld = true
        case "false": scaleDownOld = false
        case let other: throw IngotError.invalid("param scale-down-old", "'\(other)' is not true or false")
        }
    }

    public var runsTwoGroups: Bool { true }
    public var leavesOldGroup: Bool { !scaleDownOld }

    public func adjusted(_ preferences: RefreshPreferences) -> RefreshPreferences {
        preferences.withoutCheckpoints
    }

    public mutating func decide(_ f: FleetSnapshot) throws -> [RolloutAction] {
        let cur = f.current, old = f.outdated
        let wanted = max(0, f.desiredCapacity - f.heldInService)
        if f.rollingBack {
            if cur.idle > 0 { return [.setServing(count: cur.idle, outdated: false, serving: true)] }
            if old.idle > 0 { return [.setServing(count: old.idle, outdated: true, serving: true)] }
            return RollingPlan.step(f, floor: 0, ceiling: f.desiredCapacity * 2)
        }
        while step < targets.count {
            let goal = (wanted * targets[step] + 99) / 100
            switch phase {
            case .grow:
                guard cur.ready >= goal else {
                    let launch = max(0, goal - cur.active)
                    return launch > 0 ? [.launch(count: launch)] : []
                }
                // The step is healthy: validate it for the step delay before touching the old group.
                let until = f.time + delay
                phase = .validate(until: until)
                return [.wait(until: until)]
            case .validate(let until):
                guard f.time >= until else { return [] }
                // Validated (an alarm meanwhile would have rolled back): disable the same share of the old group.
                let keep = max(0, wanted - goal)
                step += 1
                phase = .grow
                if old.serving > keep { return [.setServing(count: old.serving - keep, outdated: true, serving: false)] }
            }
        }
        // Every step done and the old group disabled.
        if scaleDownOld && old.active > 0 { return [.terminate(count: old.active)] }
        let missing = wanted - cur.active
        if missing > 0 { return [.launch(count: missing)] }
        return cur.pending == 0 && cur.warming == 0 ? [.complete] : []
    }
}
