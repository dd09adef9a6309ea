import Foundation
import IngotCore

// The refresh vocabulary lives in IngotCore (both backends use it); strategies, which import only
// IngotRollout, see it under the same names.
public typealias RefreshStatus = IngotCore.RefreshStatus
public typealias RefreshPreferences = IngotCore.RefreshPreferences
public typealias HeldInstancePolicy = IngotCore.HeldInstancePolicy

/// Counts of one side of the fleet: instances on the configuration the refresh moves to (`current`),
/// or on any other (`outdated`). Standby and held (protected under Wait/Ignore) instances are counted apart.
public struct SideCounts: Sendable, Hashable, Codable {
    /// Launch requested (waiting for RunInstances tokens or booting, or a failed launch being retried).
    public var pending = 0
    /// InService and healthy, still warming up.
    public var warming = 0
    /// InService, healthy and warmed up, receiving traffic.
    public var serving = 0
    /// InService, healthy and warmed up, deregistered from traffic (blue/green's idle side).
    public var idle = 0
    /// Root volume being replaced in place.
    public var swapping = 0
    /// Standby or scale-in protected instances the refresh may not touch.
    public var held = 0

    public init() {}
    public var ready: Int { serving + idle }
    /// Instances that occupy capacity (everything but held ones).
    public var active: Int { pending + warming + serving + idle + swapping }
}

/// What a strategy sees at a decision point: a read-only summary of the fleet and the refresh.
public struct FleetSnapshot: Sendable, Codable {
    public var time: Double
    public var status: RefreshStatus
    public var desiredCapacity: Int
    public var zones: Int
    public var preferences: RefreshPreferences
    /// Seconds from InService to counting as replaced.
    public var warmupSeconds: Double
    public var current: SideCounts
    public var outdated: SideCounts
    /// Protected instances left in service (ScaleInProtectedInstances Ignore or Wait): they keep serving.
    public var heldInService: Int
    /// True while rolling back: `current` is then the saved (previous) configuration.
    public var rollingBack: Bool
    /// Whether an alarm is in ALARM.
    public var alarm: Bool
    /// The highest checkpoint reached so far (0 when none).
    public var lastCheckpoint: Int
    /// Replaced (current and ready) as a percentage of desired capacity, floored.
    public var percentageComplete: Int
    public var instancesToUpdate: Int
    /// Instances launched on the configuration the refresh moves to, and how many of them failed their
    /// health checks (a canary's health, for comparison with its baseline).
    public var newLaunched = 0
    public var newUnhealthy = 0
    /// Baseline instances (``RolloutAction/launchBaseline(count:)``) launched, and how many failed their health checks.
    public var baselineLaunched = 0
    public var baselineUnhealthy = 0

    /// MinHealthyPercentage of desired, rounded up; with MaxHealthyPercentage omitted, at most desired - 1
    /// (AWS then terminates an instance and launches its replacement together).
    public var healthyFloor: Int {
        RolloutSimulation.floor(desired: desiredCapacity, min: preferences.minHealthyPercentage, max: preferences.maxHealthyPercentage)
    }
    /// MaxHealthyPercentage of desired, rounded down (desired itself when omitted), never below desired;
    /// desired + 1 when Max is given but leaves no room between the bounds (AWS launches first then).
    public var healthyCeiling: Int {
        RolloutSimulation.ceiling(desired: desiredCapacity, min: preferences.minHealthyPercentage, max: preferences.maxHealthyPercentage)
    }
    /// In-service capacity: healthy, warmed-up instances receiving traffic.
    public var inService: Int { current.serving + outdated.serving + heldInService }
    /// Instances counted against the ceiling.
    public var active: Int { current.active + outdated.active + heldInService }
}

/// What a strategy answers. The engine carries it out and owns everything that follows
/// (launch limits, boot, health, faults, time).
public enum RolloutAction: Sendable, Hashable {
    /// Launch instances on the current configuration; the engine balances zones unless one is named.
    case launch(count: Int, zone: Int? = nil, serving: Bool = true)
    /// Launch serving instances on the previous configuration beside a canary, at the same time and of
    /// the same size: Spinnaker's baseline, the control a canary is compared with. Their health is
    /// counted apart (``FleetSnapshot/baselineLaunched``, ``FleetSnapshot/baselineUnhealthy``); they are
    /// outdated instances like any other.
    case launchBaseline(count: Int)
    /// Terminate baseline instances (once the canary is judged).
    case terminateBaseline(count: Int)
    /// Terminate instances, outdated ones (default) or current ones; the engine picks, fullest zone first.
    case terminate(count: Int, outdated: Bool = true)
    /// Register (serving) or deregister ready instances with the load balancer.
    case setServing(count: Int, outdated: Bool, serving: Bool)
    /// Replace the root volume of outdated instances in place (no launch): they reboot onto the current image.
    case replaceRootVolume(count: Int)
    /// Call me again at this time (a deliberate wait does not count as being blocked).
    case wait(until: Double)
    /// A checkpoint: the engine records it and holds for CheckpointDelay.
    case checkpoint(percentage: Int)
    /// Start rolling back to the saved configuration.
    case rollback(reason: String)
    /// Everything is replaced: the engine bakes (BakeTime), then reports success.
    case complete
    case fail(reason: String)
}

