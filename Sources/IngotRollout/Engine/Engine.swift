import HeapModule
import IngotCore

/// A discrete-event simulation of an instance refresh in virtual time. Deterministic for a seed:
/// ties in time are broken by the order events were scheduled. The engine owns time, health, faults
/// and accounting; the strategy only decides.
public struct RolloutSimulation {
    /// Where an instance is in its life: one byte per instance in `state`.
    private enum InstanceState: UInt8 {
        /// Launch requested, waiting for a RunInstances token.
        case queued
        /// Launched, not yet InService.
        case booting
        /// InService, not yet ready (its first health check or its warm-up is ahead).
        case warming
        /// Ready and receiving traffic.
        case serving
        /// Ready, deregistered from traffic (blue/green's idle side).
        case idle
        /// Its root volume being replaced.
        case swapping
        /// A failed launch holding its slot until Auto Scaling tries again.
        case failed
        case standby
        case terminated
        static let count = 9
        /// States whose instances a strategy can terminate: the pools hold them per configuration and zone.
        var isPooled: Bool { rawValue <= InstanceState.idle.rawValue }
        var index: Int { Int(rawValue) }
    }
    private typealias S = InstanceState

    /// What else is true of an instance: one byte per instance in `flags`.
    private struct InstanceFlags: OptionSet {
        let rawValue: UInt8
        /// It will fail its health checks (drawn at launch).
        static let unhealthy = InstanceFlags(rawValue: 1)
        /// Standby or scale-in protected, and the refresh leaves it alone (counted apart).
        static let held = InstanceFlags(rawValue: 2)
        /// It receives traffic once ready (else it becomes idle).
        static let servesWhenReady = InstanceFlags(rawValue: 4)
        static let protected = InstanceFlags(rawValue: 8)
        /// Launched on the previous configuration as a canary's baseline (its health is counted apart).
        static let baseline = InstanceFlags(rawValue: 16)
    }
    // Configurations: 0 previous, 1 new (launched by the refresh), 2 new but there before it.
    private static let configs = 3

    private enum E: UInt8 {
        case launchStart, inService, warmed, unhealthy, retryDone, swapDone, wake, bakeDone, alarm, outage, ice, scale, cancel
    }

    /// 16 bytes: the time, then the scheduling order (ties), the kind and the instance packed in one word.
    private struct Event: Comparable {
        var time: Double
        var key: UInt64
        init(time: Double, order: UInt64, instance: Int32, kind: E) {
            self.time = time
            self.key = order << 32 | UInt64(kind.rawValue) << 27 | UInt64(UInt32(bitPattern: instance) & 0x07FF_FFFF)
        }
        var kind: E { E(rawValue: UInt8(truncatingIfNeeded: (key >> 27) & 0x1F)) ?? .wake }
        var instance: Int32 {
            let raw = Int32(truncatingIfNeeded: key & 0x07FF_FFFF)
            return raw == 0x07FF_FFFF ? -1 : raw
        }
        @inline(__always) static func < (a: Event, b: Event) -> Bool { a.time < b.time || (a.time == b.time && a.key < b.key) }
        @inline(__always) static func == (a: Event, b: Event) -> Bool { a.time == b.time && a.key == b.key }
    }

    public let spec: FleetSpec
    public let preferences: RefreshPreferences
    public let world: World
    public let seed: UInt64
    public let record: Bool
    private var strategy: any RolloutDecider
    private let strategyName: String
    private var rng: SeededGenerator

    // Instances, struct of arrays.
    private var config: [UInt8] = []
    private var state: [InstanceState] = []
    private var zone: [UInt8] = []
    private var flags: [InstanceFlags] = []
    private var counts: [Int]
    private var zoneActive: [Int]
    private var pools: [[Int32]]
    private var poolLive: [Int]
    private var heldServing = 0, heldWaiting = 0

    /// Events at arbitrary times (boot completions, health checks, faults, wake-ups) live in a binary heap.
    /// Three kinds are always scheduled in time order (RunInstances token reservations, warm-up ends at a
    /// fixed delay, launch retries at a fixed delay): each has a FIFO lane, merged with the heap by
    /// (time, scheduling order), which keeps the heap small.
    private var heap = Heap<Event>()
    private var lanes = [Lane](repeating: Lane(), count: 3)

    /// A FIFO of events in time order: an array read from a moving head, compacted now and then.
    private struct Lane {
        var items: [Event] = []
        var head = 0
        @inline(__always) var first: Event? { head < items.count ? items[head] : nil }
        @inline(__always) var last: Event? { head < items.count ? items[items.count - 1] : nil }
        @inline(__always) mutating func append(_ e: Event) { items.append(e) }
        @inline(__always) mutating func removeFirst() {
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 4096 && head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
        }
    }
    private var order: UInt64 = 0
    private var now = 0.0
    private var status = RefreshStatus.pending
    private var desired: Int
    private let warmup: Double
    private var rollingBack = false
    private var outdated: [Bool]
    private var target: UInt8 = 1
    private var holdUntil = 0.0
    private var lastProgress = 0.0
    private var lastCheckpoint = 0
    private var alarm = false
    private var zoneDown: [Bool]
    private var zoneAvoid: [Bool]
    private var iceActive: [Bool]
    private var tokens: Double
    private var tokenTime = 0.0
    private var faultSinceHealthy = true
    /// Something the strategy decides on changed at this instant (not merely a launch starting or an
    /// instance booting into its warm-up, which change neither capacity nor what may be launched).
    private var dirty = true

