import Testing
import IngotCore
import IngotRollout
import Rolling

/// AWS's documented instance refresh examples, run through the engine.
@Suite struct RollingTests {
    static func run(_ spec: FleetSpec = .uniform(size: 10), world: World = World(), seed: UInt64 = 7,
                    _ configure: (inout RefreshPreferences) -> Void = { _ in }) throws -> RolloutResult {
        var p = RefreshPreferences()
        configure(&p)
        var sim = try RolloutSimulation(spec: spec, preferences: p, world: world, strategy: RollingStrategy(parameters: [:]), seed: seed, record: true)
        return sim.run()
    }

    /// The most instances waiting to launch or booting at one instant.
    static func largestBatch(_ r: RolloutResult) -> Int { Int(r.samples.map { $0.pending }.max() ?? 0) }

    @Test("Min 90 (default), Max omitted: ten instances are replaced one at a time")
    func oneAtATime() throws {
        let r = try Self.run()
        #expect(r.status == .successful)
        #expect(r.launched == 10 && r.terminated == 10 && r.replaced == 10)
        #expect(Self.largestBatch(r) == 1)
        #expect(r.minInService == 9)
        #expect(r.maxActive == 10)
        #expect(r.finalInstances.allSatisfy { $0.onNewVersion })
    }

    @Test("Min 100 / Max 110: a new instance is launched before an old one is terminated")
    func launchFirst() throws {
        let r = try Self.run { $0.minHealthyPercentage = 100; $0.maxHealthyPercentage = 110 }
        #expect(r.status == .successful, "\(r.statusReason ?? "")")
        #expect(r.minInService == 10)
        #expect(r.maxActive == 11)
        let firstTerminate = try #require(r.timeline.first { $0.kind == .terminated })
        let firstReady = try #require(r.timeline.first { $0.kind == .replaced })
        #expect(firstTerminate.time >= firstReady.time)
    }

    @Test("Min 100 with Max omitted still replaces one at a time")
    func minHundredWithoutMax() throws {
        let r = try Self.run { $0.minHealthyPercentage = 100 }
        #expect(r.status == .successful)
        #expect(Self.largestBatch(r) == 1 && r.minInService == 9)
    }

    @Test("Min 0: everything is replaced at once")
    func allAtOnce() throws {
        let r = try Self.run { $0.minHealthyPercentage = 0 }
        #expect(r.status == .successful)
        #expect(Self.largestBatch(r) == 10)
        #expect(r.minInService == 0)
        #expect(r.timeline.filter { $0.kind == .terminated && $0.time == 0 }.count == 10)
    }

    @Test("Min 50 / Max 150 on 10 instances: batches of five launched ahead")
    func wideBatches() throws {
        let r = try Self.run { $0.minHealthyPercentage = 50; $0.maxHealthyPercentage = 150 }
        #expect(r.status == .successful)
        #expect(r.maxActive <= 15 && r.minInService >= 5)
    }

    @Test("Checkpoints 20 and 50 with a delay: the refresh pauses at each and stops at the last")
    func checkpoints() throws {
        let r = try Self.run { $0.checkpointPercentages = [20, 50]; $0.checkpointDelay = 600 }
        #expect(r.status == .successful)
        #expect(r.checkpointsReached == [20, 50])
        #expect(r.percentageComplete == 50)
        #expect(r.finalInstances.filter { $0.onNewVersion }.count == 5)
        let holds = r.timeline.filter { $0.kind == .checkpoint }.map(\.time)
        #expect(holds.count == 2)
        // Nothing is launched while holding at the first checkpoint.
        let launchesInHold = r.timeline.filter { $0.kind == .launchRequested && $0.time > holds[0] && $0.time < holds[0] + 600 }
        #expect(launchesInHold.isEmpty)
        // The last checkpoint (50, under 100) ends the refresh there, with no further delay.
        #expect(r.durationSeconds == holds[1])
    }

    @Test("Checkpoints already passed are skipped: 2 instances with [10, 40, 100]")
    func checkpointSkipping() throws {
        let r = try Self.run(.uniform(size: 2)) { $0.checkpointPercentages = [10, 40, 100]; $0.checkpointDelay = 300 }
        #expect(r.status == .successful)
        // No checkpoint is reported for 100 %.
        #expect(r.checkpointsReached == [40])
    }

