import IngotCore
import IngotRollout

/// A canary: a small first batch launched before anything is terminated, beside a baseline of the same
/// size on the previous version launched at the same time (Spinnaker's canary guidance: compare the
/// canary with a baseline deployed at the same time, not with the whole old fleet), baked under the
/// alarm, then the rest as a rolling refresh. The canary fails its judgement, and the refresh rolls
/// back, when its unhealthy share exceeds the baseline's by more than `max-unhealthy-difference`
/// percentage points, or when the alarm goes off at any point.
public struct CanaryStrategy: RolloutStrategy {
    public static let name = "Canary"
    public static let summary = "A small first batch launched ahead beside a same-size baseline on the previous version, judged against it and the alarm, then rolling; rolls back on failure."
    public static let parameters = [
        StrategyParameter("canary-percentage", default: "10", "Share of desired capacity in the canary batch (at least one instance)."),
        StrategyParameter("canary-bake", default: "10m", "How long the canary serves before it is judged and the rest rolls."),
        StrategyParameter("baseline", default: "true", "Launch a baseline of the canary's size on the previous version beside it (false: judge by the alarm only)."),
        StrategyParameter("max-unhealthy-difference", default: "10", "Percentage points by which the canary's unhealthy share may exceed the baseline's (0-100)."),
    ]

    let percentage: Int
    let bake: Double
    let baseline: Bool
    let maxDifference: Int
    var bakeUntil: Double?
    var baselineSize = 0
    /// The baseline has been judged and removed: the rest rolls.
    var judged = false

    public init(parameters: [String: String]) throws {
        percentage = try parameters.percentage("canary-percentage", default: 10)
        bake = try parameters.seconds("canary-bake", default: 600)
        switch parameters["baseline"]?.lowercased() ?? "true" {
        case "true": baseline = true
        case "false": baseline = false
        case let other: throw IngotError.invalid("param baseline", "'\(other)' is not true or false")
        }
        let difference = parameters["max-unhealthy-difference"] ?? "10"
        guard let d = Int(difference), (0...100).contains(d) else {
            throw IngotError.invalid("param max-unhealthy-difference", "'\(difference)' is not a number of percentage points from 0 to 100")
        }
        maxDifference = d
    }

    public func adjusted(_ preferences: RefreshPreferences) -> RefreshPreferences {
        var p = preferences
        p.autoRollback = true
        return p
    }

    /// The comparison: nil while the canary holds up against the baseline, else why it does not.
    func verdict(_ f: FleetSnapshot, canary: Int) -> String? {
        guard baseline, f.newLaunched >= canary, f.newUnhealthy > 0 else { return nil }
        let canaryShare = Double(f.newUnhealthy) / Double(f.newLaunched)
        let baselineShare = f.baselineLaunched > 0 ? Double(f.baselineUnhealthy) / Double(f.baselineLaunched) : 0
        guard (canaryShare - baselineShare) * 100 > Double(maxDifference) else { return nil }
        return "the canary failed its judgement: \(f.newUnhealthy) of \(f.newLaunched) canary instances unhealthy (\(Int((canaryShare * 100).rounded()))%) against \(f.baselineUnhealthy) of \(f.baselineLaunched) in the baseline (\(Int((baselineShare * 100).rounded()))%)"
    }

    public mutating func decide(_ f: FleetSnapshot) throws -> [RolloutAction] {
        if f.rollingBack, baselineSize > 0, !judged {
            // Rolling back, the baseline is on the configuration restored: it goes, or the group would end above desired.
            judged = true
            return [.terminateBaseline(count: baselineSize)]
        }
        if f.rollingBack || judged { return RollingPlan.step(f) }
        let canary = max(1, (f.desiredCapacity * percentage + 99) / 100)
        if let reason = verdict(f, canary: canary) { return [.rollback(reason: reason)] }
        if let until = bakeUntil {
            guard f.time >= until else { return [] }
            // Judged at the end of the bake: the baseline has served its purpose.
            judged = true
            return baselineSize > 0 ? [.terminateBaseline(count: baselineSize)] : RollingPlan.step(f)
        }
        let cur = f.current
        if cur.ready >= canary && cur.pending == 0 && cur.warming == 0 {
            bakeUntil = f.time + bake
            return [.wait(until: f.time + bake)]
        }
        // Launch the canaries (and their baseline, once) first: nothing is terminated until they serve.
        var actions: [RolloutAction] = []
        if baseline && baselineSize == 0 {
            baselineSize = canary
            actions.append(.launchBaseline(count: canary))
        }
        let launch = max(0, canary - cur.active)
        if launch > 0 { actions.append(.launch(count: launch)) }
        return actions
    }
}
