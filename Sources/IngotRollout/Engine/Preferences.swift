import IngotCore

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

/// How long an instance takes from RunInstances to InService.
public enum BootProfile: Sendable, Hashable, Codable {
    /// A golden AMI with everything baked in: lognormal, median 45 s.
    case baked
    /// A base AMI bootstrapped by user data: lognormal, median 240 s, wider.
    case userData
    /// Always this many seconds.
    case fixed(Double)

    public init(parsing text: String, field: String) throws {
        switch text.lowercased() {
        case "baked", "pre-baked": self = .baked
        case "user-data", "userdata", "bootstrap": self = .userData
        default:
            guard let s = Duration.seconds(parsing: text), s >= 0 else {
                throw IngotError.invalid(field, "'\(text)' is not baked, user-data or a duration like 90s")
            }
            self = .fixed(s)
        }
    }

    @inline(__always)
    func sample(_ g: inout SeededGenerator) -> Double {
        switch self {
        case .baked: 45 * _exp(0.25 * g.normal())
        case .userData: 240 * _exp(0.35 * g.normal())
        case .fixed(let s): s
        }
    }

    public var label: String {
        switch self {
        case .baked: "baked"
        case .userData: "user-data"
        case .fixed(let s): "\(Int(s))s"
        }
    }
}

/// The world the refresh runs in: faults and limits. The defaults describe a healthy day.
public struct World: Sendable, Hashable, Codable {
    /// Share of launches that fail (RunInstances errors).
    public var launchFailureRate = 0.0
    /// Share of new instances that fail their health checks (1.0: a bad AMI).
    public var unhealthyRate = 0.0
    public var boot: BootProfile = .baked
    /// InsufficientInstanceCapacity in one zone (index) from a time on.
    public var iceZone: Int?
    public var iceAt = 0.0
    /// A whole zone lost at a time: its instances are gone and nothing launches there.
    public var outageZone: Int?
    public var outageAt = 0.0
    /// A CloudWatch alarm going into ALARM at a time.
    public var alarmAt: Double?
    /// An alarm on the share of new instances that turned unhealthy (checked once 5 have launched).
    public var alarmUnhealthyFraction: Double?
    /// Desired capacity changes during the refresh: (time, new desired).
    public var capacityChanges: [CapacityChange] = []
    /// CancelInstanceRefresh at a time.
    public var cancelAt: Double?
    /// RunInstances token bucket (instances): burst size and refill per second (EC2's defaults: 1000 and 2).
    public var launchBurst = 1000.0
    public var launchRatePerSecond = 2.0
    /// How often EC2 and ELB health checks detect a failing instance after its grace period.
    public var healthCheckDetection = 30.0
    /// Seconds a failed launch takes before Auto Scaling tries again.
    public var launchRetryDelay = 10.0

    public init() {}

    public struct CapacityChange: Sendable, Hashable, Codable {
        public var at: Double
        public var desired: Int
        public init(at: Double, desired: Int) { self.at = at; self.desired = desired }
    }

    public func validate(zones: Int) throws {
        for (field, rate) in [("launch-failure-rate", launchFailureRate), ("unhealthy-rate", unhealthyRate)] where !(0...1).contains(rate) {
            throw IngotError.invalid(field, "\(rate) must be between 0 and 1")
        }
        if let f = alarmUnhealthyFraction, !(0...1).contains(f) { throw IngotError.invalid("alarm-unhealthy-fraction", "\(f) must be between 0 and 1") }
        for (field, z) in [("insufficient-capacity", iceZone), ("az-outage", outageZone)] {
            if let z, !(0..<zones).contains(z) { throw IngotError.invalid(field, "zone index \(z) is outside 0..<\(zones)") }
        }
        guard launchRatePerSecond > 0, launchBurst >= 1 else { throw IngotError.invalid("launch-rate", "the RunInstances rate and burst must be positive") }
        for c in capacityChanges where c.desired < 0 { throw IngotError.invalid("scale", "desired capacity \(c.desired) must not be negative") }
    }
}

extension Duration {
    /// "300", "300s", "5m", "1h", "1h30m", "2d" as seconds.
    public static func seconds(parsing text: String) -> Double? {
        if let v = Double(text) { return v }
        var total = 0.0, number = ""
        for ch in text {
            if ch.isNumber || ch == "." { number.append(ch); continue }
            guard let v = Double(number) else { return nil }
            switch ch {
            case "s": total += v
            case "m": total += v * 60
            case "h": total += v * 3600
            case "d": total += v * 86400
            default: return nil
            }
            number = ""
        }
        return number.isEmpty ? total : nil
    }
}
