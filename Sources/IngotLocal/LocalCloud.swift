import Foundation
import GRDB
import IngotCore

/// The embedded cloud: a multi-account, multi-region AWS in one SQLite file, with AWS's rules and
/// error codes. Every mutation is one transaction.
///
/// ```swift
/// let cloud = LocalCloud(store: try Store(path: "ingot.sqlite", create: true), clock: .wall)
/// let images = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller]))
/// ```
public struct LocalCloud: Cloud {
    public let store: Store
    public let caller: AccountID
    public let clock: VirtualClock

    public init(store: Store, caller: AccountID? = nil, clock: VirtualClock = .wall) {
        self.store = store
        self.caller = caller ?? store.account
        self.clock = clock
    }

    public func acting(as account: AccountID) -> LocalCloud { LocalCloud(store: store, caller: account, clock: clock) }

    /// The same cloud at another instant.
    public func at(_ clock: VirtualClock) -> LocalCloud { LocalCloud(store: store, caller: caller, clock: clock) }

    // MARK: Describe

    public func describeImages(_ request: DescribeImagesRequest) async throws -> [Image] {
        let caller = caller, now = clock.now
        let (sql, args) = try DescribeImagesQuery.build(request, caller: caller)
        let ctx = context
        let images = try await store.read { db in
            let live = try ImageRows.fetch(db, where: sql, arguments: args, now: now)
            let found = Set(live.map(\.id))
            // Only a plain lookup by id answers for a deregistered image (its filters no longer apply to anything).
            guard request.filters.isEmpty, request.owners.isEmpty, request.executableBy.isEmpty else { return live }
            return live + (try ctx.recentlyDeregistered(request.imageIds.filter { !found.contains($0) }, region: request.region, db))
        }.map { image in
            // Another account's user-defined tags are not shared; aws: system tags are.
            guard image.ownerId != caller else { return image }
            var shared = image
            shared.tags = image.tags.filter { $0.key.lowercased().hasPrefix("aws:") }
            return shared
        }
        if !request.imageIds.isEmpty {
            let found = Set(images.map(\.id))
            if let missing = request.imageIds.first(where: { !found.contains($0) }) {
                // Distinguish "hidden by IncludeDisabled" from "does not exist" as AWS does: both are not found to the caller.
                throw IngotError.refused("InvalidAMIID.NotFound", "The image id '[\(missing)]' does not exist")
            }
        }
        return images
    }

    public func describeSnapshots(_ request: DescribeSnapshotsRequest) async throws -> [Snapshot] {
        let caller = caller, now = clock.now
        var clauses = ["region = :region", "owner_id = :caller"]
        var args: StatementArguments = ["region": request.region.code, "caller": caller.rawValue]
        if !request.snapshotIds.isEmpty {
            clauses.append("snapshot_id IN (" + request.snapshotIds.indices.map { ":s\($0)" }.joined(separator: ",") + ")")
            for (i, id) in request.snapshotIds.enumerated() { _ = args.append(contentsOf: ["s\(i)": id.rawValue]) }
        }
        if request.orphanedOnly {
            clauses.append("NOT EXISTS (SELECT 1 FROM snapshot_use u WHERE u.snapshot_id = snapshot.snapshot_id)")
        }
        let sql = clauses.joined(separator: " AND ")
        let arguments = args
        let snapshots = try await store.read { db in try ImageRows.fetchSnapshots(db, where: sql, arguments: arguments, now: now) }
        if let missing = request.snapshotIds.first(where: { id in !snapshots.contains { $0.id == id } }) {
            throw IngotError.refused("InvalidSnapshot.NotFound", "The snapshot '\(missing)' does not exist.")
        }
        return snapshots
    }

    public func describeInstances(region: Region, instanceIds: [InstanceID]) async throws -> [Instance] {
        let caller = caller
        return try await store.read { db in
            var sql = "region = :region AND owner_id = :caller"
            var args: StatementArguments = ["region": region.code, "caller": caller.rawValue]
            if !instanceIds.isEmpty {
                sql += " AND instance_id IN (" + instanceIds.indices.map { ":i\($0)" }.joined(separator: ",") + ")"
                for (i, id) in instanceIds.enumerated() { _ = args.append(contentsOf: ["i\(i)": id.rawValue]) }
            }
            let found = try ImageRows.fetchInstances(db, where: sql, arguments: args)
            if let missing = instanceIds.first(where: { id in !found.contains { $0.id == id } }) {
                throw IngotError.refused("InvalidInstanceID.NotFound", "The instance ID '\(missing)' does not exist")
            }
            return found
        }
    }

