import IngotCore

/// AWS's instance refresh replacement rule, shared by the strategies that roll.
///
/// At each decision point: terminate outdated instances while in-service capacity stays at or above
/// the healthy floor (instances not in service can always go), then launch current ones up to the
/// ceiling. MaxHealthyPercentage omitted: the ceiling is desired capacity, so instances are terminated
/// and launched together (even at MinHealthyPercentage 100, where the floor is desired - 1); set: new
/// instances are launched first, up to Max% of desired, and at least one above desired when the bounds
/// leave no other room (see `RolloutSimulation.ceiling`). A checkpoint ahead caps the batch so the
/// refresh stops at it; reaching the last checkpoint when it is under 100 ends the refresh there.
public enum RollingPlan {
    public static func step(_ f: FleetSnapshot, floor: Int? = nil, ceiling: Int? = nil, budget: Int? = nil) -> [RolloutAction] {
        let cur = f.current, old = f.outdated
        let wanted = max(0, f.desiredCapacity - f.heldInService)
        let checkpoints = f.rollingBack ? [] : f.preferences.checkpointPercentages

        if !checkpoints.isEmpty {
            if let passed = checkpoints.last(where: { $0 <= f.percentageComplete && $0 > f.lastCheckpoint }), passed < 100 {
                // The last checkpoint under 100 is where the refresh ends: no further delay.
                return passed == checkpoints.last ? [.checkpoint(percentage: passed), .complete] : [.checkpoint(percentage: passed)]
            }
            if let last = checkpoints.last, last < 100, f.lastCheckpoint >= last { return [.complete] }
        }
        if old.active == 0 && old.held == 0 && cur.pending == 0 && cur.warming == 0 && cur.swapping == 0 && cur.ready >= wanted {
            return [.complete]
        }

        var limit = budget ?? Int.max
        if !checkpoints.isEmpty, let next = checkpoints.first(where: { $0 > f.lastCheckpoint }), next < 100 {
            let denominator = max(1, wanted)
            let allowed = (next * denominator + 99) / 100
            limit = min(limit, max(0, allowed - (cur.ready + cur.pending + cur.warming + cur.swapping)))
        }
        let floor = floor ?? f.healthyFloor
        let ceiling = ceiling ?? f.healthyCeiling
        let notServing = old.active - old.serving
        let terminate = min(old.active, max(0, f.inService - floor) + notServing, limit)
        let launch = min(max(0, wanted - cur.active), max(0, ceiling - (f.active - terminate)), limit)
        switch (terminate > 0, launch > 0) {
        case (true, true): return [.terminate(count: terminate), .launch(count: launch)]
        case (true, false): return [.terminate(count: terminate)]
        case (false, true): return [.launch(count: launch)]
        case (false, false): return []
        }
    }
}
