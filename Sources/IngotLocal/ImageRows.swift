import Foundation
import GRDB
import IngotCore

/// How images, snapshots and instances map to rows: the one place that writes and reads them.
enum ImageRows {
    static let effectiveState = "CASE WHEN image.state = 'pending' AND image.available_at IS NOT NULL AND image.available_at <= :now THEN 'available' ELSE image.state END"

    // MARK: Writing

    /// Inserts an image with its tags, block devices and launch permissions; returns its row id.
    @discardableResult
    static func insert(_ image: Image, importID: Int64? = nil, _ db: Database) throws -> Int64 {
        let s = try db.cachedStatement(sql: """
            INSERT INTO image (image_id, region, owner_id, owner_alias, name, description, state, available_at,
                creation_date, deprecation_time, architecture, virtualization_type, root_device_type,
                root_device_name, boot_mode, is_public, source_image_id, source_image_region, source_instance_id,
                image_version, deregistration_protection, no_reboot, import_id)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        s.setUncheckedArguments([
            image.id.rawValue, image.region.code, image.ownerId.rawValue, image.ownerAlias, image.name,
            image.description, image.state.rawValue, image.availableAt.map(Timestamp.millis),
            Timestamp.millis(image.creationDate), image.deprecationTime.map(Timestamp.millis),
            image.architecture.rawValue, image.virtualizationType.rawValue, image.rootDeviceType.rawValue,
            image.rootDeviceName, image.bootMode?.rawValue, image.isPublic, image.sourceImageId?.rawValue,
            image.sourceImageRegion?.code, image.sourceInstanceId?.rawValue, image.imageVersion?.description,
            image.deregistrationProtection.text, image.noReboot, importID,
        ])
        do { try s.execute() } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw IngotError.refused("InvalidAMIID.Duplicate", "image \(image.id) already exists")
        }
        let rowID = db.lastInsertedRowID
        try replaceTags(image.tags, image: rowID, db)
        let bdm = try db.cachedStatement(sql: """
            INSERT INTO block_device_mapping (image, position, device_name, snapshot_id, volume_size, volume_type,
                encrypted, kms_key_id, delete_on_termination, virtual_name) VALUES (?,?,?,?,?,?,?,?,?,?)
            """)
        for (i, m) in image.blockDeviceMappings.enumerated() {
            bdm.setUncheckedArguments([
                rowID, i, m.deviceName, m.snapshotId?.rawValue, m.volumeSize, m.volumeType?.rawValue, m.encrypted,
                m.kmsKeyId, m.deleteOnTermination, m.virtualName,
            ])
            try bdm.execute()
        }
        try replaceLaunchPermissions(image.launchPermissions, image: rowID, db)
        return rowID
    }

    static func replaceTags(_ tags: [Tag], image rowID: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM image_tag WHERE image = ?").execute(arguments: [rowID])
        let s = try db.cachedStatement(sql: "INSERT OR REPLACE INTO image_tag (image, key, value, position) VALUES (?,?,?,?)")
        for (i, t) in tags.enumerated() {
            s.setUncheckedArguments([rowID, t.key, t.value, i])
            try s.execute()
        }
    }

    static func replaceLaunchPermissions(_ p: LaunchPermissions, image rowID: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM launch_permission WHERE image = ?").execute(arguments: [rowID])
        let s = try db.cachedStatement(sql: "INSERT OR IGNORE INTO launch_permission (image, kind, value) VALUES (?,?,?)")
        func put(_ kind: String, _ value: String) throws {
            s.setUncheckedArguments([rowID, kind, value])
            try s.execute()
        }
        if p.isPublic { try put("group", "all") }
        for a in p.userIds { try put("user", a.rawValue) }
        for a in p.organizationArns { try put("organization", a) }
        for a in p.organizationalUnitArns { try put("ou", a) }
        try db.cachedStatement(sql: "UPDATE image SET is_public = ? WHERE id = ?").execute(arguments: [p.isPublic, rowID])
    }

    static func insertSnapshot(_ s: Snapshot, availableAt: Date? = nil, ignoreExisting: Bool = false, importID: Int64? = nil, _ db: Database) throws {
        let stmt = try db.cachedStatement(sql: """
            INSERT \(ignoreExisting ? "OR IGNORE" : "") INTO snapshot (snapshot_id, region, owner_id, volume_size, encrypted,
                kms_key_id, state, available_at, start_time, description, import_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """)
        stmt.setUncheckedArguments([
            s.id.rawValue, s.region.code, s.ownerId.rawValue, s.volumeSize, s.encrypted, s.kmsKeyId,
            s.state.rawValue, availableAt.map(Timestamp.millis), Timestamp.millis(s.startTime), s.description, importID,
        ])
        try stmt.execute()
    }

    // MARK: Reading

    /// Images matching `whereSQL` (over table `image`, named arguments, `:now` bound here), newest first.
    static func fetch(_ db: Database, where whereSQL: String, arguments: StatementArguments, now: Date, limit: Int? = nil) throws -> [Image] {
        var args = arguments
        _ = args.append(contentsOf: ["now": Timestamp.millis(now)] as StatementArguments)
        let sql = """
            SELECT image.id, image_id, region, owner_id, owner_alias, name, description, \(effectiveState) AS state,
                available_at, creation_date, deprecation_time, architecture, virtualization_type, root_device_type,
                root_device_name, boot_mode, source_image_id, source_image_region, source_instance_id, image_version,
                deregistration_protection, no_reboot
            FROM image WHERE \(whereSQL)
            ORDER BY creation_date DESC, image_id\(limit.map { " LIMIT \($0)" } ?? "")
            """
        var images: [Image] = []
        var rowIDs: [Int64] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: args)
        while let r = try rows.next() {
            rowIDs.append(r[0])
            let availableAt: Int64? = r[8]
            let deprecation: Int64? = r[10]
            let state = ImageState(rawValue: r[7]) ?? .error
            images.append(Image(
                id: ImageID(trusted: r[1]), region: Region(trusted: r[2]), ownerId: AccountID(trusted: r[3]),
                ownerAlias: r[4], name: r[5], description: r[6], state: state,
                creationDate: Timestamp.date(millis: r[9]), deprecationTime: deprecation.map(Timestamp.date(millis:)),
                architecture: Architecture(rawValue: r[11]) ?? .x86_64,
                virtualizationType: VirtualizationType(rawValue: r[12]) ?? .hvm,
                rootDeviceType: RootDeviceType(rawValue: r[13]) ?? .ebs, rootDeviceName: r[14],
                bootMode: (r[15] as String?).flatMap(BootMode.init(rawValue:)),
                sourceImageId: (r[16] as String?).map(ImageID.init(trusted:)),
                sourceImageRegion: (r[17] as String?).map(Region.init(trusted:)),
                sourceInstanceId: (r[18] as String?).map(InstanceID.init(trusted:)),
                imageVersion: (r[19] as String?).flatMap(ImageVersion.init(parsing:)),
                deregistrationProtection: DeregistrationProtection(text: r[20]) ?? .disabled,
                noReboot: r[21], availableAt: state == .pending ? availableAt.map(Timestamp.date(millis:)) : nil))
        }
        guard !images.isEmpty else { return [] }
        var index: [Int64: Int] = [:]
        index.reserveCapacity(rowIDs.count)
        for (i, id) in rowIDs.enumerated() { index[id] = i }
        // Children of all fetched images in one query each: row ids travel as one JSON array.
        let ids = "[" + rowIDs.map(String.init).joined(separator: ",") + "]"
        let tagRows = try Row.fetchCursor(db, sql: "SELECT image, key, value FROM image_tag WHERE image IN (SELECT value FROM json_each(?)) ORDER BY image, position", arguments: [ids])
        while let r = try tagRows.next() {
            if let i = index[r[0]] { images[i].tags.append(Tag(key: r[1], value: r[2])) }
        }
        let bdmRows = try Row.fetchCursor(db, sql: """
            SELECT image, device_name, snapshot_id, volume_size, volume_type, encrypted, kms_key_id, delete_on_termination, virtual_name
            FROM block_device_mapping WHERE image IN (SELECT value FROM json_each(?)) ORDER BY image, position
            """, arguments: [ids])
        while let r = try bdmRows.next() {
            guard let i = index[r[0]] else { continue }
            images[i].blockDeviceMappings.append(BlockDeviceMapping(
                deviceName: r[1], snapshotId: (r[2] as String?).map(SnapshotID.init(trusted:)), volumeSize: r[3],
                volumeType: (r[4] as String?).flatMap(VolumeType.init(rawValue:)), encrypted: r[5], kmsKeyId: r[6],
                deleteOnTermination: r[7], virtualName: r[8]))
        }
        let permRows = try Row.fetchCursor(db, sql: "SELECT image, kind, value FROM launch_permission WHERE image IN (SELECT value FROM json_each(?))", arguments: [ids])
        while let r = try permRows.next() {
            guard let i = index[r[0]] else { continue }
            let value: String = r[2]
            switch r[1] as String {
            case "group": images[i].launchPermissions.isPublic = true
            case "user": images[i].launchPermissions.userIds.append(AccountID(trusted: value))
            case "organization": images[i].launchPermissions.organizationArns.append(value)
            default: images[i].launchPermissions.organizationalUnitArns.append(value)
            }
        }
        for i in images.indices { images[i].launchPermissions.userIds.sort() }
        return images
    }

    static func fetchSnapshots(_ db: Database, where whereSQL: String, arguments: StatementArguments, now: Date) throws -> [Snapshot] {
        var args = arguments
        _ = args.append(contentsOf: ["now": Timestamp.millis(now)] as StatementArguments)
        let sql = """
            SELECT snapshot_id, region, owner_id, volume_size, encrypted, kms_key_id,
                CASE WHEN state = 'pending' AND available_at IS NOT NULL AND available_at <= :now THEN 'completed' ELSE state END,
                start_time, description,
                (SELECT group_concat(i.image_id, ' ') FROM block_device_mapping b JOIN image i ON i.id = b.image
                    WHERE b.snapshot_id = snapshot.snapshot_id)
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
