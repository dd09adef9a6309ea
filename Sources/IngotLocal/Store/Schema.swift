import GRDB

/// The store's schema, as its history of migrations. Never edit a released migration: add one.
///
/// An image is one row: its tags, block devices and launch permissions ride along as compact JSON
/// (read back with the image at no extra cost). Three narrow WITHOUT ROWID tables index what
/// queries search by: `image_tag` (filters by tag), `snapshot_use` (is a snapshot in use, which
/// images use it) and `launch_permission` (visibility to another account). `ImageRows` keeps them
/// in step with the row; bulk import writes 8 B-tree entries per image instead of 13.
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
                    tags TEXT NOT NULL DEFAULT '[]',
                    block_devices TEXT NOT NULL DEFAULT '[]',
                    launch_permissions TEXT NOT NULL DEFAULT '[]',
                    import_id INTEGER
                );
                CREATE INDEX image_by_name ON image(region, name);
                CREATE INDEX image_by_source ON image(source_image_id) WHERE source_image_id IS NOT NULL;

                CREATE TABLE image_tag (
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    image INTEGER NOT NULL,
                    PRIMARY KEY (key, value, image)
                ) WITHOUT ROWID;

                CREATE TABLE snapshot_use (
                    snapshot_id TEXT NOT NULL,
                    image INTEGER NOT NULL,
                    PRIMARY KEY (snapshot_id, image)
                ) WITHOUT ROWID;

                -- kind: user | group | organization | ou
                CREATE TABLE launch_permission (
                    value TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    image INTEGER NOT NULL,
                    PRIMARY KEY (value, kind, image)
                ) WITHOUT ROWID;

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
        m.registerMigration("v2: launch templates") { db in try db.execute(sql: v2) }
        m.registerMigration("v3: SSM parameters") { db in try db.execute(sql: v3) }
        m.registerMigration("v4: Auto Scaling groups") { db in try db.execute(sql: v4) }
        m.registerMigration("v5: instance refreshes") { db in try db.execute(sql: v5) }
        m.registerMigration("v6: KMS keys, failed copies, account settings") { db in try db.execute(sql: v6) }
        m.registerMigration("v7: mixed instances policies") { db in try db.execute(sql: v7) }
        m.registerMigration("v8: Image Builder") { db in try db.execute(sql: v8) }
        return m
    }
}

extension Schema {
    static let v2 = """
        CREATE TABLE launch_template (
            id TEXT PRIMARY KEY,
            region TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            name TEXT NOT NULL,
            create_time INTEGER NOT NULL,
            default_version INTEGER NOT NULL,
            latest_version INTEGER NOT NULL,
            tags TEXT NOT NULL DEFAULT '[]',
            UNIQUE (region, owner_id, name)
        ) WITHOUT ROWID;

        CREATE TABLE launch_template_version (
            template_id TEXT NOT NULL REFERENCES launch_template(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            description TEXT,
            create_time INTEGER NOT NULL,
            data TEXT NOT NULL,
            client_token TEXT,
            PRIMARY KEY (template_id, version)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX launch_template_version_by_token ON launch_template_version(template_id, client_token)
            WHERE client_token IS NOT NULL;
        """
}

extension Schema {
    static let v3 = """
        CREATE TABLE ssm_parameter_version (
            region TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            type TEXT NOT NULL,
            data_type TEXT NOT NULL,
            value TEXT NOT NULL,
            labels TEXT NOT NULL DEFAULT '[]',
            modified INTEGER NOT NULL,
            PRIMARY KEY (region, owner_id, name, version)
        ) WITHOUT ROWID;
        """
}

extension Schema {
    static let v4 = """
        CREATE TABLE auto_scaling_group (
            region TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            name TEXT NOT NULL,
            template_name TEXT NOT NULL,
            template_version TEXT NOT NULL,
            min_size INTEGER NOT NULL,
            max_size INTEGER NOT NULL,
            desired_capacity INTEGER NOT NULL,
            availability_zones TEXT NOT NULL,
            health_check_grace_period INTEGER NOT NULL,
            default_instance_warmup INTEGER,
            created_time INTEGER NOT NULL,
            PRIMARY KEY (region, owner_id, name)
        ) WITHOUT ROWID;
        ALTER TABLE instance ADD COLUMN group_name TEXT;
        ALTER TABLE instance ADD COLUMN template_version INTEGER;
        ALTER TABLE instance ADD COLUMN health_status TEXT;
        CREATE INDEX instance_by_group ON instance(region, owner_id, group_name) WHERE group_name IS NOT NULL;
        """

