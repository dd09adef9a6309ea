import IngotCore

/// The group a simulation starts from.
public struct FleetSpec: Sendable, Hashable {
    public var desiredCapacity: Int
    public var zones: [String]
    public var healthCheckGracePeriod: Int
    public var defaultInstanceWarmup: Int?
    public var instances: [InitialInstance]
    /// Labels for the chart and the timeline, e.g. "web:3 ami-0abc".
    public var previousVersion: String
    public var newVersion: String

    public struct InitialInstance: Sendable, Hashable {
        public var zone: Int
        /// Already on the configuration the refresh moves to.
        public var matching: Bool
        /// Scale-in protected.
        public var protected: Bool
        /// In Standby (not in service, not counted in desired capacity).
        public var standby: Bool
        public init(zone: Int, matching: Bool = false, protected: Bool = false, standby: Bool = false) {
            self.zone = zone
            self.matching = matching
            self.protected = protected
            self.standby = standby
        }
    }

    public init(desiredCapacity: Int, zones: [String], healthCheckGracePeriod: Int, defaultInstanceWarmup: Int?, instances: [InitialInstance],
                previousVersion: String = "previous", newVersion: String = "new") {
        self.desiredCapacity = desiredCapacity
        self.zones = zones
        self.healthCheckGracePeriod = healthCheckGracePeriod
        self.defaultInstanceWarmup = defaultInstanceWarmup
        self.instances = instances
        self.previousVersion = previousVersion
        self.newVersion = newVersion
    }

    /// `size` in-service instances balanced over `zones` zones of a region, all on the previous configuration.
    public static func uniform(size: Int, zones: Int = 3, region: Region = .usEast1, healthCheckGracePeriod: Int = 300, defaultInstanceWarmup: Int? = nil,
                               matching: Int = 0, protected: Int = 0, standby: Int = 0) -> FleetSpec {
        let names = (0..<zones).map { i in i < region.availabilityZones.count ? region.availabilityZones[i] : "\(region.code)\(Character(UnicodeScalar(UInt8(97 + i % 26))))" }
        var instances: [InitialInstance] = []
        instances.reserveCapacity(size + standby)
        for i in 0..<size {
            instances.append(InitialInstance(zone: i % zones, matching: i < matching, protected: i >= size - protected))
        }
        for i in 0..<standby { instances.append(InitialInstance(zone: i % zones, standby: true)) }
        return FleetSpec(desiredCapacity: size, zones: names, healthCheckGracePeriod: healthCheckGracePeriod, defaultInstanceWarmup: defaultInstanceWarmup, instances: instances)
    }

    public func validate() throws {
        guard !zones.isEmpty, zones.count <= 16 else { throw IngotError.invalid("zones", "give 1 to 16 availability zones") }
        guard desiredCapacity >= 0 else { throw IngotError.invalid("fleet-size", "\(desiredCapacity) must not be negative") }
        guard instances.allSatisfy({ (0..<zones.count).contains($0.zone) }) else { throw IngotError.invalid("zones", "an instance is in a zone outside the group") }
        guard healthCheckGracePeriod >= 0 else { throw IngotError.invalid("health-check-grace-period", "must not be negative") }
    }
}

/// One thing that happened, at its virtual time (seconds from the start of the refresh).
public struct TimelineEvent: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        case status, launchRequested, launched, launchFailed, inService, replaced, unhealthy, terminated, rootVolumeReplaced
        case servingChanged, checkpoint, fault, strategyError, baseline

        public var name: String {
            switch self {
            case .status: "status"
            case .launchRequested: "launch-requested"
            case .launched: "launched"
            case .launchFailed: "launch-failed"
            case .inService: "in-service"
            case .replaced: "warmed-up"
            case .unhealthy: "unhealthy"
            case .terminated: "terminated"
            case .rootVolumeReplaced: "root-volume-replaced"
            case .servingChanged: "serving-changed"
            case .checkpoint: "checkpoint"
            case .fault: "fault"
            case .strategyError: "strategy-error"
            case .baseline: "baseline"
            }
        }
    }
    public var time: Double
    public var kind: Kind
    /// The instance (index in the simulation), or -1.
    public var instance: Int32
    public var zone: Int16
    /// 0: previous version, 1: new version, -1: none.
    public var version: Int8
    /// What happened, in words ("RollbackInProgress: the alarm went into ALARM").
    public var detail: String?
    /// For a `status` event, the status it moved to.
    public var status: RefreshStatus? = nil
}

/// The fleet at one instant, for charts.
public struct FleetSample: Sendable, Hashable {
    public var time: Double
    public var servingPrevious: Int32
    public var servingNew: Int32
    public var pending: Int32
    public var warming: Int32
    public var idle: Int32
    public var desired: Int32
    public var floor: Int32
}

/// An instance alive at the end, for applying the result to a group.
public struct FinalInstance: Sendable, Hashable {
    /// The index in `FleetSpec.instances` for an instance that was there at the start.
    public var initialIndex: Int?
    public var zone: Int
    public var onNewVersion: Bool
    public var standby: Bool
}

/// What a simulated refresh did.
public struct RolloutResult: Sendable {
    public var strategy: String
    public var seed: UInt64
    public var status: RefreshStatus
    public var durationSeconds: Double
    public var minInService: Int
    public var maxInService: Int
    public var desiredCapacity: Int
    public var healthyFloor: Int
    public var healthyCeiling: Int
    public var maxActive: Int
    public var launched: Int
    public var terminated: Int
    /// Instances on the configuration the refresh moved to that became ready (a rollback's own count
    /// is `rolledBack`, and these may since have been rolled back).
    public var replaced: Int
    /// Instances made ready again on the saved configuration during a rollback.
    public var rolledBack: Int
    public var failedLaunches: Int
    public var unhealthyReplaced: Int
    public var checkpointsReached: [Int]
    public var rollbackReason: String?
    public var failureReason: String?
    public var statusReason: String?
    public var percentageComplete: Int
    public var events: Int
    /// In-service capacity fell below the healthy floor at an instant with no reported fault to explain it.
    public var unexplainedFloorBreaches: Int
    /// Instances above the MaxHealthyPercentage ceiling at some instant.
    public var ceilingBreaches: Int
    public var timeline: [TimelineEvent]
    public var samples: [FleetSample]
    public var finalInstances: [FinalInstance]
    public var previousVersion: String
    public var newVersion: String
    /// Seconds from InService to ready when healthy (InstanceWarmup, else DefaultInstanceWarmup, else the grace period).
    public var warmupSeconds: Double
    /// The group's HealthCheckGracePeriod: no health check before it ends, so no instance is ready before it.
    public var healthCheckGracePeriod: Int
}