    // Accounting.
    private var rolledBackCount = 0
    private var launched = 0, terminatedCount = 0, replacedCount = 0, failedLaunches = 0, unhealthyReplaced = 0, unhealthyNew = 0, launchedNew = 0
    private var baselineLaunched = 0, baselineUnhealthy = 0, baselineRequested = 0
    private var checkpoints: [Int] = []
    private var rollbackReason: String?, failureReason: String?, statusReason: String?
    private var minInService = Int.max, maxInService = 0, maxActive = 0
    private var unexplainedBreaches = 0, ceilingBreaches = 0
    private var eventCount = 0
    private var endTime = 0.0
    private var timeline: [TimelineEvent] = []
    private var samples: [FleetSample] = []

    /// A simulation never runs past a week of virtual time.
    public static let horizon = 7 * 86_400.0
    /// A refresh that makes no progress for an hour fails (AWS).
    public static let blockedLimit = 3600.0

    public init(spec: FleetSpec, preferences: RefreshPreferences, world: World = World(), strategy: any RolloutDecider, seed: UInt64 = 1, record: Bool = false) throws {
        try spec.validate()
        let prefs = strategy.adjusted(preferences)
        try prefs.validate()
        try world.validate(zones: spec.zones.count)
        self.spec = spec
        self.preferences = prefs
        self.world = world
        self.seed = seed
        self.record = record
        self.strategy = strategy
        self.strategyName = strategy.instanceName
        self.rng = SeededGenerator(seed: seed)
        self.desired = spec.desiredCapacity
        self.warmup = Double(prefs.instanceWarmup ?? spec.defaultInstanceWarmup ?? spec.healthCheckGracePeriod)
        let zones = spec.zones.count
        counts = Array(repeating: 0, count: Self.configs * S.count)
        zoneActive = Array(repeating: 0, count: zones)
        pools = Array(repeating: [], count: Self.configs * zones)
        poolLive = Array(repeating: 0, count: Self.configs * zones)
        zoneDown = Array(repeating: false, count: zones)
        zoneAvoid = Array(repeating: false, count: zones)
        iceActive = Array(repeating: false, count: zones)
        outdated = [true, false, !prefs.skipMatching]
        tokens = world.launchBurst
        let n = spec.instances.count
        config.reserveCapacity(n + n / 4 + 16); state.reserveCapacity(n + n / 4 + 16); zone.reserveCapacity(n + n / 4 + 16)
        flags.reserveCapacity(n + n / 4 + 16)
        for inst in spec.instances {
            let c: UInt8 = inst.matching ? (prefs.skipMatching ? 1 : 2) : 0
            let s = inst.standby ? S.standby : S.serving
            var f: InstanceFlags = inst.protected ? [.protected] : []
            if !inst.standby { f.insert(.servesWhenReady) }
            let held = (inst.standby && prefs.standbyInstances != .replace) || (inst.protected && !inst.standby && prefs.scaleInProtectedInstances != .replace)
            if held { f.insert(.held) }
            append(config: c, state: s, zone: UInt8(inst.zone), flags: f)
            if held {
                if s == S.serving { heldServing += 1 }
                let waits = inst.standby ? prefs.standbyInstances == .wait : prefs.scaleInProtectedInstances == .wait
                if waits && outdated[Int(c)] { heldWaiting += 1 }
            }
        }
        if record { timeline.reserveCapacity(4 * n + 64) }
    }

    // MARK: Bookkeeping

    @inline(__always) private func slot(_ c: UInt8, _ s: InstanceState) -> Int { Int(c) * S.count + s.index }

    private mutating func append(config c: UInt8, state s: InstanceState, zone z: UInt8, flags f: InstanceFlags) {
        let i = state.count
        config.append(c); state.append(s); zone.append(z); flags.append(f)
        if !f.contains(.held) {
            counts[slot(c, s)] += 1
            if s.isPooled { enterPool(i) }
        }
        if s != S.standby && s != S.terminated { zoneActive[Int(z)] += 1 }
    }


    @inline(__always) private func poolSlot(_ i: Int) -> Int { Int(config[i]) * spec.zones.count + Int(zone[i]) }

    private mutating func enterPool(_ i: Int) {
        let p = poolSlot(i)
        pools[p].append(Int32(i))
        poolLive[p] += 1
    }

    @inline(__always) private func isHeld(_ i: Int) -> Bool { flags[i].contains(.held) }

