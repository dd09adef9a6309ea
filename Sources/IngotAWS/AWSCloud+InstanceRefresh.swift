import IngotCore
import Foundation

/// StartInstanceRefresh's Preferences (nil: AWS's default).
public struct InstanceRefreshPreferences: Sendable, Hashable {
    /// 0-100, default 90.
    public var minHealthyPercentage: Int?
    /// 100-200 and at most 100 above the minimum; omitted: terminate and launch together.
    public var maxHealthyPercentage: Int?
    public var instanceWarmup: Int?
    /// Ascending, unique, the last 100 to finish the refresh.
    public var checkpointPercentages: [Int]?
    /// Seconds, default 3600.
    public var checkpointDelay: Int?
    public var skipMatching: Bool?
    /// Needs a numbered launch template version in the desired configuration.
    public var autoRollback: Bool?
    /// `Refresh`, `Ignore` or `Wait`.
    public var scaleInProtectedInstances: String?
    /// `Terminate`, `Ignore` or `Wait`.
    public var standbyInstances: String?
    /// Seconds to wait after the last replacement (status Baking).
    public var bakeTime: Int?
    /// CloudWatch alarm names that fail (and with AutoRollback, roll back) the refresh.
    public var alarms: [String]?

    public init(minHealthyPercentage: Int? = nil, maxHealthyPercentage: Int? = nil, instanceWarmup: Int? = nil, checkpointPercentages: [Int]? = nil,
                checkpointDelay: Int? = nil, skipMatching: Bool? = nil, autoRollback: Bool? = nil, scaleInProtectedInstances: String? = nil,
                standbyInstances: String? = nil, bakeTime: Int? = nil, alarms: [String]? = nil) {
        self.minHealthyPercentage = minHealthyPercentage
        self.maxHealthyPercentage = maxHealthyPercentage
        self.instanceWarmup = instanceWarmup
        self.checkpointPercentages = checkpointPercentages
        self.checkpointDelay = checkpointDelay
        self.skipMatching = skipMatching
        self.autoRollback = autoRollback
        self.scaleInProtectedInstances = scaleInProtectedInstances
        self.standbyInstances = standbyInstances
        self.bakeTime = bakeTime
        self.alarms = alarms
    }
}

/// StartInstanceRefresh with a DesiredConfiguration pinned to a numbered launch template version,
/// so that a rollback (AutoRollback or RollbackInstanceRefresh) returns to the saved configuration.
public struct StartInstanceRefreshRequest: Sendable, Hashable {
    public var region: Region
    public var autoScalingGroupName: String
    public var launchTemplateName: String
    /// A version number (`$Latest`/`$Default` would leave nothing to roll back to); nil: no
    /// DesiredConfiguration, the group keeps its own launch template setting.
    public var launchTemplateVersion: Int?
    public var preferences: InstanceRefreshPreferences
    /// `Rolling` or `ReplaceRootVolume`, AWS's two strategies.
    public var strategy: String

    public init(region: Region, autoScalingGroupName: String, launchTemplateName: String, launchTemplateVersion: Int?,
                preferences: InstanceRefreshPreferences = InstanceRefreshPreferences(), strategy: String = "Rolling") {
        self.strategy = strategy
        self.region = region
        self.autoScalingGroupName = autoScalingGroupName
        self.launchTemplateName = launchTemplateName
        self.launchTemplateVersion = launchTemplateVersion
        self.preferences = preferences
    }
}

/// An instance refresh as DescribeInstanceRefreshes reports it.
public struct AWSInstanceRefresh: Sendable, Hashable {
    public var instanceRefreshId: String
    public var autoScalingGroupName: String
    /// Pending, InProgress, Baking, Successful, Failed, Cancelling, Cancelled, RollbackInProgress,
    /// RollbackSuccessful, RollbackFailed.
    public var status: String
    public var statusReason: String?
    public var startTime: Date?
    public var endTime: Date?
    public var percentageComplete: Int?
    public var instancesToUpdate: Int?
    public var preferences: InstanceRefreshPreferences
    public var desiredLaunchTemplateName: String?
    /// The DesiredConfiguration's version as AWS reports it (a number when Ingot started it).
    public var desiredLaunchTemplateVersion: String?
    public var rollbackReason: String?
    public var rollbackStartTime: Date?
    public var percentageCompleteOnRollback: Int?
    public var instancesToUpdateOnRollback: Int?
}

