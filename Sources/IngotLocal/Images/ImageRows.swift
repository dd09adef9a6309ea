import Foundation
import GRDB
import IngotCore

/// How images, snapshots and instances map to rows: the one place that writes and reads them.
enum ImageRows {
    /// A pending copy lands at `available_at`: available, or failed when it was doomed (`fail_reason`,
    /// a KMS key it cannot use), as AWS checks the key after CopyImage answers.
    static let effectiveState = """
        CASE WHEN image.state = 'pending' AND image.available_at IS NOT NULL AND image.available_at <= :now
            THEN (CASE WHEN image.fail_reason IS NULL THEN 'available' ELSE 'failed' END) ELSE image.state END
        """

    // MARK: Writing

    /// Inserts an image with its tags, block devices and launch permissions; returns its row id.
    @discardableResult
    static func insert(_ image: Image, _ db: Database) throws -> Int64 {
        let batch = ImageBatch([image])
        let rows = try insert(batch, db)
        guard let row = rows[0] else { throw IngotError.refused("InvalidAMIID.Duplicate", "image \(image.id) already exists") }
        return row
    }

    /// Inserts a prepared batch; returns each image's row id, nil where the image id already existed.
    /// Index entries go in sorted key order (prepared off this thread): neighbouring keys share pages.
    static func insert(_ batch: ImageBatch, importID: Int64? = nil, _ db: Database) throws -> [Int64?] {
        let s = try RawStatement(db, """
            INSERT OR IGNORE INTO image (image_id, region, owner_id, owner_alias, name, description, state, available_at,
                creation_date, deprecation_time, architecture, virtualization_type, root_device_type,
                root_device_name, boot_mode, is_public, source_image_id, source_image_region, source_instance_id,
                image_version, deregistration_protection, no_reboot, tags, block_devices, launch_permissions, import_id)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        var rows: [Int64?] = []
        rows.reserveCapacity(batch.rows.count)
        for row in batch.rows {
            let image = row.image
            s.bind(1, image.id.rawValue); s.bind(2, image.region.code); s.bind(3, image.ownerId.rawValue)
            s.bind(4, image.ownerAlias); s.bind(5, image.name); s.bind(6, image.description); s.bind(7, image.state.rawValue)
            s.bind(8, image.availableAt.map(Timestamp.millis)); s.bind(9, Timestamp.millis(image.creationDate))
            s.bind(10, image.deprecationTime.map(Timestamp.millis)); s.bind(11, image.architecture.rawValue)
            s.bind(12, image.virtualizationType.rawValue); s.bind(13, image.rootDeviceType.rawValue); s.bind(14, image.rootDeviceName)
            s.bind(15, image.bootMode?.rawValue); s.bind(16, image.isPublic); s.bind(17, image.sourceImageId?.rawValue)
            s.bind(18, image.sourceImageRegion?.code); s.bind(19, image.sourceInstanceId?.rawValue)
            s.bind(20, image.imageVersion?.description); s.bind(21, image.deregistrationProtection.text); s.bind(22, image.noReboot)
            s.bind(23, row.tagsJSON); s.bind(24, row.blockDevicesJSON); s.bind(25, row.permissionsJSON); s.bind(26, importID)
            try s.step()
            rows.append(db.changesCount == 1 ? db.lastInsertedRowID : nil)
        }
        var tags = BulkInsert(db, "INSERT OR IGNORE INTO image_tag (key, value, image)", columns: 3)
        for t in batch.tags {
            guard let row = rows[t.index] else { continue }
            tags.append(.text(t.key)); tags.append(.text(t.value)); tags.append(.int(row))
            try tags.endRow()
        }
        try tags.flush()
        var uses = BulkInsert(db, "INSERT OR IGNORE INTO snapshot_use (snapshot_id, image)", columns: 2)
        for u in batch.snapshotUses {
            guard let row = rows[u.index] else { continue }
            uses.append(.text(u.snapshotId)); uses.append(.int(row))
            try uses.endRow()
        }
        try uses.flush()
        for (i, row) in batch.rows.enumerated() where !row.image.launchPermissions.isEmpty {
            if let id = rows[i] { try indexPermissions(row.image.launchPermissions, image: id, add: true, db) }
        }
        return rows
    }

    /// Removes an image row and its index entries.
    static func delete(_ image: Image, row: Int64, _ db: Database) throws {
        try indexTags(image.tags, image: row, add: false, db)
        try indexPermissions(image.launchPermissions, image: row, add: false, db)
        for snapshot in image.snapshotIds {
            try db.execute(sql: "DELETE FROM snapshot_use WHERE snapshot_id = ? AND image = ?", arguments: [snapshot.rawValue, row])
        }
        try db.execute(sql: "DELETE FROM image WHERE id = ?", arguments: [row])
    }

    static func replaceTags(_ old: [Tag], with tags: [Tag], image rowID: Int64, _ db: Database) throws {
        try indexTags(old, image: rowID, add: false, db)
        try indexTags(tags, image: rowID, add: true, db)
        try db.execute(sql: "UPDATE image SET tags = ? WHERE id = ?", arguments: [RowJSON.tags(tags), rowID])
    }

    static func replaceLaunchPermissions(_ old: LaunchPermissions, with p: LaunchPermissions, image rowID: Int64, _ db: Database) throws {
        try indexPermissions(old, image: rowID, add: false, db)
        try indexPermissions(p, image: rowID, add: true, db)
        try db.execute(sql: "UPDATE image SET launch_permissions = ?, is_public = ? WHERE id = ?",
                       arguments: [RowJSON.permissions(p), p.isPublic, rowID])
    }

    static func indexTags(_ tags: [Tag], image rowID: Int64, add: Bool, _ db: Database) throws {
        let s = try RawStatement(db, add ? "INSERT OR IGNORE INTO image_tag (key, value, image) VALUES (?,?,?)"
                                         : "DELETE FROM image_tag WHERE key = ? AND value = ? AND image = ?")
        for t in tags {
            s.bind(1, t.key); s.bind(2, t.value); s.bind(3, rowID)
            try s.step()
        }
    }

    private static func indexPermissions(_ p: LaunchPermissions, image rowID: Int64, add: Bool, _ db: Database) throws {
        let s = try RawStatement(db, add ? "INSERT OR IGNORE INTO launch_permission (value, kind, image) VALUES (?,?,?)"
                                         : "DELETE FROM launch_permission WHERE value = ? AND kind = ? AND image = ?")
        for (kind, value) in RowJSON.permissionRows(p) {
            s.bind(1, value); s.bind(2, kind); s.bind(3, rowID)
            try s.step()
        }
    }

    static func insertSnapshot(_ s: Snapshot, availableAt: Date? = nil, _ db: Database) throws {
        _ = try insertSnapshots([s], availableAt: availableAt, db)
    }

    /// Inserts snapshots (in the given order; sorted by id is fastest), skipping ids that exist when
    /// `ignoreExisting`; returns how many were inserted.
    static func insertSnapshots(_ list: [Snapshot], availableAt: Date? = nil, ignoreExisting: Bool = false, importID: Int64? = nil, _ db: Database) throws -> Int {
        var insert = BulkInsert(db, """
            INSERT \(ignoreExisting ? "OR IGNORE" : "") INTO snapshot (snapshot_id, region, owner_id, volume_size, encrypted,
                kms_key_id, state, available_at, start_time, description, import_id)
            """, columns: 11, chunk: 32)
        var inserted = 0
        let available = availableAt.map(Timestamp.millis)
        for s in list {
            for value: BulkInsert.Value in [
                .text(s.id.rawValue), .text(s.region.code), .text(s.ownerId.rawValue), .int(Int64(s.volumeSize)),
                .int(s.encrypted ? 1 : 0), .text(s.kmsKeyId), .text(s.state.rawValue), .int(available),
                .int(Timestamp.millis(s.startTime)), .text(s.description), .int(importID),
            ] { insert.append(value) }
            inserted += try insert.endRow()
        }
        return inserted + (try insert.flush())
    }

    // MARK: Reading

    /// Images matching `whereSQL` (over table `image`, named arguments, `:now` bound here), newest first.
    static func fetch(_ db: Database, where whereSQL: String, arguments: StatementArguments, now: Date, limit: Int? = nil) throws -> [Image] {
        try fetchRows(db, where: whereSQL, arguments: arguments, now: now, limit: limit).map(\.image)
    }

    /// The same, with each image's row id (what its tags, permissions and snapshots rows point to).
    static func fetchRows(_ db: Database, where whereSQL: String, arguments: StatementArguments, now: Date, limit: Int? = nil) throws -> [(rowID: Int64, image: Image)] {
        var args = arguments
        _ = args.append(contentsOf: ["now": Timestamp.millis(now)] as StatementArguments)
        let sql = """
            SELECT image.id, image_id, region, owner_id, owner_alias, name, description, \(effectiveState) AS state,
                available_at, creation_date, deprecation_time, architecture, virtualization_type, root_device_type,
                root_device_name, boot_mode, source_image_id, source_image_region, source_instance_id, image_version,
                deregistration_protection, no_reboot, tags, block_devices, launch_permissions, fail_reason
            FROM image WHERE \(whereSQL)
            ORDER BY creation_date DESC, image_id\(limit.map { " LIMIT \($0)" } ?? "")
            """
        // Cached: compiling this statement (26 columns, each checked by GRDB's authorizer) costs more than
        // running it, and the same shape of query repeats (describe calls, distributions). Read in place.
        return try RawQuery.all(db, sql, args) { r in
            let availableAt = r.optionalInt64(8)
            let state = ImageState(rawValue: r.text(7)) ?? .error
            return (r.int64(0), Image(
                id: ImageID(trusted: r.text(1)), region: Region(trusted: r.text(2)), ownerId: AccountID(trusted: r.text(3)),
                ownerAlias: r.optionalText(4), name: r.text(5), description: r.optionalText(6), state: state,
                creationDate: Timestamp.date(millis: r.int64(9)), deprecationTime: r.optionalInt64(10).map(Timestamp.date(millis:)),
                architecture: Architecture(rawValue: r.text(11)) ?? .x86_64,
                virtualizationType: VirtualizationType(rawValue: r.text(12)) ?? .hvm,
                rootDeviceType: RootDeviceType(rawValue: r.text(13)) ?? .ebs, rootDeviceName: r.text(14),
                bootMode: r.optionalText(15).flatMap(BootMode.init(rawValue:)),
                blockDeviceMappings: try RowJSON.decodeBlockDevices(r.text(23)), tags: try RowJSON.decodeTags(r.text(22)),
                launchPermissions: try RowJSON.decodePermissions(r.text(24)),
                sourceImageId: r.optionalText(16).map(ImageID.init(trusted:)),
                sourceImageRegion: r.optionalText(17).map(Region.init(trusted:)),
                sourceInstanceId: r.optionalText(18).map(InstanceID.init(trusted:)),
                imageVersion: r.optionalText(19).flatMap(ImageVersion.init(parsing:)),
                deregistrationProtection: DeregistrationProtection(text: r.text(20)) ?? .disabled,
                noReboot: r.isNull(21) ? nil : r.bool(21), availableAt: state == .pending ? availableAt.map(Timestamp.date(millis:)) : nil,
                stateReason: state == .failed ? r.optionalText(25) : nil))
        }
    }

    static func fetchSnapshots(_ db: Database, where whereSQL: String, arguments: StatementArguments, now: Date) throws -> [Snapshot] {
        var args = arguments
        _ = args.append(contentsOf: ["now": Timestamp.millis(now)] as StatementArguments)
        let sql = """
            SELECT snapshot_id, region, owner_id, volume_size, encrypted, kms_key_id,
                CASE WHEN state = 'pending' AND available_at IS NOT NULL AND available_at <= :now
                    THEN (CASE WHEN fail_reason IS NULL THEN 'completed' ELSE 'error' END) ELSE state END,
                start_time, description,
                (SELECT group_concat(i.image_id, ' ') FROM snapshot_use u JOIN image i ON i.id = u.image
                    WHERE u.snapshot_id = snapshot.snapshot_id)
            FROM snapshot WHERE \(whereSQL) ORDER BY start_time DESC, snapshot_id
            """
        return try Row.fetchAll(db, sql: sql, arguments: args).map { r in
            Snapshot(
                id: SnapshotID(trusted: r[0]), region: Region(trusted: r[1]), ownerId: AccountID(trusted: r[2]),
                volumeSize: r[3], encrypted: r[4], kmsKeyId: r[5], state: SnapshotState(rawValue: r[6]) ?? .error,
                startTime: Timestamp.date(millis: r[7]), description: r[8],
                imageIds: ((r[9] as String?) ?? "").split(separator: " ").map { ImageID(trusted: String($0)) }.sorted())
        }
    }

    static func insertInstance(_ i: Instance, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO instance (instance_id, region, owner_id, image_id, instance_type, availability_zone, state, launch_time)
            VALUES (?,?,?,?,?,?,?,?)
            """, arguments: [i.id.rawValue, i.region.code, i.ownerId.rawValue, i.imageId?.rawValue, i.instanceType,
                             i.availabilityZone, i.state.rawValue, Timestamp.millis(i.launchTime)])
        for (n, v) in i.volumes.enumerated() {
            try db.execute(sql: """
                INSERT INTO instance_volume (instance_id, position, device_name, volume_size, volume_type, encrypted, kms_key_id)
                VALUES (?,?,?,?,?,?,?)
                """, arguments: [i.id.rawValue, n, v.deviceName, v.volumeSize ?? 8, (v.volumeType ?? .gp3).rawValue, v.encrypted ?? false, v.kmsKeyId])
        }
    }

    static func fetchInstances(_ db: Database, where whereSQL: String, arguments: StatementArguments) throws -> [Instance] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT instance_id, region, owner_id, image_id, instance_type, availability_zone, state, launch_time
            FROM instance WHERE \(whereSQL) ORDER BY launch_time, instance_id
            """, arguments: arguments)
        return try rows.map { r in
            let id: String = r[0]
            let volumes = try Row.fetchAll(db, sql: """
                SELECT device_name, volume_size, volume_type, encrypted, kms_key_id FROM instance_volume
                WHERE instance_id = ? ORDER BY position
                """, arguments: [id]).map { v in
                BlockDeviceMapping(deviceName: v[0], volumeSize: v[1], volumeType: VolumeType(rawValue: v[2]), encrypted: v[3], kmsKeyId: v[4])
            }
            return Instance(
                id: InstanceID(trusted: id), region: Region(trusted: r[1]), ownerId: AccountID(trusted: r[2]),
                imageId: (r[3] as String?).map(ImageID.init(trusted:)), instanceType: r[4], availabilityZone: r[5],
                state: InstanceState(rawValue: r[6]) ?? .running, launchTime: Timestamp.date(millis: r[7]), volumes: volumes)
        }
    }
}