    /// Moves instance `i` to state `s`, keeping the counts.
    @inline(__always) private mutating func move(_ i: Int, to s: InstanceState) {
        let old = state[i]
        if !isHeld(i) {
            counts[slot(config[i], old)] -= 1
            counts[slot(config[i], s)] += 1
            let was = old.isPooled, will = s.isPooled
            if was && !will { poolLive[poolSlot(i)] -= 1 } else if will && !was { enterPool(i) }
        } else if old == S.serving && s == S.terminated {
            heldServing -= 1
        }
        if s == S.terminated && old != S.standby { zoneActive[Int(zone[i])] -= 1 }
        state[i] = s
    }

    private mutating func schedule(_ kind: E, at time: Double, instance: Int32 = -1) {
        order &+= 1
        let event = Event(time: time, order: order, instance: instance, kind: kind)
        // A lane only takes events in order (a refunded token can make a reservation earlier): else the heap.
        let queued = Self.lane(of: kind).map { lane in
            lanes.withUnsafeMutableBufferPointer { lanes in
                guard lanes[lane].last.map({ !(event < $0) }) ?? true else { return false }
                lanes[lane].append(event)
                return true
            }
        } ?? false
        if !queued { heap.insert(event) }
    }

    /// The FIFO lane of the kinds always scheduled at a fixed delay (nil: the heap).
    @inline(__always) private static func lane(of kind: E) -> Int? {
        switch kind {
        case .launchStart: 0
        case .warmed: 1
        case .retryDone: 2
        default: nil
        }
    }

    /// The next event: the earliest of the heap's and the lanes' heads, and where it is (-1: the heap).
    @inline(__always) private func peek() -> (Event, Int)? {
        var best = heap.min
        var from = -1
        lanes.withUnsafeBufferPointer { lanes in
            for lane in 0..<lanes.count {
                if let h = lanes[lane].first, best.map({ h < $0 }) ?? true { best = h; from = lane }
            }
        }
        return best.map { ($0, from) }
    }

    @inline(__always) private mutating func remove(from source: Int) {
        if source >= 0 { lanes.withUnsafeMutableBufferPointer { $0[source].removeFirst() } } else { heap.removeMin() }
    }

    private mutating func log(_ kind: TimelineEvent.Kind, _ i: Int = -1, _ detail: String? = nil, status: RefreshStatus? = nil) {
        guard record else { return }
        let version: Int8 = i < 0 ? -1 : (config[i] == 0 ? 0 : 1)
        timeline.append(TimelineEvent(time: now, kind: kind, instance: Int32(i), zone: i < 0 ? -1 : Int16(zone[i]), version: version, detail: detail, status: status))
    }

    private mutating func setStatus(_ s: RefreshStatus, _ reason: String? = nil) {
        status = s
        if let reason { statusReason = reason }
        log(.status, -1, reason.map { "\(s.rawValue): \($0)" } ?? s.rawValue, status: s)
        // A canary's baseline exists for the comparison only: it never outlives the refresh, however it ends.
        if s.isFinal || s == .cancelling { removeBaseline() }
        if s.isFinal { endTime = now }
    }

    /// Terminates the baseline instances still there; how many.
    @discardableResult
    private mutating func removeBaseline(_ limit: Int = .max) -> Int {
        guard baselineRequested > 0 else { return 0 }
        var done = 0
        for i in 0..<state.count where done < limit && flags[i].contains(.baseline) && state[i] != S.terminated && !isHeld(i) {
            terminate(i)
            done += 1
        }
        return done
    }

    private func side(_ wantOutdated: Bool) -> SideCounts {
        var r = SideCounts()
        counts.withUnsafeBufferPointer { n in
            for c in 0..<Self.configs where outdated[c] == wantOutdated {
                let b = c * S.count
                r.pending += n[b + S.queued.index] + n[b + S.booting.index] + n[b + S.failed.index]
                r.warming += n[b + S.warming.index]
                r.serving += n[b + S.serving.index]
                r.idle += n[b + S.idle.index]
                r.swapping += n[b + S.swapping.index]
            }
        }
        if wantOutdated { r.held = heldWaiting }
        return r
    }

    public func snapshot() -> FleetSnapshot {
        let current = side(false), old = side(true)
        let denominator = max(1, desired - heldServing)
        let done = min(current.ready, denominator)
        return FleetSnapshot(
            time: now, status: status, desiredCapacity: desired, zones: spec.zones.count, preferences: preferences, warmupSeconds: warmup,
            current: current, outdated: old, heldInService: heldServing, rollingBack: rollingBack, alarm: alarm, lastCheckpoint: lastCheckpoint,
            percentageComplete: done * 100 / denominator, instancesToUpdate: max(0, denominator - done),
            newLaunched: launchedNew, newUnhealthy: unhealthyNew, baselineLaunched: baselineLaunched, baselineUnhealthy: baselineUnhealthy)
    }

