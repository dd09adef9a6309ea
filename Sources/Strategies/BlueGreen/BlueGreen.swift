import IngotCore
import IngotRollout

/// Blue/green: a new (green) group at full size beside the old (blue) one, traffic switched when all
/// of it is healthy and warm, blue kept idle for a rollback window, then scaled in. An alarm before
/// the blue side is gone switches traffic back.
public struct BlueGreenStrategy: RolloutStrategy {
    public static let name = "BlueGreen"
    public static let summary = "A full-size new group, one traffic switch, the old group kept for a rollback window, then scaled in."
    public static let parameters = [
        StrategyParameter("rollback-window", default: "10m", "How long the old group stays idle after the switch, ready to take traffic back."),
    ]

    let window: Double
    var switchedAt: Double?

    public init(parameters: [String: String]) throws {
        window = try parameters.seconds("rollback-window", default: 600)
    }

    public var runsTwoGroups: Bool { true }

    public func adjusted(_ preferences: RefreshPreferences) -> RefreshPreferences {
        var p = preferences.withoutCheckpoints
        p.autoRollback = true
        return p
    }

    public mutating func decide(_ f: FleetSnapshot) throws -> [RolloutAction] {
        let cur = f.current, old = f.outdated
        let wanted = max(0, f.desiredCapacity - f.heldInService)
        if f.rollingBack {
            // Blue is still there: give it the traffic back, then remove green.
            if cur.idle > 0 { return [.setServing(count: cur.idle, outdated: false, serving: true), .setServing(count: old.serving, outdated: true, serving: false)] }
            return RollingPlan.step(f, floor: 0, ceiling: f.desiredCapacity * 2)
        }
        guard let switched = switchedAt else {
            if cur.ready >= wanted && cur.pending == 0 && cur.warming == 0 {
                switchedAt = f.time
                return [.setServing(count: cur.idle, outdated: false, serving: true),
                        .setServing(count: old.serving, outdated: true, serving: false),
                        .wait(until: f.time + window)]
            }
            let launch = max(0, wanted - cur.active)
            return launch > 0 ? [.launch(count: launch, serving: false)] : []
        }
        if f.time < switched + window { return [] }
        if old.active > 0 { return [.terminate(count: old.active)] }
        // Capacity lost during the window (an unhealthy green instance) is launched serving.
        let missing = wanted - cur.active
        if missing > 0 { return [.launch(count: missing)] }
        return cur.pending == 0 && cur.warming == 0 ? [.complete] : []
    }
}