    static let v5 = """
        CREATE TABLE instance_refresh (
            id TEXT NOT NULL UNIQUE,
            region TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            group_name TEXT NOT NULL,
            start_time INTEGER NOT NULL,
            record TEXT NOT NULL
        );
        CREATE INDEX instance_refresh_by_group ON instance_refresh(region, owner_id, group_name, start_time);
        """

    /// KMS keys the accounts made (AWS managed keys are derived, not stored), their aliases and the
    /// other accounts allowed to use them; why a pending copy will fail; deregistered images, which
    /// DescribeImages still answers for a while; per-region account settings (block public access for AMIs).
    static let v6 = """
        CREATE TABLE kms_key (
            key_id TEXT PRIMARY KEY,
            region TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            description TEXT NOT NULL,
            creation_date INTEGER NOT NULL
        );
        CREATE INDEX kms_key_by_owner ON kms_key(region, owner_id);
        CREATE TABLE kms_alias (
            region TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            name TEXT NOT NULL,
            key_id TEXT NOT NULL REFERENCES kms_key(key_id) ON DELETE CASCADE,
            PRIMARY KEY (region, owner_id, name)
        ) WITHOUT ROWID;
        CREATE TABLE kms_grant (
            key_id TEXT NOT NULL REFERENCES kms_key(key_id) ON DELETE CASCADE,
            account TEXT NOT NULL,
            PRIMARY KEY (key_id, account)
        ) WITHOUT ROWID;
        ALTER TABLE image ADD COLUMN fail_reason TEXT;
        ALTER TABLE snapshot ADD COLUMN fail_reason TEXT;
        CREATE TABLE deregistered_image (
            image_id TEXT PRIMARY KEY,
            region TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            name TEXT NOT NULL,
            creation_date INTEGER NOT NULL,
            deregistered_at INTEGER NOT NULL,
            shared_with TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE account_setting (
            owner_id TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (owner_id, region, name)
        ) WITHOUT ROWID;
        """

    /// A group's MixedInstancesPolicy, as JSON (camelCase); its template stays in template_name/version.
    static let v7 = """
        ALTER TABLE auto_scaling_group ADD COLUMN mixed_instances_policy TEXT;
        """

    /// Image Builder: resources as their definitions (JSON, the API's field names) with the state the
    /// service keeps (a pipeline's status and schedule position); builds (images) as records with
    /// their timeline, and `next_at`, the virtual time of their next due step (NULL once finished):
    /// the catch-up reads the earliest. `meta.catalog_through` is how far the base image catalog has
    /// been published.
    static let v8 = """
        CREATE TABLE ib_resource (
            arn TEXT PRIMARY KEY,
            region TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            type TEXT NOT NULL,
            name TEXT NOT NULL,
            version TEXT,
            build INTEGER,
            definition TEXT NOT NULL,
            date_created INTEGER NOT NULL,
            date_updated INTEGER,
            status TEXT,
            schedule_through INTEGER,
            consecutive_failures INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE INDEX ib_resource_by_name ON ib_resource(region, owner_id, type, name);
        CREATE TABLE ib_image (
            arn TEXT PRIMARY KEY,
            region TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            build INTEGER NOT NULL,
            pipeline_arn TEXT,
            date_created INTEGER NOT NULL,
            next_at INTEGER,
            status TEXT NOT NULL,
            record TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX ib_image_due ON ib_image(next_at) WHERE next_at IS NOT NULL;
        CREATE INDEX ib_image_by_recipe ON ib_image(region, owner_id, name, version, build);
        CREATE INDEX ib_image_by_pipeline ON ib_image(pipeline_arn, date_created) WHERE pipeline_arn IS NOT NULL;
        """
}