    /// The most instances the refresh may have (in service, healthy or pending): MaxHealthyPercentage of
    /// desired, rounded down, never below desired; desired itself when Max is omitted. When Max is given
    /// but the bounds leave no room to replace anything (Min 100 / Max 100, or a small group whose Max
    /// adds no whole instance), one more than desired: AWS's API reference (RefreshPreferences,
    /// MaxHealthyPercentage): "When MaxHealthyPercentage is explicitly set and it is mathematically
    /// impossible to replace instances while honoring both MinHealthyPercentage and MaxHealthyPercentage
    /// bounds simultaneously, Auto Scaling launches a new instance before terminating an old one
    /// (temporarily exceeding the desired capacity)."
    @inline(__always) static func ceiling(desired: Int, min: Int, max: Int?) -> Int {
        guard let max else { return desired }
        let ceiling = Swift.max(desired, desired * max / 100)
        if desired > 0, ceiling <= desired, (desired * min + 99) / 100 >= desired { return desired + 1 }
        return ceiling
    }

    /// The fewest instances that must stay in service: MinHealthyPercentage of desired, rounded up. When
    /// Max is omitted and that is all of desired, one less: the same reference, "When MaxHealthyPercentage
    /// is omitted, Auto Scaling terminates an instance and launches its replacement simultaneously."
    @inline(__always) static func floor(desired: Int, min: Int, max: Int?) -> Int {
        let floor = (desired * min + 99) / 100
        return max == nil && desired > 0 ? Swift.min(floor, desired - 1) : floor
    }

    private var servingTotal: Int {
        var n = heldServing
        for c in 0..<Self.configs { n += counts[c * S.count + S.serving.index] }
        return n
    }

    private var activeTotal: Int {
        var n = heldServing
        for c in 0..<Self.configs {
            let b = c * S.count
            // Every state but standby and terminated occupies capacity.
            n += counts[b + S.queued.index] + counts[b + S.booting.index] + counts[b + S.warming.index] + counts[b + S.serving.index]
                + counts[b + S.idle.index] + counts[b + S.swapping.index] + counts[b + S.failed.index]
        }
        return n
    }

    // MARK: Running

    /// Runs the refresh to a final status.
    public mutating func run() -> RolloutResult {
        scheduleWorld()
        setStatus(.pending)
        setStatus(.inProgress)
        terminateReleasedStandby()
        decide()
        observe()
        while !status.isFinal {
            let deadline = lastProgress + Self.blockedLimit
            let watching = status == .inProgress || status == .rollbackInProgress
            if let (next, _) = peek(), !(watching && next.time > deadline) {
                if next.time > Self.horizon {
                    now = Self.horizon
                    finishFailed("the simulation passed its horizon of 7 days")
                    break
                }
                now = next.time
                dirty = false
                while let (e, source) = peek(), e.time == now {
                    remove(from: source)
                    eventCount += 1
                    if e.kind != .launchStart && e.kind != .inService { dirty = true }
                    process(e)
                }
            } else if watching {
                now = max(now, deadline)
                dirty = true
                blocked()
            } else {
                // Nothing left to happen (e.g. cancelling with nothing pending).
                settleCancel()
                if !status.isFinal { finishFailed("the refresh stalled with nothing left to do") }
                break
            }
            if dirty { decide() }
            settleCancel()
            if dirty || record { observe() }
        }
        return result()
    }

    private mutating func scheduleWorld() {
        if let t = world.alarmAt { schedule(.alarm, at: t) }
        if let z = world.outageZone { schedule(.outage, at: world.outageAt, instance: Int32(z)) }
        if let z = world.iceZone { schedule(.ice, at: world.iceAt, instance: Int32(z)) }
        for (i, c) in world.capacityChanges.enumerated() { schedule(.scale, at: c.at, instance: Int32(i)) }
        if let t = world.cancelAt { schedule(.cancel, at: t) }
    }

    /// StandbyInstances=Terminate: Standby instances are terminated, not replaced.
    private mutating func terminateReleasedStandby() {
        guard preferences.standbyInstances == .replace else { return }
        for i in 0..<state.count where state[i] == S.standby && !isHeld(i) { terminate(i) }
    }