    @Test("SkipMatching leaves instances already on the new configuration")
    func skipMatching() throws {
        let spec = FleetSpec.uniform(size: 10, matching: 4)
        let skipping = try Self.run(spec) { $0.skipMatching = true }
        #expect(skipping.status == .successful && skipping.launched == 6)
        let all = try Self.run(spec)
        #expect(all.status == .successful && all.launched == 10)
    }

    @Test("Scale-in protected instances under Wait block the refresh, which fails after an hour")
    func protectedWait() throws {
        let r = try Self.run(.uniform(size: 10, protected: 2))
        #expect(r.status == .failed)
        #expect(r.failureReason?.contains("an hour") == true)
        let lastReplaced = try #require(r.timeline.last { $0.kind == .replaced }).time
        #expect(abs(r.durationSeconds - (lastReplaced + 3600)) < 1)
        #expect(r.finalInstances.filter { !$0.onNewVersion }.count == 2)
    }

    @Test("Protected instances: Ignore completes without them, Refresh replaces them")
    func protectedIgnoreAndRefresh() throws {
        let ignored = try Self.run(.uniform(size: 10, protected: 2)) { $0.scaleInProtectedInstances = .ignore }
        #expect(ignored.status == .successful)
        #expect(ignored.finalInstances.filter { !$0.onNewVersion }.count == 2 && ignored.launched == 8)
        let refreshed = try Self.run(.uniform(size: 10, protected: 2)) { $0.scaleInProtectedInstances = .replace }
        #expect(refreshed.status == .successful && refreshed.finalInstances.allSatisfy { $0.onNewVersion })
    }

    @Test("Standby instances: Terminate removes them, Ignore keeps them, Wait fails")
    func standby() throws {
        let terminated = try Self.run(.uniform(size: 6, standby: 2)) { $0.standbyInstances = .replace }
        #expect(terminated.status == .successful && terminated.finalInstances.count == 6)
        let ignored = try Self.run(.uniform(size: 6, standby: 2)) { $0.standbyInstances = .ignore }
        #expect(ignored.status == .successful && ignored.finalInstances.filter { $0.standby }.count == 2)
        let waited = try Self.run(.uniform(size: 6, standby: 2))
        #expect(waited.status == .failed)
    }

    @Test("A bad AMI with AutoRollback: blocked for an hour, rolled back to the saved configuration")
    func badImageRollsBack() throws {
        var world = World()
        world.unhealthyRate = 1
        let r = try Self.run(world: world) { $0.autoRollback = true }
        #expect(r.status == .rollbackSuccessful)
        #expect(r.rollbackReason?.contains("an hour") == true)
        #expect(r.finalInstances.count == 10 && r.finalInstances.allSatisfy { !$0.onNewVersion })
        #expect(r.unhealthyReplaced > 0)
        #expect(r.timeline.contains { $0.kind == .status && $0.detail?.hasPrefix("RollbackInProgress") == true })
    }

    @Test("A bad AMI without AutoRollback fails and leaves the fleet above the floor")
    func badImageFails() throws {
        var world = World()
        world.unhealthyRate = 1
        let r = try Self.run(world: world)
        #expect(r.status == .failed)
        // A bad instance never passes its first health check, so it never counts in service: the refresh
        // replaces it again and again, one slot at a time, and in service stays at the floor.
        #expect(r.unexplainedFloorBreaches == 0 && r.minInService == 9 && r.replaced == 0)
        #expect(r.unhealthyReplaced > 0 && r.launched == r.unhealthyReplaced + 1)
    }

    @Test("An alarm rolls back with AutoRollback, and fails the refresh without it")
    func alarm() throws {
        var world = World()
        world.alarmAt = 1000
        let rolledBack = try Self.run(world: world) { $0.autoRollback = true }
        #expect(rolledBack.status == .rollbackSuccessful)
        #expect(rolledBack.rollbackReason?.contains("ALARM") == true)
        #expect(rolledBack.finalInstances.allSatisfy { !$0.onNewVersion })
        let failed = try Self.run(world: world)
        #expect(failed.status == .failed && failed.durationSeconds == 1000)
    }

    @Test("BakeTime: the refresh reports Baking before Successful, and an alarm while baking rolls back")
    func bake() throws {
        let r = try Self.run { $0.bakeTime = 900 }
        let statuses = r.timeline.filter { $0.kind == .status }.compactMap(\.detail)
        #expect(statuses.suffix(2) == ["Baking", "Successful"])
        let baking = try #require(r.timeline.first { $0.detail == "Baking" }).time
        #expect(r.durationSeconds == baking + 900)

        var world = World()
        world.alarmAt = baking + 100
        let alarmed = try Self.run(world: world) { $0.bakeTime = 900; $0.autoRollback = true }
        #expect(alarmed.status == .rollbackSuccessful)
    }