extension AWSCloud {
    /// StartInstanceRefresh (strategy Rolling); returns the refresh id.
    public func startInstanceRefresh(_ request: StartInstanceRefreshRequest) async throws -> String {
        let p = request.preferences
        if let v = request.launchTemplateVersion, v < 1 {
            throw IngotError.invalid("launch-template-version", "'\(v)' is not a launch template version number")
        }
        if let checkpoints = p.checkpointPercentages {
            guard checkpoints.allSatisfy({ (1...100).contains($0) }), zip(checkpoints, checkpoints.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw IngotError.invalid("checkpoint-percentages", "\(checkpoints) must be ascending, unique, from 1 to 100", code: "ValidationError")
            }
        }
        var q = autoScaling("StartInstanceRefresh")
        q.set("AutoScalingGroupName", request.autoScalingGroupName)
        q.set("Strategy", request.strategy)
        if let version = request.launchTemplateVersion {
            q.set("DesiredConfiguration.LaunchTemplate.LaunchTemplateName", request.launchTemplateName)
            q.set("DesiredConfiguration.LaunchTemplate.Version", String(version))
        }
        q.set("Preferences.MinHealthyPercentage", p.minHealthyPercentage)
        q.set("Preferences.MaxHealthyPercentage", p.maxHealthyPercentage)
        q.set("Preferences.InstanceWarmup", p.instanceWarmup)
        q.memberList("Preferences.CheckpointPercentages", (p.checkpointPercentages ?? []).map(String.init))
        q.set("Preferences.CheckpointDelay", p.checkpointDelay)
        q.set("Preferences.SkipMatching", p.skipMatching)
        q.set("Preferences.AutoRollback", p.autoRollback)
        q.set("Preferences.ScaleInProtectedInstances", p.scaleInProtectedInstances)
        q.set("Preferences.StandbyInstances", p.standbyInstances)
        q.set("Preferences.BakeTime", p.bakeTime)
        q.memberList("Preferences.AlarmSpecification.Alarms", p.alarms ?? [])
        return try refreshId(try await callAutoScaling(request.region, q), "StartInstanceRefresh")
    }

    /// DescribeInstanceRefreshes of a group (newest first, as AWS lists them), every page.
    public func describeInstanceRefreshes(region: Region, group: String, ids: [String] = []) async throws -> [AWSInstanceRefresh] {
        var q = autoScaling("DescribeInstanceRefreshes")
        q.set("AutoScalingGroupName", group)
        q.memberList("InstanceRefreshIds", ids)
        try requireOwnAccount(q.action)
        let pages = try await client.queryPages(.autoScaling, region: region, q, token: "DescribeInstanceRefreshesResult/NextToken")
        return try pages.flatMap { page in
            try (page.child("DescribeInstanceRefreshesResult") ?? page).members("InstanceRefreshes").map(Self.instanceRefresh)
        }
    }

    /// CancelInstanceRefresh of the group's refresh in progress; returns its id.
    public func cancelInstanceRefresh(region: Region, group: String) async throws -> String {
        var q = autoScaling("CancelInstanceRefresh")
        q.set("AutoScalingGroupName", group)
        return try refreshId(try await callAutoScaling(region, q), "CancelInstanceRefresh")
    }

    /// RollbackInstanceRefresh of the group's refresh in progress (back to the saved configuration); returns its id.
    public func rollbackInstanceRefresh(region: Region, group: String) async throws -> String {
        var q = autoScaling("RollbackInstanceRefresh")
        q.set("AutoScalingGroupName", group)
        return try refreshId(try await callAutoScaling(region, q), "RollbackInstanceRefresh")
    }

    func refreshId(_ answer: AWSXML.Element, _ action: String) throws -> String {
        guard let id = answer.string("\(action)Result/InstanceRefreshId"), !id.isEmpty else {
            throw IngotError.failed("\(action): the answer has no InstanceRefreshId")
        }
        return id
    }

    static func instanceRefresh(_ m: AWSXML.Element) throws -> AWSInstanceRefresh {
        let f = EC2Decoding.Fields(element: m, context: "DescribeInstanceRefreshes")
        let p = EC2Decoding.Fields(element: m.child("Preferences") ?? AWSXML.Element(name: "Preferences"), context: "DescribeInstanceRefreshes Preferences")
        let checkpoints = try (m.child("Preferences")?.members("CheckpointPercentages") ?? []).map { member -> Int in
            guard let v = Int(member.text) else { throw IngotError.failed("DescribeInstanceRefreshes: checkpoint '\(member.text)' is not a number") }
            return v
        }
        let alarms = m.at("Preferences/AlarmSpecification")?.members("Alarms").map(\.text) ?? []
        let preferences = InstanceRefreshPreferences(
            minHealthyPercentage: try p.int("MinHealthyPercentage"), maxHealthyPercentage: try p.int("MaxHealthyPercentage"),
            instanceWarmup: try p.int("InstanceWarmup"), checkpointPercentages: checkpoints.isEmpty ? nil : checkpoints,
            checkpointDelay: try p.int("CheckpointDelay"), skipMatching: p.bool("SkipMatching"), autoRollback: p.bool("AutoRollback"),
            scaleInProtectedInstances: p.string("ScaleInProtectedInstances"), standbyInstances: p.string("StandbyInstances"),
            bakeTime: try p.int("BakeTime"), alarms: alarms.isEmpty ? nil : alarms)
        return AWSInstanceRefresh(
            instanceRefreshId: try f.required("InstanceRefreshId"), autoScalingGroupName: try f.required("AutoScalingGroupName"),
            status: try f.required("Status"), statusReason: f.string("StatusReason"), startTime: try f.date("StartTime"),
            endTime: try f.date("EndTime"), percentageComplete: try f.int("PercentageComplete"), instancesToUpdate: try f.int("InstancesToUpdate"),
            preferences: preferences, desiredLaunchTemplateName: f.string("DesiredConfiguration/LaunchTemplate/LaunchTemplateName"),
            desiredLaunchTemplateVersion: f.string("DesiredConfiguration/LaunchTemplate/Version"),
            rollbackReason: f.string("RollbackDetails/RollbackReason"), rollbackStartTime: try f.date("RollbackDetails/RollbackStartTime"),
            percentageCompleteOnRollback: try f.int("RollbackDetails/PercentageCompleteOnRollback"),
            instancesToUpdateOnRollback: try f.int("RollbackDetails/InstancesToUpdateOnRollback"))
    }
}