    private mutating func process(_ e: Event) {
        let i = Int(e.instance)
        switch e.kind {
        case .launchStart:
            guard state[i] == S.queued else { return }
            start(i)
        case .inService:
            guard state[i] == S.booting else { return }
            enterService(i, .inService)
        case .warmed:
            guard state[i] == S.warming else { return }
            warmed(i)
        case .unhealthy:
            let s = state[i]
            guard s == S.warming || s == S.serving || s == S.idle else { return }
            if s == S.serving { faultSinceHealthy = true }
            log(.unhealthy, i)
            unhealthyReplaced += 1
            if flags[i].contains(.baseline) { baselineUnhealthy += 1 } else { unhealthyNew += 1 }
            terminate(i)
            if let limit = world.alarmUnhealthyFraction, launchedNew >= 5, Double(unhealthyNew) / Double(launchedNew) > limit, !alarm {
                raiseAlarm("the unhealthy share of new instances passed \(Int(limit * 100))%")
            }
        case .retryDone:
            guard state[i] == S.failed else { return }
            move(i, to: S.terminated)
        case .swapDone:
            guard state[i] == S.swapping else { return }
            counts[slot(config[i], S.swapping)] -= 1
            config[i] = target
            counts[slot(config[i], S.swapping)] += 1
            enterService(i, .rootVolumeReplaced)
        case .wake:
            break
        case .bakeDone:
            if status == .baking { setStatus(.successful) }
        case .alarm:
            raiseAlarm("the alarm went into ALARM")
        case .outage:
            zoneDown[i] = true
            zoneAvoid[i] = true
            faultSinceHealthy = true
            log(.fault, -1, "availability zone \(spec.zones[i]) lost")
            for j in 0..<state.count where Int(zone[j]) == i && state[j] != S.terminated {
                if isHeld(j) { releaseHeld(j) }
                terminate(j)
            }
        case .ice:
            iceActive[i] = true
            log(.fault, -1, "InsufficientInstanceCapacity in \(spec.zones[i])")
        case .scale:
            let change = world.capacityChanges[i]
            log(.fault, -1, "desired capacity \(desired) -> \(change.desired)")
            faultSinceHealthy = true
            desired = change.desired
            shrink()
        case .cancel:
            guard !status.isFinal, status != .cancelling else { return }
            log(.fault, -1, "CancelInstanceRefresh")
            setStatus(.cancelling, "cancelled by the user")
            for j in 0..<state.count where state[j] == S.queued { terminate(j) }
        }
    }

    /// InService (booted, or rebooted on a new root volume). Health checks start once the grace period
    /// (counted from InService) is over; an instance counts as ready (in service, and replaced when it is on the configuration the
    /// refresh moves to) only once it has passed its first health check and its warm-up has passed. An
    /// unhealthy one never does: it is found out `healthCheckDetection` after its first check and replaced.
    private mutating func enterService(_ i: Int, _ kind: TimelineEvent.Kind) {
        move(i, to: S.warming)
        log(kind, i)
        // "The health check grace period specifies the minimum amount of time (in seconds) to keep a new
        // instance in service before terminating it if it's found to be unhealthy" (user guide): it counts
        // from InService, and "Amazon EC2 Auto Scaling waits until the health check grace period ends
        // before checking the health status of the instance."
        let firstCheck = now + Double(spec.healthCheckGracePeriod)
        if flags[i].contains(.unhealthy) {
            schedule(.unhealthy, at: firstCheck + world.healthCheckDetection, instance: Int32(i))
            return
        }
        let ready = max(now + warmup, firstCheck)
        if ready <= now { warmed(i) } else { schedule(.warmed, at: ready, instance: Int32(i)) }
    }

    private mutating func releaseHeld(_ i: Int) {
        if state[i] == S.serving { heldServing -= 1 }
        let waits = state[i] == S.standby ? preferences.standbyInstances == .wait : preferences.scaleInProtectedInstances == .wait
        if waits && outdated[Int(config[i])] { heldWaiting -= 1 }
        flags[i].remove(.held)
        counts[slot(config[i], state[i])] += 1
        if state[i].isPooled { enterPool(i) }
    }

    private mutating func warmed(_ i: Int) {
        dirty = true
        move(i, to: flags[i].contains(.servesWhenReady) ? S.serving : S.idle)
        log(.replaced, i)
        if !outdated[Int(config[i])] {
            if rollingBack { rolledBackCount += 1 } else { replacedCount += 1 }
            lastProgress = max(lastProgress, now)
        }
    }

    private mutating func start(_ i: Int) {
        let z = Int(zone[i])
        if zoneDown[z] || iceActive[z] || rng.chance(world.launchFailureRate) {
            failedLaunches += 1
            if iceActive[z] || zoneDown[z] { zoneAvoid[z] = true }
            move(i, to: S.failed)
            log(.launchFailed, i, zoneDown[z] ? "zone unavailable" : (iceActive[z] ? "InsufficientInstanceCapacity" : "RunInstances failed"))
            schedule(.retryDone, at: now + world.launchRetryDelay, instance: Int32(i))
            return
        }
        launched += 1
        let isBaseline = flags[i].contains(.baseline)
        if isBaseline { baselineLaunched += 1 } else if config[i] != 0 || !rollingBack { launchedNew += 1 }
        // A bad new image makes new instances unhealthy; the previous configuration (a rollback's, a baseline's) stays healthy.
        if rng.chance(world.unhealthyRate) && !rollingBack && !isBaseline { flags[i].insert(.unhealthy) }
        move(i, to: S.booting)
        log(.launched, i)
        schedule(.inService, at: now + world.boot.sample(&rng), instance: Int32(i))
    }

    /// Terminates instance `i` (any state but terminated).
    private mutating func terminate(_ i: Int) {
        let s = state[i]
        guard s != S.terminated else { return }
        // A launch still waiting for a RunInstances token gives its reservation back.
        if s == S.queued { tokens += 1 }
        move(i, to: S.terminated)
        if s != S.queued && s != S.failed { terminatedCount += 1 }
        log(.terminated, i)
    }

