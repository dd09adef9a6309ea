#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// The refresh vocabulary both backends, the simulator and the CLI share: StartInstanceRefresh's
// preferences with AWS's defaults and checks, and the statuses DescribeInstanceRefreshes reports.

/// The lifecycle of an instance refresh, as DescribeInstanceRefreshes reports it.
public enum RefreshStatus: String, Sendable, Codable, CaseIterable {
    case pending = "Pending", inProgress = "InProgress", baking = "Baking", successful = "Successful", failed = "Failed"
    case cancelling = "Cancelling", cancelled = "Cancelled"
    case rollbackInProgress = "RollbackInProgress", rollbackSuccessful = "RollbackSuccessful", rollbackFailed = "RollbackFailed"

    public var isFinal: Bool { [.successful, .failed, .cancelled, .rollbackSuccessful, .rollbackFailed].contains(self) }
    /// Final and not what the user wanted: exit 3.
    public var isProblem: Bool { [.failed, .cancelled, .rollbackSuccessful, .rollbackFailed].contains(self) }
}

/// What to do with scale-in protected or Standby instances (AWS's ScaleInProtectedInstances / StandbyInstances).
public enum HeldInstancePolicy: String, Sendable, CaseIterable, Codable {
    /// Replace them (Refresh for protected instances, Terminate for Standby ones).
    case replace = "Refresh"
    /// Leave them on their version; the refresh completes without them.
    case ignore = "Ignore"
    /// Wait for someone to release them; after an hour blocked the refresh fails (AWS's default).
    case wait = "Wait"

    /// AWS's value for ScaleInProtectedInstances (Refresh) or StandbyInstances (Terminate).
    public func awsValue(standby: Bool) -> String { self == .replace && standby ? "Terminate" : rawValue }

    /// The values AWS accepts for one of the two preferences: ScaleInProtectedInstances takes
    /// Refresh | Ignore | Wait, StandbyInstances takes Terminate | Ignore | Wait.
    public static func accepted(standby: Bool) -> [String] { allCases.map { $0.awsValue(standby: standby) } }

    /// Accepts AWS's spellings for ScaleInProtectedInstances (`standby: false`) or StandbyInstances
    /// (`standby: true`), case-insensitively; the other preference's word for `replace` is refused.
    public init(parsing text: String, field: String, standby: Bool) throws {
        guard let match = Self.allCases.first(where: { $0.awsValue(standby: standby).lowercased() == text.lowercased() }) else {
            throw IngotError.invalid(field, "'\(text)' is not one of \(Self.accepted(standby: standby).joined(separator: ", "))", code: "ValidationError")
        }
        self = match
    }
}

/// StartInstanceRefresh's Preferences, with AWS's defaults and validation.
public struct RefreshPreferences: Sendable, Hashable, Codable {
    /// 0...100, default 90.
    public var minHealthyPercentage: Int = 90
    /// 100...200, nil when omitted (terminate and launch together, never above desired).
    public var maxHealthyPercentage: Int?
    /// Seconds; nil: the group's DefaultInstanceWarmup, else its HealthCheckGracePeriod.
    public var instanceWarmup: Int?
    public var checkpointPercentages: [Int] = []
    /// Seconds, default 3600 when checkpoints are set.
    public var checkpointDelay: Int?
    /// Seconds of Baking after the last replacement.
    public var bakeTime: Int = 0
    public var skipMatching = false
    public var autoRollback = false
    public var scaleInProtectedInstances: HeldInstancePolicy = .wait
    public var standbyInstances: HeldInstancePolicy = .wait
    /// AlarmSpecification: CloudWatch alarm names that fail (and with AutoRollback, roll back) the refresh
    /// on AWS. The simulator's alarms are faults of its world instead.
    public var alarms: [String] = []

    public init() {}

    public var effectiveCheckpointDelay: Int { checkpointDelay ?? 3600 }

    /// Said to the user when MinHealthyPercentage is 100 and MaxHealthyPercentage omitted: AWS's API
    /// reference then "terminates an instance and launches its replacement simultaneously", which those
    /// who read the user guide's "launch the new instances first" for Min 100 do not expect.
    public var replacementOrderNote: String? {
        guard minHealthyPercentage == 100, maxHealthyPercentage == nil else { return nil }
        return "MinHealthyPercentage 100 with MaxHealthyPercentage omitted: AWS terminates an instance and launches its replacement together (in service dips by one); give --max-healthy-percentage 100 or more to launch first"
    }

    /// The same preferences without checkpoints (for strategies that pace themselves).
    public var withoutCheckpoints: RefreshPreferences {
        var p = self
        p.checkpointPercentages = []
        p.checkpointDelay = nil
        return p
    }

    /// The preferences as StartInstanceRefresh's Preferences fields (AWS's names), as a refresh record
    /// keeps them.
    public var awsFields: [String: String] {
        var r: [String: String] = ["MinHealthyPercentage": String(minHealthyPercentage), "SkipMatching": String(skipMatching),
                                   "AutoRollback": String(autoRollback), "ScaleInProtectedInstances": scaleInProtectedInstances.awsValue(standby: false),
                                   "StandbyInstances": standbyInstances.awsValue(standby: true)]
        if let v = maxHealthyPercentage { r["MaxHealthyPercentage"] = String(v) }
        if let v = instanceWarmup { r["InstanceWarmup"] = String(v) }
        if !checkpointPercentages.isEmpty {
            r["CheckpointPercentages"] = checkpointPercentages.map(String.init).joined(separator: ",")
            r["CheckpointDelay"] = String(effectiveCheckpointDelay)
        }
        if bakeTime > 0 { r["BakeTime"] = String(bakeTime) }
        if !alarms.isEmpty { r["Alarms"] = alarms.joined(separator: ",") }
        return r
    }

    /// AWS's checks, with messages shaped like its ValidationError.
    public func validate() throws {
        guard (0...100).contains(minHealthyPercentage) else {
            throw IngotError.invalid("min-healthy-percentage", "\(minHealthyPercentage) must be between 0 and 100", code: "ValidationError")
        }
        if let max = maxHealthyPercentage {
            guard (100...200).contains(max) else {
                throw IngotError.invalid("max-healthy-percentage", "\(max) must be between 100 and 200", code: "ValidationError")
            }
            guard max - minHealthyPercentage <= 100 else {
                throw IngotError.invalid("max-healthy-percentage", "the difference between MaxHealthyPercentage (\(max)) and MinHealthyPercentage (\(minHealthyPercentage)) must not exceed 100", code: "ValidationError")
            }
        }
        if let w = instanceWarmup, w < 0 { throw IngotError.invalid("instance-warmup", "\(w) must not be negative", code: "ValidationError") }
        if let d = checkpointDelay {
            guard (0...172_800).contains(d) else { throw IngotError.invalid("checkpoint-delay", "\(d)s must be between 0 and 172800 seconds", code: "ValidationError") }
            guard !checkpointPercentages.isEmpty else { throw IngotError.invalid("checkpoint-delay", "needs checkpoint-percentages", code: "ValidationError") }
        }
        var previous = 0
        for p in checkpointPercentages {
            guard (1...100).contains(p) else { throw IngotError.invalid("checkpoint-percentages", "\(p) must be between 1 and 100", code: "ValidationError") }
            guard p > previous else { throw IngotError.invalid("checkpoint-percentages", "values must be unique and in ascending order", code: "ValidationError") }
            previous = p
        }
        guard (0...172_800).contains(bakeTime) else { throw IngotError.invalid("bake-time", "\(bakeTime)s must be between 0 and 172800 seconds", code: "ValidationError") }
    }
}