/// A strategy parameter, for `ingot strategies list` and validation.
public struct StrategyParameter: Sendable, Hashable, Codable {
    public var name: String
    public var defaultValue: String
    public var help: String
    public init(_ name: String, default defaultValue: String, _ help: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// What the engine runs: something that decides, at each decision point, what the refresh does next.
/// Built-in and package strategies are ``RolloutStrategy``s; an out-of-process one (IngotExternalStrategy)
/// is only this.
public protocol RolloutDecider: Sendable {
    /// The name reported in results (the type's name, or an external strategy's own).
    var instanceName: String { get }
    /// The refresh preferences this strategy runs with (AllAtOnce forces MinHealthyPercentage 0, ...).
    func adjusted(_ preferences: RefreshPreferences) -> RefreshPreferences
    /// Called at every decision point while the refresh is InProgress or RollbackInProgress: at the start,
    /// whenever capacity changes (an instance becomes ready, is lost or terminated, a failed launch gives
    /// up its slot), at a wake-up the strategy asked for, after a hold and on faults; and again at once
    /// after answering with actions that changed the fleet. Not when a launch merely starts or an instance
    /// boots into its warm-up.
    mutating func decide(_ fleet: FleetSnapshot) throws -> [RolloutAction]
    /// True for strategies that run a new server group beside the old one (blue/green, red/black): a
    /// change of desired capacity then sizes each group to it, as Spinnaker pins the old group while the
    /// new one is deployed, instead of counting both groups against one desired capacity.
    var runsTwoGroups: Bool { get }
    /// True when the strategy ends with the old server group still there, disabled (Spinnaker's red/black
    /// without scaling it down): one Auto Scaling group cannot hold that, so a group refresh refuses it.
    var leavesOldGroup: Bool { get }
}

extension RolloutDecider {
    public func adjusted(_ preferences: RefreshPreferences) -> RefreshPreferences { preferences }
    public var runsTwoGroups: Bool { false }
    public var leavesOldGroup: Bool { false }
}

/// A rollout strategy: it only decides. One per folder under `Sources/Strategies/<Name>`, with a
/// type `<Name>Strategy`; the StrategyRegistry build plugin registers every one a module depends on.
public protocol RolloutStrategy: RolloutDecider {
    static var name: String { get }
    static var summary: String { get }
    static var parameters: [StrategyParameter] { get }
    /// Strategy parameters (`--param key=value`), already checked against `parameters`' names.
    init(parameters: [String: String]) throws
}

extension RolloutStrategy {
    public static var parameters: [StrategyParameter] { [] }
    public var instanceName: String { Self.name }
}

extension [String: String] {
    /// A strategy parameter as a number of seconds ("600", "10m").
    public func seconds(_ key: String, default value: Double) throws -> Double {
        guard let text = self[key] else { return value }
        guard let v = Duration.seconds(parsing: text), v >= 0 else { throw IngotError.invalid("param \(key)", "'\(text)' is not a duration like 600s or 10m") }
        return v
    }

    /// A strategy parameter as a list of percentages ("25,50,100"), ascending and within 1...100.
    public func percentages(_ key: String, default value: [Int]) throws -> [Int] {
        guard let text = self[key] else { return value }
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0.map { (1...100).contains($0) } == true }) else {
            throw IngotError.invalid("param \(key)", "'\(text)' is not a list of percentages 1-100 like 25,50,100")
        }
        let values = parts.compactMap { $0 }
        guard zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }) else { throw IngotError.invalid("param \(key)", "values must be ascending and unique") }
        return values
    }

    /// A strategy parameter as one percentage, 1...100.
    public func percentage(_ key: String, default value: Int) throws -> Int {
        guard let text = self[key] else { return value }
        guard let p = Int(text.trimmingCharacters(in: .whitespaces)), (1...100).contains(p) else {
            throw IngotError.invalid("param \(key)", "'\(text)' is not a percentage from 1 to 100")
        }
        return p
    }
}

/// The strategies a program knows, by name (case-insensitive).
public struct StrategyRegistry: Sendable {
    public let strategies: [any RolloutStrategy.Type]

    public init(_ strategies: [any RolloutStrategy.Type]) {
        self.strategies = strategies.sorted { $0.name < $1.name }
    }

    public func find(_ name: String) -> (any RolloutStrategy.Type)? {
        strategies.first { $0.name.lowercased() == name.lowercased() }
    }

    /// A linked strategy by name with its parameters; unknown parameters are refused. (Strategies in
    /// other processes: IngotExternalStrategy's `make(_:parameters:searchPath:)`.)
    public func make(_ name: String, parameters: [String: String]) throws -> any RolloutDecider {
        guard let type = find(name) else {
            throw IngotError.invalid("strategy", "'\(name)' is not one of \(strategies.map { $0.name }.joined(separator: ", "))")
        }
        return try Self.instantiate(type, parameters: parameters)
    }

    private static func instantiate(_ type: any RolloutStrategy.Type, parameters: [String: String]) throws -> any RolloutDecider {
        let known = Set(type.parameters.map { $0.name })
        if let bad = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            let accepted = known.isEmpty ? "none" : known.sorted().joined(separator: ", ")
            throw IngotError.invalid("param", "\(type.name) has no parameter '\(bad)' (accepted: \(accepted))")
        }
        return try type.init(parameters: parameters)
    }
}