    // MARK: Decisions

    private mutating func decide() {
        guard status == .inProgress || status == .rollbackInProgress || status == .baking else { return }
        guard status != .baking, now >= holdUntil else {
            // Holding (a checkpoint, baking): the group still replaces lost capacity, on the current configuration.
            let deficit = desired - activeTotal
            for _ in 0..<max(0, deficit) { launch(zone: nil, serving: true) }
            return
        }
        for _ in 0..<8 {
            let actions: [RolloutAction]
            do {
                actions = try strategy.decide(snapshot())
            } catch {
                log(.strategyError, -1, "\(error)")
                finishFailed("the strategy failed: \(error)")
                return
            }
            if actions.isEmpty { return }
            var again = false
            for a in actions {
                guard status == .inProgress || status == .rollbackInProgress else { return }
                again = apply(a) || again
            }
            if !again { return }
        }
    }

    /// Carries out one action; true when the strategy should be asked again at once.
    private mutating func apply(_ action: RolloutAction) -> Bool {
        switch action {
        case .launch(let n, let z, let serving):
            for _ in 0..<max(0, n) { launch(zone: z, serving: serving) }
            return n > 0
        case .launchBaseline(let n):
            guard n > 0 else { return false }
            log(.baseline, -1, "baseline: \(n) on the previous version")
            baselineRequested += n
            for _ in 0..<n { launch(zone: nil, serving: true, baseline: true) }
            return true
        case .terminateBaseline(let n):
            if removeBaseline(n) > 0 { log(.baseline, -1, "baseline removed") }
            // Asked again even when nothing was left to remove (its launches failed, a zone or a scale-in
            // took it): the strategy moves on instead of waiting for an event that never comes.
            return true
        case .terminate(let n, let old):
            let side = side(old)
            var notServing = side.pending + side.warming + side.idle
            var done = 0
            while done < n, terminateOne(outdated: old, notServingFirst: &notServing) { done += 1 }
            return done > 0
        case .setServing(let n, let old, let serving):
            return setServing(n, outdated: old, serving: serving) > 0
        case .replaceRootVolume(let n):
            var done = 0
            while done < n, swapOne() { done += 1 }
            return done > 0
        case .wait(let until):
            guard until > now else { return false }
            schedule(.wake, at: until)
            lastProgress = max(lastProgress, until)
            return false
        case .checkpoint(let p):
            guard p > lastCheckpoint else { return false }
            lastCheckpoint = p
            checkpoints.append(p)
            log(.checkpoint, -1, "\(p)%")
            let delay = Double(preferences.effectiveCheckpointDelay)
            holdUntil = now + delay
            lastProgress = max(lastProgress, holdUntil)
            if delay > 0 { schedule(.wake, at: holdUntil); return false }
            return true
        case .rollback(let reason):
            startRollback(reason)
            return true
        case .complete:
            // No checkpoint is reported for 100 %: the refresh simply completes.
            if rollingBack {
                setStatus(.rollbackSuccessful, rollbackReason)
            } else if preferences.bakeTime > 0 {
                setStatus(.baking)
                schedule(.bakeDone, at: now + Double(preferences.bakeTime))
            } else {
                setStatus(.successful)
            }
            return false
        case .fail(let reason):
            finishFailed(reason)
            return false
        }
    }

    private mutating func launch(zone requested: Int?, serving: Bool, baseline: Bool = false) {
        let z: Int
        if let requested, (0..<spec.zones.count).contains(requested) {
            z = requested
        } else {
            var best = -1
            for c in 0..<spec.zones.count where !zoneAvoid[c] {
                if best < 0 || zoneActive[c] < zoneActive[best] { best = c }
            }
            z = best < 0 ? (0..<spec.zones.count).min { zoneActive[$0] < zoneActive[$1] } ?? 0 : best
        }
        let i = state.count
        var f: InstanceFlags = serving ? [.servesWhenReady] : []
        if baseline { f.insert(.baseline) }
        append(config: baseline ? 0 : target, state: S.queued, zone: UInt8(z), flags: f)
        log(.launchRequested, i)
        // RunInstances' token bucket: each instance takes a token; without one, it waits for the refill.
        tokens = min(world.launchBurst, tokens + (now - tokenTime) * world.launchRatePerSecond)
        tokenTime = now
        if tokens >= 1 {
            tokens -= 1
            eventCount += 1
            start(i)
        } else {
            let wait = (1 - tokens) / world.launchRatePerSecond
            tokens -= 1
            schedule(.launchStart, at: now + wait, instance: Int32(i))
        }
    }

