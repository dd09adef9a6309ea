import Foundation
import PropertyBased
import Testing
import IngotCore
import IngotExternalStrategy
import IngotRollout
import AllAtOnce
import BlueGreen
import Canary
import ReplaceRootVolume
import Rolling
import RollingBlueGreen

@Suite struct StrategyTests {
    /// Every folder of Sources/Strategies, registered by the StrategyRegistry plugin.
    static let registry = StrategyRegistry.linked

    @Test("The registry has every strategy folder")
    func registryMatchesTheFolders() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Strategies")
        let folders = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(Self.registry.strategies.map { $0.name }.sorted() == folders)
    }

    static func world(_ configure: (inout World) -> Void) -> World {
        var w = World()
        configure(&w)
        return w
    }

    static func run(_ name: String, size: Int = 20, parameters: [String: String] = [:], world: World = World(),
                    _ configure: (inout RefreshPreferences) -> Void = { _ in }) throws -> RolloutResult {
        var p = RefreshPreferences()
        configure(&p)
        var sim = try RolloutSimulation(spec: .uniform(size: size), preferences: p, world: world,
                                        strategy: try registry.make(name, parameters: parameters), seed: 3, record: true)
        return sim.run()
    }

    @Test("Every built-in strategy replaces a healthy fleet", arguments: StrategyRegistry.linked.strategies.map { $0.name })
    func healthyDay(name: String) throws {
        let r = try Self.run(name)
        #expect(r.status == .successful, "\(r.statusReason ?? "")")
        #expect(r.finalInstances.filter(\.onNewVersion).count == 20)
        // Spinnaker's red/black leaves the old server group disabled unless asked to scale it down.
        let leftDisabled = try Self.registry.make(name, parameters: [:]).leavesOldGroup
        #expect(r.finalInstances.count == (leftDisabled ? 40 : 20))
    }

    @Test("Names are accepted case-insensitively; unknown names and parameters are refused")
    func names() throws {
        #expect(Self.registry.find("replacerootvolume") != nil)
        #expect(Self.registry.find("BLUEGREEN") != nil)
        #expect { try Self.registry.make("no-such-strategy", parameters: [:]) } throws: { "\($0)".contains("Rolling") }
        #expect { try Self.registry.make("canary", parameters: ["bake": "1m"]) } throws: { "\($0)".contains("canary-bake") }
        #expect { try Self.registry.make("canary", parameters: ["canary-bake": "soon"]) } throws: { ($0 as? IngotError)?.kind == .invalidInput }
    }

    @Test("ReplaceRootVolume launches nothing: instances keep their ids")
    func replaceRootVolume() throws {
        let r = try Self.run("ReplaceRootVolume")
        #expect(r.launched == 0 && r.terminated == 0)
        #expect(r.finalInstances.allSatisfy { $0.initialIndex != nil })
        #expect(r.timeline.filter { $0.kind == .rootVolumeReplaced }.count == 20)
        #expect(r.minInService >= 18)
    }

    @Test("Canary: the first batch is launched ahead and bakes before the rest rolls")
    func canary() throws {
        let r = try Self.run("Canary", parameters: ["canary-percentage": "10", "canary-bake": "15m"])
        #expect(r.status == .successful)
        let firstTerminate = try #require(r.timeline.first { $0.kind == .terminated }).time
        let canaryReady = try #require(r.timeline.filter { $0.kind == .replaced }.dropFirst().first).time
        #expect(firstTerminate >= canaryReady + 900)
        #expect(r.minInService >= 18)
    }

    @Test("Canary with a bad image rolls back (it turns AutoRollback on)")
    func canaryBadImage() throws {
        var world = World()
        world.alarmUnhealthyFraction = 0.5
        world.unhealthyRate = 1
        let r = try Self.run("Canary", world: world)
        #expect(r.status == .rollbackSuccessful)
        #expect(r.finalInstances.allSatisfy { !$0.onNewVersion })
    }

    /// Spinnaker, "Best practices for configuring canary": "always compare the canary against an
    /// equivalent baseline, deployed at the same time. The baseline uses the same version and
    /// configuration that is currently running in production, but is otherwise identical to the canary:
    /// Same time of deployment; Same size of deployment".
    @Test("Canary launches a same-size baseline on the previous version with the canary, and removes it once judged")
    func canaryBaseline() throws {
        let r = try Self.run("Canary", parameters: ["canary-percentage": "10", "canary-bake": "15m"])
        #expect(r.status == .successful)
        let firstLaunches = r.timeline.filter { $0.kind == .launched && $0.time == 0 }
        #expect(firstLaunches.filter { $0.version == 0 }.count == 2 && firstLaunches.filter { $0.version == 1 }.count == 2)
        let removed = try #require(r.timeline.first { $0.kind == .baseline && $0.detail == "baseline removed" }).time
        let canaryReady = try #require(r.timeline.last { $0.kind == .replaced && $0.version == 1 && $0.time < removed }).time
        #expect(removed >= canaryReady + 900)
        // The baseline's two instances go at the judgement; the group ends at desired, all new.
        #expect(r.finalInstances.count == 20 && r.finalInstances.allSatisfy(\.onNewVersion))
        #expect(r.minInService >= 18)
        let without = try Self.run("Canary", parameters: ["baseline": "false"])
        #expect(!without.timeline.contains { $0.kind == .baseline } && without.launched == 20)
    }

    @Test("A canary's baseline never outlives the refresh: cancelled, or gone before the judgement (a scale-in took it), the refresh goes on or ends without it")
    func baselineNeverStays() throws {
        let cancelled = try Self.run("Canary", world: Self.world { $0.cancelAt = 200 })
        #expect(cancelled.status == .cancelled)
        // 20 in service and the canaries launched before the cancel; no baseline among them.
        #expect(cancelled.finalInstances.filter { !$0.onNewVersion && $0.initialIndex == nil }.isEmpty, "\(cancelled.finalInstances.count)")
        // A scale-in during the bake removes idle and newest outdated instances first: the baseline. The
        // judgement then finds nothing to remove and the refresh rolls on (it used to wait for the hour).
        let r = try Self.run("Canary", world: Self.world { $0.capacityChanges = [World.CapacityChange(at: 500, desired: 18)] })
        #expect(r.status == .successful, "\(r.statusReason ?? "")")
        #expect(r.finalInstances.count == 18 && r.finalInstances.allSatisfy(\.onNewVersion))
    }

    @Test("Canary judged against its baseline: a bad image rolls back as soon as its unhealthy share passes the baseline's, leaving no baseline behind")
    func canaryJudgedAgainstBaseline() throws {
        var world = World()
        world.unhealthyRate = 1
        let r = try Self.run("Canary", world: world)
        #expect(r.status == .rollbackSuccessful)
        #expect(r.rollbackReason?.contains("against 0 of 2 in the baseline") == true, "\(r.rollbackReason ?? "")")
        // Found out at its first health check: the grace period (300 s) and detection, well within the hour.
        #expect(r.durationSeconds < 600)
        #expect(r.finalInstances.count == 20 && r.finalInstances.allSatisfy { !$0.onNewVersion && $0.initialIndex != nil })
        // A share within the allowed difference passes.
        world.unhealthyRate = 0.05
        let lenient = try Self.run("Canary", size: 20, parameters: ["max-unhealthy-difference": "100"], world: world)
        #expect(lenient.status == .successful)
        for (key, value) in [("baseline", "maybe"), ("max-unhealthy-difference", "101")] {
            #expect(throws: IngotError.self) { try Self.registry.make("Canary", parameters: [key: value]) }
        }
    }

    /// AWS: an instance refresh that replaces nothing for an hour fails, and "Amazon EC2 Auto Scaling
    /// rolls back the instance refresh" when AutoRollback is on; Spinnaker's red/black rolls back when
    /// the new server group does not become healthy. Over every strategy, random fleets and seeds: a bad
    /// image leaves InProgress (Failed, or a rollback) within the hour plus the strategy's own waits, and
    /// in service never goes under the strategy's floor without a fault to explain it.
    @Test("Every strategy: a bad image fails or rolls back within the hour, and the floor holds", arguments: StrategyRegistry.linked.strategies.map { $0.name })
    func badImageEndsWithinTheHour(name: String) async {
        await propertyCheck(count: 25, input: Gen.int(in: 2...40), Gen.bool, Gen.int(in: 0...1_000_000)) { size, autoRollback, seed in
            var world = World()
            world.unhealthyRate = 1
            var p = RefreshPreferences()
            p.autoRollback = autoRollback
            var sim = try RolloutSimulation(spec: .uniform(size: size), preferences: p, world: world,
                                            strategy: try Self.registry.make(name, parameters: [:]), seed: UInt64(seed), record: true)
            let r = sim.run()
            #expect(r.status == .failed || r.status == .rollbackSuccessful || r.status == .rollbackFailed, "\(name) \(size): \(r.status)")
            let left = r.timeline.first { $0.status == .failed || $0.status == .rollbackInProgress }?.time
            // Canary's bake (10 minutes) is its own wait; the hour counts from the last progress.
            #expect((left ?? .infinity) <= 3600 + 600, "\(name) \(size): left InProgress at \(left ?? -1)")
            #expect(r.unexplainedFloorBreaches == 0, "\(name) \(size)")
        }
    }

    @Test("BlueGreen: full-size new group, one switch, capacity never dips, old group kept for the window")
    func blueGreen() throws {
        let r = try Self.run("BlueGreen", parameters: ["rollback-window": "20m"])
        #expect(r.status == .successful)
        #expect(r.minInService == 20)
        #expect(r.maxActive == 40)
        let switchTime = try #require(r.timeline.first { $0.kind == .servingChanged }).time
        let firstTerminate = try #require(r.timeline.first { $0.kind == .terminated }).time
        #expect(firstTerminate == switchTime + 1200)
    }

    @Test("BlueGreen: an alarm in the rollback window switches traffic back")
    func blueGreenAlarm() throws {
        let clean = try Self.run("BlueGreen")
        let switchTime = try #require(clean.timeline.first { $0.kind == .servingChanged }).time
        var world = World()
        world.alarmAt = switchTime + 60
        let r = try Self.run("BlueGreen", world: world)
        #expect(r.status == .rollbackSuccessful)
        #expect(r.finalInstances.count == 20 && r.finalInstances.allSatisfy { !$0.onNewVersion && $0.initialIndex != nil })
        #expect(r.minInService == 20)
    }

    @Test("RollingBlueGreen: steps through its targets without losing capacity")
    func rollingBlueGreen() throws {
        let r = try Self.run("RollingBlueGreen", parameters: ["targets": "50,100", "step-delay": "2m"])
        #expect(r.status == .successful)
        #expect(r.minInService >= 20)
        #expect(r.timeline.filter { $0.kind == .servingChanged }.count == 2)
    }

    /// Spinnaker pins the old server group's capacity during a red/black deployment and disables it only
    /// after the new one is healthy: a desired-capacity change sizes each group, and nothing stops serving.
    @Test("A scale-in during a blue/green rollout never empties the serving group", arguments: ["BlueGreen", "RollingBlueGreen"])
    func scaleInKeepsTheServingGroup(name: String) throws {
        var world = World()
        world.capacityChanges = [.init(at: 180, desired: 10)]
        let r = try Self.run(name, world: world)
        #expect(r.status == .successful, "\(r.statusReason ?? "")")
        #expect(r.minInService >= 10, "in service fell to \(r.minInService)")
        #expect(r.finalInstances.filter(\.onNewVersion).count == 10)
        #expect(r.finalInstances.count == (name == "RollingBlueGreen" ? 20 : 10), "red/black leaves the old group (sized to 10) disabled")
        #expect(r.timeline.contains { $0.detail?.contains("each server group sized to 10") == true })
    }

    /// orca's RollingRedBlack stage: per step, grow the new server group to the target percentage, then
    /// wait (the step's pipeline or delay), then disable that share of the old group; at the end the old
    /// group stays disabled ("scale down" of the old group is an option, off by default).
    @Test("RollingBlueGreen: grow, wait, then disable; the old group is left disabled unless scale-down-old")
    func rollingRedBlackOrder() throws {
        let r = try Self.run("RollingBlueGreen", parameters: ["targets": "50,100", "step-delay": "2m"])
        #expect(r.status == .successful)
        let replaced = r.timeline.filter { $0.kind == .replaced }.map(\.time).sorted()
        let disabled = r.timeline.filter { $0.kind == .servingChanged }.map(\.time).sorted()
        try #require(replaced.count >= 20 && disabled.count == 2)
        #expect(disabled[0] >= replaced[9] + 120, "the first half of the old group is disabled only after the first half of the new one served for the step delay")
        #expect(disabled[1] >= replaced[19] + 120)
        #expect(r.finalInstances.filter { !$0.onNewVersion }.count == 20, "the old group is still there, disabled")
        let scaled = try Self.run("RollingBlueGreen", parameters: ["targets": "50,100", "step-delay": "2m", "scale-down-old": "true"])
        #expect(scaled.status == .successful && scaled.finalInstances.count == 20 && scaled.finalInstances.allSatisfy(\.onNewVersion))
        #expect(throws: IngotError.self) { try Self.registry.make("RollingBlueGreen", parameters: ["scale-down-old": "yes"]) }
    }

    @Test("A single percentage parameter says what it accepts")
    func singlePercentageMessage() throws {
        let error = #expect(throws: IngotError.self) { try Self.registry.make("Canary", parameters: ["canary-percentage": "0"]) }
        #expect(error?.message == "param canary-percentage: '0' is not a percentage from 1 to 100")
    }

    @Test("AllAtOnce forces MinHealthyPercentage 0")
    func allAtOnce() throws {
        let r = try Self.run("AllAtOnce") { $0.minHealthyPercentage = 90 }
        #expect(r.minInService == 0 && r.status == .successful)
    }
}