    @Test("Cancel stops the refresh once the launches in flight are done")
    func cancel() throws {
        var world = World()
        world.cancelAt = 500
        let r = try Self.run(world: world)
        #expect(r.status == .cancelled)
        #expect(r.durationSeconds >= 500)
        #expect(r.finalInstances.contains { $0.onNewVersion } && r.finalInstances.contains { !$0.onNewVersion })
    }

    @Test("Scaling out during a refresh launches the new capacity on the new configuration")
    func scaleOut() throws {
        var world = World()
        world.capacityChanges = [.init(at: 400, desired: 16)]
        let r = try Self.run(world: world)
        #expect(r.status == .successful)
        #expect(r.finalInstances.count == 16 && r.finalInstances.allSatisfy { $0.onNewVersion })
    }

    @Test("Scaling in during a refresh terminates outdated instances first")
    func scaleIn() throws {
        var world = World()
        world.capacityChanges = [.init(at: 400, desired: 4)]
        let r = try Self.run(world: world)
        #expect(r.status == .successful)
        #expect(r.finalInstances.count == 4 && r.launched < 10)
    }

    @Test("An AZ outage loses the zone's instances; the refresh finishes in the other zones")
    func outage() throws {
        var world = World()
        world.outageZone = 0
        world.outageAt = 700
        let r = try Self.run(.uniform(size: 12), world: world)
        #expect(r.status == .successful)
        #expect(r.finalInstances.count == 12 && !r.finalInstances.contains { $0.zone == 0 })
        #expect(r.timeline.contains { $0.kind == .fault && $0.detail?.contains("lost") == true })
    }

    @Test("InsufficientInstanceCapacity in one zone: launches there fail, then go elsewhere")
    func insufficientCapacity() throws {
        var world = World()
        world.iceZone = 1
        world.iceAt = 0
        let r = try Self.run(.uniform(size: 12), world: world)
        #expect(r.status == .successful)
        #expect(r.failedLaunches >= 1)
        #expect(r.timeline.contains { $0.kind == .launchFailed && $0.detail == "InsufficientInstanceCapacity" })
    }

    @Test("RunInstances' token bucket paces a large launch")
    func launchRateLimit() throws {
        let r = try Self.run(.uniform(size: 3000)) { $0.minHealthyPercentage = 0 }
        #expect(r.status == .successful)
        let lastLaunch = try #require(r.timeline.last { $0.kind == .launched }).time
        // 1,000 at once from the bucket, the other 2,000 at 2 a second.
        #expect(abs(lastLaunch - 999.5) < 1)
    }

    @Test("Launch failures are retried until the fleet is replaced")
    func launchFailures() throws {
        var world = World()
        world.launchFailureRate = 0.3
        let r = try Self.run(.uniform(size: 40), world: world)
        #expect(r.status == .successful)
        #expect(r.failedLaunches > 0 && r.launched == 40)
    }

    @Test("The same seed gives the same timeline; another seed another one")
    func deterministic() throws {
        var world = World()
        world.launchFailureRate = 0.1
        world.unhealthyRate = 0.1
        let a = try Self.run(.uniform(size: 50), world: world, seed: 42)
        let b = try Self.run(.uniform(size: 50), world: world, seed: 42)
        let c = try Self.run(.uniform(size: 50), world: world, seed: 43)
        #expect(a.timeline == b.timeline && a.samples == b.samples)
        #expect(a.timeline != c.timeline)
    }

    @Test("Preferences are validated as AWS does", arguments: [
        (101, nil, [], nil, "min-healthy-percentage"),
        (90, 99, [], nil, "max-healthy-percentage"),
        (50, 160, [], nil, "must not exceed 100"),
        (90, nil, [50, 20], nil, "ascending"),
        (90, nil, [20, 20], nil, "unique"),
        (90, nil, [], 60, "needs checkpoint-percentages"),
    ] as [(Int, Int?, [Int], Int?, String)])
    func validation(min: Int, max: Int?, checkpoints: [Int], delay: Int?, message: String) {
        var p = RefreshPreferences()
        p.minHealthyPercentage = min
        p.maxHealthyPercentage = max
        p.checkpointPercentages = checkpoints
        p.checkpointDelay = delay
        #expect { try p.validate() } throws: { "\($0)".contains(message) && ($0 as? IngotError)?.kind == .invalidInput }
    }
}
