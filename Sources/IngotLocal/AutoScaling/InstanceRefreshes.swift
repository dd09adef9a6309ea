import Foundation
import GRDB
import IngotCore
import IngotRollout
import ReplaceRootVolume
import Rolling

extension LocalCloud: InstanceRefreshCloud, SimulatedRefreshCloud {
    /// StartInstanceRefresh on the local cloud: the refresh runs at once in virtual time (AWS's Rolling
    /// or ReplaceRootVolume strategy, on a healthy day: no faults), and its outcome is written to the
    /// group in one transaction before the id is returned. `ingot groups refresh` runs the same engine
    /// with faults, other strategies and a chart; this is what any client of the local cloud gets.
    public func startInstanceRefresh(_ request: StartInstanceRefreshRequest) async throws -> String {
        try request.validate()
        let name = request.autoScalingGroupName
        guard let group = try await describeAutoScalingGroups(region: request.region, names: [name]).first else {
            throw IngotError.noSuchGroup(name, in: request.region)
        }
        guard group.launchTemplateName == request.launchTemplateName || request.launchTemplateVersion == nil else {
            throw IngotError.refused("ValidationError", "\(name) launches from \(group.launchTemplateName), not \(request.launchTemplateName)")
        }
        let strategy: any RolloutDecider = request.strategy == "ReplaceRootVolume" ? try ReplaceRootVolumeStrategy(parameters: [:]) : try RollingStrategy(parameters: [:])
        let run = try await GroupRefresh.run(cloud: self, region: request.region, group: name, desiredVersion: request.launchTemplateVersion.map { .number($0) },
                                             preferences: request.preferences, strategy: strategy, now: clock.now)
        return run.refresh.instanceRefreshId
    }

    /// Local refreshes run to their end before StartInstanceRefresh answers: none is ever in progress,
    /// and AWS's answer for that is ActiveInstanceRefreshNotFound.
    public func cancelInstanceRefresh(region: Region, group: String) async throws -> String {
        try await requireNoActiveRefresh(region: region, group: group)
    }

    public func rollbackInstanceRefresh(region: Region, group: String) async throws -> String {
        try await requireNoActiveRefresh(region: region, group: group)
    }

    private func requireNoActiveRefresh(region: Region, group: String) async throws -> String {
        _ = try await describeInstanceRefreshes(region: region, group: group, ids: [])  // the group must exist
        throw IngotError.refused("ActiveInstanceRefreshNotFound",
                                 "No in progress or pending Instance Refresh found for Auto Scaling group \(group) (local refreshes run to their end at once)")
    }

    /// Writes a simulated refresh's outcome to the group and records it, in one transaction; refused if
    /// the group changed while it was simulated.
    public func applyInstanceRefresh(region: Region, group name: String, outcome: RefreshOutcome) async throws {
        let ctx = context
        try await store.write { db in
            guard var group = try GroupRows.group(db, region: region, owner: ctx.caller, name: name) else {
                throw IngotError.noSuchGroup(name)
            }
            guard group.instances.map(\.instanceId) == outcome.startingInstances else {
                throw IngotError.refused("InstanceRefreshInProgress", "\(name) changed while its refresh was simulated; run it again")
            }
            let refresh = outcome.refresh
            var desiredGroup = group
            if let n = refresh.desiredLaunchTemplateVersion {
                desiredGroup.launchTemplateVersion = .number(n)
                // A desired configuration moves a mixed instances policy's override AMIs to the version's own image.
                if let policy = group.mixedInstancesPolicy {
                    desiredGroup.mixedInstancesPolicy = nil
                    desiredGroup.mixedInstancesPolicy = policy.desired(version: n, imageId: try ctx.launchTarget(desiredGroup, db).imageId)
                }
            }
            let desired = try ctx.launchTarget(desiredGroup, db)
            let (desiredVersion, desiredImage) = (desired.version, desired.imageId)
            // The saved configuration as the instances ran it (its template version may be gone, or an SSM
            // parameter may point elsewhere by now); else what the template says.
            var previous = (desiredVersion, desiredImage)
            if let p = refresh.previousLaunchTemplateVersion {
                if let image = outcome.previousImageId {
                    previous = (p, image)
                } else {
                    desiredGroup.launchTemplateVersion = .number(p)
                    previous = (try? ctx.launchTarget(desiredGroup, db)).map { ($0.version, $0.imageId) } ?? (p, desiredImage)
                }
            }
            let instanceType = try ctx.launchInstanceType(desiredGroup, version: desiredVersion, db)
            for instance in group.instances {
                guard let onDesired = outcome.kept[instance.instanceId] else {
                    try db.cachedStatement(sql: "UPDATE instance SET state = 'terminated' WHERE instance_id = ?").execute(arguments: [instance.instanceId.rawValue])
                    continue
                }
                let wasDesired = instance.launchTemplateVersion == desiredVersion && instance.imageId == desiredImage
                if onDesired != wasDesired {
                    // A root volume replaced in place: same instance, the other configuration's image.
                    let (v, image) = onDesired ? (desiredVersion, desiredImage) : previous
                    try db.cachedStatement(sql: "UPDATE instance SET template_version = ?, image_id = ? WHERE instance_id = ?").execute(arguments: [v, image, instance.instanceId.rawValue])
                }
            }
            for (offset, launch) in outcome.launched.enumerated() {
                let (v, image) = launch.desired ? (desiredVersion, desiredImage) : previous
                _ = try GroupRows.launchInstance(group: name, region: region, owner: ctx.caller, image: image, instanceType: instanceType, zone: launch.zone,
                                                 version: v, at: Timestamp.millis(ctx.now) + Int64(offset), db)
            }
            var changed = false
            if outcome.updateGroupVersion {
                group.launchTemplateVersion = .number(desiredVersion)
                group.mixedInstancesPolicy = desiredGroup.mixedInstancesPolicy
                changed = true
            }
            if let desired = outcome.finalDesiredCapacity, desired != group.desiredCapacity {
                group.desiredCapacity = desired
                group.maxSize = max(group.maxSize, desired)
                group.minSize = min(group.minSize, desired)
                changed = true
            }
            if changed { try GroupRows.save(group, owner: ctx.caller, db) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try db.cachedStatement(sql: """
                INSERT INTO instance_refresh (id, region, owner_id, group_name, start_time, record) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [refresh.instanceRefreshId, region.code, ctx.caller.rawValue, name, Timestamp.millis(refresh.startTime ?? ctx.now),
                                 String(decoding: try encoder.encode(refresh), as: UTF8.self)])
        }
    }

    public func describeInstanceRefreshes(region: Region, group: String, ids: [String]) async throws -> [InstanceRefresh] {
        let caller = caller
        return try await store.read { db in
            guard try GroupRows.group(db, region: region, owner: caller, name: group) != nil else {
                throw IngotError.noSuchGroup(group)
            }
            // Newest first, as DescribeInstanceRefreshes lists them.
            return try String.fetchAll(db.cachedStatement(sql: """
                SELECT record FROM instance_refresh WHERE region = ? AND owner_id = ? AND group_name = ? ORDER BY start_time DESC, rowid DESC
                """), arguments: [region.code, caller.rawValue, group]).map { try JSONDecoder().decode(InstanceRefresh.self, from: Data($0.utf8)) }
                .filter { ids.isEmpty || ids.contains($0.instanceRefreshId) }
        }
    }
}