/// `ingot-strategy-<name>` executables: answers, errors, timeouts.
@Suite struct ExternalStrategyTests {
    static func script(_ body: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-strategy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("ingot-strategy-test").path
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    static func run(_ path: String, timeout: Double = 2) throws -> RolloutResult {
        var sim = try RolloutSimulation(spec: .uniform(size: 4), preferences: RefreshPreferences(),
                                        strategy: ExternalStrategy(executable: path, name: "test", parameters: [:], timeout: timeout), seed: 1)
        return sim.run()
    }

    @Test("A strategy in Python drives the refresh over JSON lines")
    func pythonStrategy() throws {
        let path = try Self.script("""
            exec python3 -u -c '
            import json, sys
            for line in sys.stdin:
                f = json.loads(line)["fleet"]
                cur, old = f["current"], f["outdated"]
                if old["serving"] + old["pending"] == 0 and cur["pending"] + cur["warming"] == 0:
                    print(json.dumps([{"action": "complete"}]))
                elif cur["pending"] + cur["warming"] == 0:
                    print(json.dumps([{"action": "terminate", "count": 1}, {"action": "launch", "count": 1}]))
                else:
                    print("[]")
            '
            """)
        let r = try Self.run(path)
        #expect(r.status == .successful, "\(r.statusReason ?? "")")
        #expect(r.strategy == "test" && r.launched == 4)
    }

    @Test("Malformed answers, unknown actions, exits and silence fail the rollout with a message", arguments: [
        ("while read l; do echo 'not json'; done", "not a JSON array"),
        ("while read l; do echo '[{\"action\":\"dance\"}]'; done", "unknown action 'dance'"),
        ("while read l; do echo '[{\"action\":\"launch\"}]'; done", "needs 'count'"),
        ("exit 3", "exit"),
        ("sleep 30", "did not answer within"),
    ])
    func failures(body: String, message: String) throws {
        let start = Date()
        let r = try Self.run(try Self.script(body), timeout: 0.5)
        #expect(r.status == .failed)
        #expect(r.failureReason?.contains(message) == true, "\(r.failureReason ?? "")")
        #expect(Date().timeIntervalSince(start) < 10)
    }
}

/// `FailoverDrill`: the DR ramp from standby to full capacity.
@Suite struct FailoverDrillTests {
    static let zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]

