import IngotCore
import Foundation

/// An instance refresh as DescribeInstanceRefreshes reports it, every field AWS gives (the protocol's
/// ``InstanceRefresh`` is the part both clouds share).
public struct AWSInstanceRefresh: Sendable, Hashable {
    public var instanceRefreshId: String
    public var autoScalingGroupName: String
    public var status: RefreshStatus
    public var statusReason: String?
    public var startTime: Date?
    public var endTime: Date?
    public var percentageComplete: Int?
    public var instancesToUpdate: Int?
    public var preferences: RefreshPreferences
    public var strategy: String
    public var desiredLaunchTemplateName: String?
    /// The DesiredConfiguration's version as AWS reports it (a number when Ingot started it).
    public var desiredLaunchTemplateVersion: String?
    public var rollbackReason: String?
    public var rollbackStartTime: Date?
    public var percentageCompleteOnRollback: Int?
    public var instancesToUpdateOnRollback: Int?

    /// The record both clouds share.
    public func record(region: Region) -> InstanceRefresh {
        InstanceRefresh(instanceRefreshId: instanceRefreshId, autoScalingGroupName: autoScalingGroupName, region: region, status: status,
                        statusReason: statusReason, startTime: startTime, endTime: endTime, percentageComplete: percentageComplete ?? 0,
                        instancesToUpdate: instancesToUpdate ?? 0, strategy: strategy, desiredLaunchTemplateVersion: desiredLaunchTemplateVersion.flatMap { Int($0) },
                        previousLaunchTemplateVersion: nil, preferences: preferences.awsFields, rollbackReason: rollbackReason, summary: [:])
    }
}

extension AWSCloud: InstanceRefreshCloud {
    /// StartInstanceRefresh; returns the refresh id. The request is checked as AWS checks it first.
    public func startInstanceRefresh(_ request: StartInstanceRefreshRequest) async throws -> String {
        let p = request.preferences
        try request.validate()
        var q = autoScaling("StartInstanceRefresh")
        q.set("AutoScalingGroupName", request.autoScalingGroupName)
        q.set("Strategy", request.strategy)
        if let policy = request.mixedInstancesPolicy {
            Self.encode(policy, prefix: "DesiredConfiguration.MixedInstancesPolicy.", into: &q)
        } else if let version = request.launchTemplateVersion {
            q.setTemplate(request.launchTemplateName, prefix: "DesiredConfiguration.LaunchTemplate.")
            q.set("DesiredConfiguration.LaunchTemplate.Version", String(version))
        }
        q.set("Preferences.MinHealthyPercentage", p.minHealthyPercentage)
        q.set("Preferences.MaxHealthyPercentage", p.maxHealthyPercentage)
        q.set("Preferences.InstanceWarmup", p.instanceWarmup)
        q.memberList("Preferences.CheckpointPercentages", p.checkpointPercentages.map(String.init))
        q.set("Preferences.CheckpointDelay", p.checkpointPercentages.isEmpty ? nil : p.checkpointDelay)
        q.set("Preferences.SkipMatching", p.skipMatching)
        q.set("Preferences.AutoRollback", p.autoRollback)
        q.set("Preferences.ScaleInProtectedInstances", p.scaleInProtectedInstances.awsValue(standby: false))
        q.set("Preferences.StandbyInstances", p.standbyInstances.awsValue(standby: true))
        q.set("Preferences.BakeTime", p.bakeTime > 0 ? p.bakeTime : nil)
        q.memberList("Preferences.AlarmSpecification.Alarms", p.alarms)
        return try refreshId(try await callAutoScaling(request.region, q), "StartInstanceRefresh")
    }

    /// DescribeInstanceRefreshes of a group, newest first (the record both clouds share).
    public func describeInstanceRefreshes(region: Region, group: String, ids: [String]) async throws -> [InstanceRefresh] {
        try await describeInstanceRefreshDetails(region: region, group: group, ids: ids).map { $0.record(region: region) }
    }

    /// DescribeInstanceRefreshes of a group (newest first, as AWS lists them), every page, every field.
    public func describeInstanceRefreshDetails(region: Region, group: String, ids: [String] = []) async throws -> [AWSInstanceRefresh] {
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
        // Preferences AWS leaves out take its defaults, as RefreshPreferences spells them.
        var preferences = RefreshPreferences()
        if let v = try p.int("MinHealthyPercentage") { preferences.minHealthyPercentage = v }
        preferences.maxHealthyPercentage = try p.int("MaxHealthyPercentage")
        preferences.instanceWarmup = try p.int("InstanceWarmup")
        preferences.checkpointPercentages = checkpoints
        preferences.checkpointDelay = checkpoints.isEmpty ? nil : try p.int("CheckpointDelay")
        preferences.skipMatching = p.bool("SkipMatching") ?? false
        preferences.autoRollback = p.bool("AutoRollback") ?? false
        if let v = p.string("ScaleInProtectedInstances") {
            preferences.scaleInProtectedInstances = try HeldInstancePolicy(parsing: v, field: "DescribeInstanceRefreshes ScaleInProtectedInstances", standby: false)
        }
        if let v = p.string("StandbyInstances") {
            preferences.standbyInstances = try HeldInstancePolicy(parsing: v, field: "DescribeInstanceRefreshes StandbyInstances", standby: true)
        }
        preferences.bakeTime = try p.int("BakeTime") ?? 0
        preferences.alarms = alarms
        let statusText: String = try f.required("Status")
        guard let status = RefreshStatus(rawValue: statusText) else {
            throw IngotError.failed("DescribeInstanceRefreshes: unknown status '\(statusText)'")
        }
        return AWSInstanceRefresh(
            instanceRefreshId: try f.required("InstanceRefreshId"), autoScalingGroupName: try f.required("AutoScalingGroupName"),
            status: status, statusReason: f.string("StatusReason"), startTime: try f.date("StartTime"),
            endTime: try f.date("EndTime"), percentageComplete: try f.int("PercentageComplete"), instancesToUpdate: try f.int("InstancesToUpdate"),
            preferences: preferences, strategy: f.string("Strategy") ?? "Rolling",
            desiredLaunchTemplateName: f.string("DesiredConfiguration/LaunchTemplate/LaunchTemplateName"),
            desiredLaunchTemplateVersion: f.string("DesiredConfiguration/LaunchTemplate/Version"),
            rollbackReason: f.string("RollbackDetails/RollbackReason"), rollbackStartTime: try f.date("RollbackDetails/RollbackStartTime"),
            percentageCompleteOnRollback: try f.int("RollbackDetails/PercentageCompleteOnRollback"),
            instancesToUpdateOnRollback: try f.int("RollbackDetails/InstancesToUpdateOnRollback"))
    }
}