    /// Takes one instance from the fullest zone's pool of the chosen side (newest first), trying the
    /// next fullest pool when none in it is acceptable.
    private mutating func pick(outdated wantOutdated: Bool, where accept: (InstanceState) -> Bool) -> Int? {
        let zones = spec.zones.count
        var tried: UInt64 = 0
        while true {
            var best = -1
            for c in 0..<Self.configs where outdated[c] == wantOutdated {
                for z in 0..<zones where poolLive[c * zones + z] > 0 && tried & (1 << UInt64(c * zones + z)) == 0 {
                    if best < 0 || poolLive[c * zones + z] > poolLive[best] { best = c * zones + z }
                }
            }
            guard best >= 0 else { return nil }
            tried |= 1 << UInt64(best)
            // Stale entries (instances that left the pool) are dropped from the top as they are met.
            while let last = pools[best].last, !state[Int(last)].isPooled || isHeld(Int(last)) || poolSlot(Int(last)) != best {
                pools[best].removeLast()
            }
            var index = pools[best].count - 1
            while index >= 0 {
                let i = Int(pools[best][index])
                if state[i].isPooled && !isHeld(i) && poolSlot(i) == best && accept(state[i]) {
                    pools[best].remove(at: index)
                    return i
                }
                index -= 1
            }
        }
    }

    /// Terminates one instance of the side: one not serving first (it costs no capacity), else the
    /// fullest zone's newest.
    private mutating func terminateOne(outdated wantOutdated: Bool, notServingFirst notServing: inout Int) -> Bool {
        if notServing > 0 {
            if let i = pick(outdated: wantOutdated, where: { $0 != .serving }) {
                notServing -= 1
                terminate(i)
                return true
            }
            notServing = 0
        }
        guard let i = pick(outdated: wantOutdated, where: { _ in true }) else { return false }
        terminate(i)
        return true
    }

    private mutating func swapOne() -> Bool {
        guard let i = pick(outdated: true, where: { $0 == .serving || $0 == .idle }) else { return false }
        if state[i] == S.serving { flags[i].insert(.servesWhenReady) } else { flags[i].remove(.servesWhenReady) }
        move(i, to: S.swapping)
        if rng.chance(world.unhealthyRate) && !rollingBack { flags[i].insert(.unhealthy) } else { flags[i].remove(.unhealthy) }
        // The root volume is replaced from the new image's snapshot and the instance reboots.
        schedule(.swapDone, at: now + 30 + world.boot.sample(&rng), instance: Int32(i))
        return true
    }

    @discardableResult
    private mutating func setServing(_ n: Int, outdated wantOutdated: Bool, serving: Bool) -> Int {
        var changed = 0
        let from = serving ? S.idle : S.serving, to = serving ? S.serving : S.idle
        for i in 0..<state.count where changed < n && state[i] == from && !isHeld(i) && outdated[Int(config[i])] == wantOutdated {
            move(i, to: to)
            if serving { flags[i].insert(.servesWhenReady) } else { flags[i].remove(.servesWhenReady) }
            changed += 1
        }
        // Instances still warming follow the switch when they become ready.
        if changed < n {
            for i in 0..<state.count where changed < n && (state[i] == S.warming || state[i] == S.booting || state[i] == S.queued) && !isHeld(i)
                && outdated[Int(config[i])] == wantOutdated && flags[i].contains(.servesWhenReady) != serving {
                if serving { flags[i].insert(.servesWhenReady) } else { flags[i].remove(.servesWhenReady) }
                changed += 1
            }
        }
        if changed > 0 { log(.servingChanged, -1, "\(changed) \(wantOutdated ? "outdated" : "current") instance(s) \(serving ? "registered" : "deregistered")") }
        return changed
    }

    /// Desired capacity went down: terminate the surplus, outdated first.
    private mutating func shrink() {
        if strategy.runsTwoGroups {
            // Two server groups: each is sized to the new desired capacity, the one not serving losing its
            // instances that do not serve first, so the serving group never drops below it because of the
            // other (Spinnaker pins the old group's capacity during a red/black deployment).
            let wanted = max(0, desired - heldServing)
            for old in [true, false] {
                let side = side(old)
                var surplus = side.active - wanted
                var notServing = side.pending + side.warming + side.idle
                while surplus > 0, terminateOne(outdated: old, notServingFirst: &notServing) { surplus -= 1 }
            }
            log(.fault, -1, "each server group sized to \(wanted) (the groups are pinned apart: a capacity change never empties the serving one)")
            return
        }
        var surplus = activeTotal - heldServing - max(0, desired - heldServing)
        for old in [true, false] {
            let side = side(old)
            var notServing = side.pending + side.warming + side.idle
            while surplus > 0, terminateOne(outdated: old, notServingFirst: &notServing) { surplus -= 1 }
        }
    }

    private mutating func raiseAlarm(_ reason: String) {
        alarm = true
        log(.fault, -1, reason)
        switch status {
        case .inProgress, .baking:
            if preferences.autoRollback { startRollback(reason) } else { finishFailed(reason) }
        default: break
        }
    }

    private mutating func blocked() {
        let reason = "no instance was replaced for an hour"
        if status == .rollbackInProgress {
            failureReason = reason
            setStatus(.rollbackFailed, reason)
        } else if preferences.autoRollback {
            startRollback(reason)
        } else {
            finishFailed(reason)
        }
    }

