import GRDB

/// The store's schema, as its history of migrations. Never edit a released migration: add one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: images, snapshots, instances") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

                CREATE TABLE image (
                    id INTEGER PRIMARY KEY,
                    image_id TEXT NOT NULL UNIQUE,
                    region TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    owner_alias TEXT,
                    name TEXT NOT NULL,
                    description TEXT,
                    state TEXT NOT NULL,
                    available_at INTEGER,
                    creation_date INTEGER NOT NULL,
                    deprecation_time INTEGER,
                    architecture TEXT NOT NULL,
                    virtualization_type TEXT NOT NULL,
                    root_device_type TEXT NOT NULL,
                    root_device_name TEXT NOT NULL,
                    boot_mode TEXT,
                    is_public INTEGER NOT NULL DEFAULT 0,
                    source_image_id TEXT,
                    source_image_region TEXT,
                    source_instance_id TEXT,
                    image_version TEXT,
                    deregistration_protection TEXT NOT NULL DEFAULT 'disabled',
                    no_reboot INTEGER,
                    import_id INTEGER
                );
                CREATE INDEX image_by_owner_name ON image(region, owner_id, name);
                CREATE INDEX image_by_name ON image(region, name);
                CREATE INDEX image_by_source ON image(source_image_id) WHERE source_image_id IS NOT NULL;

                CREATE TABLE image_tag (
                    image INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    PRIMARY KEY (image, key)
                ) WITHOUT ROWID;
                CREATE INDEX image_tag_by_key_value ON image_tag(key, value);

                CREATE TABLE block_device_mapping (
                    image INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    device_name TEXT NOT NULL,
                    snapshot_id TEXT,
                    volume_size INTEGER,
                    volume_type TEXT,
                    encrypted INTEGER,
                    kms_key_id TEXT,
                    delete_on_termination INTEGER,
                    virtual_name TEXT,
                    PRIMARY KEY (image, position)
                ) WITHOUT ROWID;
                CREATE INDEX block_device_mapping_by_snapshot ON block_device_mapping(snapshot_id) WHERE snapshot_id IS NOT NULL;

                -- kind: user | group | organization | ou
                CREATE TABLE launch_permission (
                    image INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (image, kind, value)
                ) WITHOUT ROWID;
                CREATE INDEX launch_permission_by_value ON launch_permission(value, kind);

                CREATE TABLE snapshot (
                    snapshot_id TEXT PRIMARY KEY,
                    region TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    volume_size INTEGER NOT NULL,
                    encrypted INTEGER NOT NULL,
                    kms_key_id TEXT,
                    state TEXT NOT NULL,
                    available_at INTEGER,
                    start_time INTEGER NOT NULL,
                    description TEXT,
                    import_id INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX snapshot_by_owner ON snapshot(region, owner_id);

                CREATE TABLE instance (
                    instance_id TEXT PRIMARY KEY,
                    region TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    image_id TEXT,
                    instance_type TEXT NOT NULL,
                    availability_zone TEXT NOT NULL,
                    state TEXT NOT NULL,
                    launch_time INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX instance_by_owner ON instance(region, owner_id);

                CREATE TABLE instance_volume (
                    instance_id TEXT NOT NULL REFERENCES instance(instance_id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    device_name TEXT NOT NULL,
                    volume_size INTEGER NOT NULL,
                    volume_type TEXT NOT NULL,
                    encrypted INTEGER NOT NULL,
                    kms_key_id TEXT,
                    PRIMARY KEY (instance_id, position)
                ) WITHOUT ROWID;
                """)
        }
        return m
    }
}
