import IngotCore

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