    private mutating func finishFailed(_ reason: String) {
        failureReason = reason
        setStatus(status == .rollbackInProgress ? .rollbackFailed : .failed, reason)
    }

    private mutating func startRollback(_ reason: String) {
        guard !rollingBack else { return }
        rollingBack = true
        rollbackReason = reason
        target = 0
        outdated = [false, true, false]
        // Held instances waiting on the new configuration no longer block; previous ones now match.
        heldWaiting = 0
        holdUntil = now
        lastProgress = now
        lastCheckpoint = 0
        setStatus(.rollbackInProgress, reason)
        for j in 0..<state.count where state[j] == S.queued && config[j] != 0 { terminate(j) }
    }

    private mutating func settleCancel() {
        guard status == .cancelling else { return }
        var inFlight = 0
        for c in 0..<Self.configs {
            let b = c * S.count
            inFlight += counts[b + S.queued.index] + counts[b + S.booting.index] + counts[b + S.swapping.index]
        }
        if inFlight == 0 { setStatus(.cancelled, "cancelled by the user") }
    }

    /// After each instant: capacity figures, the floor and ceiling checks, a chart sample.
    private mutating func observe() {
        let inService = servingTotal
        let active = activeTotal
        let ceiling = Self.ceiling(desired: desired, min: preferences.minHealthyPercentage, max: preferences.maxHealthyPercentage)
        let floor = Self.floor(desired: desired, min: preferences.minHealthyPercentage, max: preferences.maxHealthyPercentage)
        minInService = min(minInService, inService)
        maxInService = max(maxInService, inService)
        maxActive = max(maxActive, active)
        if inService >= floor {
            faultSinceHealthy = false
        } else if !faultSinceHealthy {
            unexplainedBreaches += 1
        }
        if active > ceiling { ceilingBreaches += 1 }
        guard record else { return }
        var prevServing = 0, newServing = 0, pending = 0, warming = 0, idle = 0
        for c in 0..<Self.configs {
            let b = c * S.count
            if c == 0 { prevServing += counts[b + S.serving.index] } else { newServing += counts[b + S.serving.index] }
            pending += counts[b + S.queued.index] + counts[b + S.booting.index] + counts[b + S.failed.index] + counts[b + S.swapping.index]
            warming += counts[b + S.warming.index]
            idle += counts[b + S.idle.index]
        }
        prevServing += heldServing
        let sample = FleetSample(time: now, servingPrevious: Int32(prevServing), servingNew: Int32(newServing), pending: Int32(pending), warming: Int32(warming),
                                 idle: Int32(idle), desired: Int32(desired), floor: Int32(floor))
        if let last = samples.last, last.time == now {
            samples[samples.count - 1] = sample
        } else if samples.last.map({ $0.servingPrevious != sample.servingPrevious || $0.servingNew != sample.servingNew || $0.pending != sample.pending
            || $0.warming != sample.warming || $0.idle != sample.idle || $0.desired != sample.desired || $0.floor != sample.floor }) ?? true {
            samples.append(sample)
        }
    }

    private func result() -> RolloutResult {
        let snap = snapshot()
        var percentage = snap.percentageComplete
        if rollingBack {
            // DescribeInstanceRefreshes: during a rollback PercentageComplete goes back down towards 0;
            // it is the share of desired capacity still ready on the configuration the refresh moved to.
            var onNew = 0
            for c in 1..<Self.configs { onNew += counts[slot(UInt8(c), S.serving)] + counts[slot(UInt8(c), S.idle)] }
            let denominator = max(1, desired - heldServing)
            percentage = min(onNew, denominator) * 100 / denominator
        }
        var finals: [FinalInstance] = []
        for i in 0..<state.count where state[i] != S.terminated && state[i] != S.failed {
            finals.append(FinalInstance(initialIndex: i < spec.instances.count ? i : nil, zone: Int(zone[i]), onNewVersion: config[i] != 0, standby: state[i] == S.standby))
        }
        return RolloutResult(
            strategy: strategyName, seed: seed, status: status, durationSeconds: endTime, minInService: minInService == .max ? 0 : minInService,
            maxInService: maxInService, desiredCapacity: desired, healthyFloor: snap.healthyFloor, healthyCeiling: snap.healthyCeiling, maxActive: maxActive,
            launched: launched, terminated: terminatedCount, replaced: replacedCount, rolledBack: rolledBackCount, failedLaunches: failedLaunches, unhealthyReplaced: unhealthyReplaced,
            checkpointsReached: checkpoints, rollbackReason: rollbackReason, failureReason: failureReason, statusReason: statusReason,
            percentageComplete: percentage, events: eventCount, unexplainedFloorBreaches: unexplainedBreaches, ceilingBreaches: ceilingBreaches,
            timeline: timeline, samples: samples, finalInstances: finals, previousVersion: spec.previousVersion, newVersion: spec.newVersion,
            warmupSeconds: warmup, healthCheckGracePeriod: spec.healthCheckGracePeriod)
    }
}