    // MARK: Instances and building images

    public func runInstances(_ request: RunInstancesRequest) async throws -> [Instance] {
        let ctx = context
        return try await store.write { db in try ctx.runInstances(request, db) }
    }

    public func terminateInstances(region: Region, instanceIds: [InstanceID]) async throws {
        let ctx = context
        try await store.write { db in try ctx.terminateInstances(region: region, ids: instanceIds, db) }
    }

    public func createImage(_ request: CreateImageRequest) async throws -> ImageID {
        let ctx = context
        return try await store.write { db in try ctx.createImage(request, db) }
    }

    /// What `ingot images create` does in one transaction: launch a builder with a root volume of
    /// `volumeSize` GiB, CreateImage from it, terminate the builder. The image is available at once.
    public func buildImage(region: Region, name: ImageName, description: String? = nil, tags: [Tag] = [],
                           imageVersion: ImageVersion? = nil, volumeSize: Int = 8, architecture: Architecture = .x86_64,
                           baseImageId: ImageID? = nil, encrypted: Bool = false, kmsKeyId: String? = nil) async throws -> ImageID {
        guard (1...16_384).contains(volumeSize) else {
            throw IngotError.invalid("volume-size", "\(volumeSize) is out of range; accepted: 1 to 16384 GiB", code: "InvalidParameterValue")
        }
        let ctx = context
        return try await store.write { db in
            var builder = try ctx.runInstances(RunInstancesRequest(region: region, imageId: baseImageId, rootVolumeSize: volumeSize), db)[0]
            if encrypted {
                builder.volumes = builder.volumes.map { var v = $0; v.encrypted = true; v.kmsKeyId = kmsKeyId ?? ImageRules.defaultEBSKey; return v }
                try db.execute(sql: "UPDATE instance_volume SET encrypted = 1, kms_key_id = ? WHERE instance_id = ?",
                               arguments: [kmsKeyId ?? ImageRules.defaultEBSKey, builder.id.rawValue])
            }
            let id = try ctx.createImage(
                CreateImageRequest(region: region, instanceId: builder.id, name: name, description: description, noReboot: false, tags: tags, imageVersion: imageVersion),
                architecture: architecture, db)
            try ctx.terminateInstances(region: region, ids: [builder.id], db)
            return id
        }
    }

    public func registerImage(_ request: RegisterImageRequest) async throws -> ImageID {
        let ctx = context
        return try await store.write { db in try ctx.registerImage(request, db) }
    }

    public func copyImage(_ request: CopyImageRequest) async throws -> ImageID {
        let ctx = context
        return try await store.write { db in try ctx.copyImage(request, db) }
    }

    public func createTags(region: Region, imageId: ImageID, tags: [Tag]) async throws {
        let ctx = context
        try await store.write { db in
            let (row, image) = try ctx.ownedImage(imageId, region: region, db)
            try ImageRows.replaceTags(image.tags, with: image.tags.setting(tags), image: row, db)
        }
    }

    // MARK: Sharing, deprecation, disabling, protection

    public func modifyLaunchPermission(_ request: ModifyLaunchPermissionRequest) async throws {
        let ctx = context
        try await store.write { db in try ctx.modifyLaunchPermission(request, db) }
    }

    @discardableResult
    public func enableImageDeprecation(region: Region, imageId: ImageID, deprecateAt: Date) async throws -> Date {
        let ctx = context
        return try await store.write { db in
            let (row, image) = try ctx.ownedImage(imageId, region: region, db)
            let time = try ImageRules.deprecationTime(deprecateAt, now: ctx.now, image: image)
            if image.isPublic, let current = image.deprecationTime, time > current {
                throw ImageRules.publicDeprecationRefusal(image)
            }
            try db.cachedStatement(sql: "UPDATE image SET deprecation_time = ? WHERE id = ?").execute(arguments: [Timestamp.millis(time), row])
            return time
        }
    }

    public func disableImageDeprecation(region: Region, imageId: ImageID) async throws {
        let ctx = context
        try await store.write { db in
            let (row, image) = try ctx.ownedImage(imageId, region: region, db)
            if image.isPublic { throw ImageRules.publicDeprecationRefusal(image) }
            try db.cachedStatement(sql: "UPDATE image SET deprecation_time = NULL WHERE id = ?").execute(arguments: [row])
        }
    }