    @Test("The same seed gives the same drill; times are ordered; a baked AMI beats user-data bootstrap")
    func reproducible() throws {
        var w = World()
        w.launchFailureRate = 0.05
        let a = try FailoverDrill.run(standby: 10, full: 200, zones: Self.zones, healthCheckGracePeriod: 120, warmup: 60, world: w, seed: 5)
        let b = try FailoverDrill.run(standby: 10, full: 200, zones: Self.zones, healthCheckGracePeriod: 120, warmup: 60, world: w, seed: 5)
        #expect(a.samples == b.samples && a.secondsToFullCapacity == b.secondsToFullCapacity)
        let half = try #require(a.secondsToHalfCapacity), ninety = try #require(a.secondsToNinetyPercent), full = try #require(a.secondsToFullCapacity)
        #expect(half <= ninety && ninety <= full)
        var slow = w
        slow.boot = .userData
        let u = try FailoverDrill.run(standby: 10, full: 200, zones: Self.zones, healthCheckGracePeriod: 120, warmup: 60, world: slow, seed: 5)
        #expect(try #require(u.secondsToFullCapacity) > full)
    }

    @Test("More standby capacity reaches full capacity sooner; a full standby is there at once")
    func standbyHelps() throws {
        var w = World()
        w.launchBurst = 10
        w.launchRatePerSecond = 1
        let cold = try FailoverDrill.run(standby: 0, full: 100, zones: Self.zones, healthCheckGracePeriod: 60, warmup: 60, world: w, seed: 1)
        let warm = try FailoverDrill.run(standby: 50, full: 100, zones: Self.zones, healthCheckGracePeriod: 60, warmup: 60, world: w, seed: 1)
        let hot = try FailoverDrill.run(standby: 100, full: 100, zones: Self.zones, healthCheckGracePeriod: 60, warmup: 60, world: w, seed: 1)
        #expect(try #require(warm.secondsToFullCapacity) < (try #require(cold.secondsToFullCapacity)))
        #expect(warm.secondsToHalfCapacity == 0 && hot.secondsToFullCapacity == 0)
        // The copy still to make delays everything.
        let late = try FailoverDrill.run(standby: 0, full: 100, zones: Self.zones, healthCheckGracePeriod: 60, warmup: 60, world: w, delay: 900, seed: 1)
        #expect(abs((try #require(late.secondsToFullCapacity)) - (try #require(cold.secondsToFullCapacity)) - 900) < 0.001)
    }
}

/// Percentiles over drills: a drill that never reached capacity is never, not left out.
@Suite struct DrillPercentileTests {
    @Test("A run that never got there makes the percentiles that reach it never")
    func neverCounts() {
        let p = FailoverDrill.Percentiles([100, 200, nil, 300])
        #expect(p.p50 == 200 && p.p95 == nil && p.p99 == nil)
        let all = FailoverDrill.Percentiles((1...100).map { Double($0) })
        #expect(all.p50 == 50 && all.p95 == 95 && all.p99 == 99)
    }
}