    public func imageBlockPublicAccess(region: Region) async throws -> ImageBlockPublicAccessState {
        let ctx = context
        return try await store.read { db in try ctx.imageBlockPublicAccessState(region: region, db) }
    }

    public func setImageBlockPublicAccess(_ state: ImageBlockPublicAccessState, region: Region) async throws {
        let ctx = context
        try await store.write { db in try ctx.setImageBlockPublicAccess(state, region: region, db) }
    }

    public func disableImage(region: Region, imageId: ImageID) async throws {
        let ctx = context
        try await store.write { db in try ctx.disableImage(region: region, imageId: imageId, db) }
    }

    public func enableImage(region: Region, imageId: ImageID) async throws {
        let ctx = context
        try await store.write { db in
            let (row, image) = try ctx.ownedImage(imageId, region: region, db)
            guard image.state == .disabled else {
                throw IngotError.refused("IncorrectState", "Image \(imageId) is \(image.state.rawValue), not disabled")
            }
            try db.cachedStatement(sql: "UPDATE image SET state = 'available' WHERE id = ?").execute(arguments: [row])
        }
    }

    public func enableImageDeregistrationProtection(region: Region, imageId: ImageID, withCooldown: Bool) async throws {
        let ctx = context
        try await store.write { db in
            let (row, _) = try ctx.ownedImage(imageId, region: region, db)
            try db.execute(sql: "UPDATE image SET deregistration_protection = ? WHERE id = ?",
                           arguments: [DeregistrationProtection.enabled(withCooldown: withCooldown).text, row])
        }
    }

    public func disableImageDeregistrationProtection(region: Region, imageId: ImageID) async throws {
        let ctx = context
        try await store.write { db in
            let (row, image) = try ctx.ownedImage(imageId, region: region, db)
            let next: DeregistrationProtection = switch image.deregistrationProtection {
            case .enabled(withCooldown: true): .disabledUntil(ctx.now.addingTimeInterval(24 * 3600))
            case .disabledUntil(let t) where t > ctx.now: .disabledUntil(t)
            default: .disabled
            }
            try db.cachedStatement(sql: "UPDATE image SET deregistration_protection = ? WHERE id = ?").execute(arguments: [next.text, row])
        }
    }

    // MARK: Deregistering and snapshots

    public func deregisterImage(region: Region, imageId: ImageID, deleteAssociatedSnapshots: Bool) async throws -> DeregisterImageResult {
        let ctx = context
        return try await store.write { db in try ctx.deregisterImage(region: region, imageId: imageId, deleteSnapshots: deleteAssociatedSnapshots, db) }
    }

    public func deleteSnapshot(region: Region, snapshotId: SnapshotID) async throws {
        let ctx = context
        try await store.write { db in
            guard let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT owner_id FROM snapshot WHERE snapshot_id = ? AND region = ?"),
                                                  arguments: [snapshotId.rawValue, region.code]) else {
                throw IngotError.refused("InvalidSnapshot.NotFound", "The snapshot '\(snapshotId)' does not exist.")
            }
            guard owner == ctx.caller.rawValue else {
                throw IngotError.refused("UnauthorizedOperation", "You are not authorized to delete snapshot \(snapshotId), owned by \(owner)")
            }
            if let user = try String.fetchOne(db.cachedStatement(sql: """
                SELECT i.image_id FROM snapshot_use u JOIN image i ON i.id = u.image WHERE u.snapshot_id = ? ORDER BY i.image_id LIMIT 1
                """), arguments: [snapshotId.rawValue]) {
                throw IngotError.refused("InvalidSnapshot.InUse", "The snapshot \(snapshotId) is currently in use by \(user)")
            }
            try db.cachedStatement(sql: "DELETE FROM snapshot WHERE snapshot_id = ?").execute(arguments: [snapshotId.rawValue])
        }
    }

    var context: Operations { Operations(caller: caller, now: clock.now) }
}

extension LocalCloud {
    /// The regions where the caller owns images, launch templates or groups (what `doctor` looks at
    /// when no region is given).
    public func regionsInUse() async throws -> [Region] {
        let caller = caller
        return try await store.read { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT region FROM image WHERE owner_id = ?1
                UNION SELECT region FROM launch_template WHERE owner_id = ?1
                UNION SELECT region FROM auto_scaling_group WHERE owner_id = ?1
                ORDER BY region
                """), arguments: [caller.rawValue]).map(Region.init(trusted:))
        }
    }
}
