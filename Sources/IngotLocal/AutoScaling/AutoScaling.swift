import Foundation
import GRDB
import IngotCore

extension LocalCloud: AutoScalingCloud {
    public func createAutoScalingGroup(region: Region, name: String, settings: GroupSettings) async throws -> AutoScalingGroup {
        try validateAutoScalingGroupName(name)
        let ctx = context
        return try await store.write { db in
            if try GroupRows.group(db, region: region, owner: ctx.caller, name: name) != nil {
                throw IngotError.refused("AlreadyExists", "AutoScalingGroup by this name already exists: \(name)")
            }
            let policy = settings.mixedInstancesPolicy
            guard let template = policy?.launchTemplateName ?? settings.launchTemplateName else {
                throw IngotError.invalid("launch-template", "a group needs a launch template or a mixed instances policy", code: "ValidationError")
            }
            let version = policy?.launchTemplateVersion ?? settings.launchTemplateVersion ?? .default
            let min = settings.minSize ?? 0, max = settings.maxSize ?? 0
            // A template named by id is stored by its name, as AWS shows both.
            let group = AutoScalingGroup(
                name: name, region: region, launchTemplateName: try ctx.launchTemplate(template, region: region, db).name, launchTemplateVersion: version,
                minSize: min, maxSize: max,
                desiredCapacity: settings.desiredCapacity ?? min, availabilityZones: settings.availabilityZones ?? region.availabilityZones,
                healthCheckGracePeriod: settings.healthCheckGracePeriod ?? 0, defaultInstanceWarmup: settings.defaultInstanceWarmup.flatMap { $0 == -1 ? nil : $0 },
                createdTime: ctx.now, instances: [], mixedInstancesPolicy: policy)
            return try ctx.commit(group, db)
        }
    }

    public func updateAutoScalingGroup(region: Region, name: String, settings: GroupSettings) async throws -> AutoScalingGroup {
        let ctx = context
        return try await store.write { db in
            guard var group = try GroupRows.group(db, region: region, owner: ctx.caller, name: name) else {
                throw IngotError.noSuchGroup(name)
            }
            if let policy = settings.mixedInstancesPolicy {
                group.mixedInstancesPolicy = policy
                group.launchTemplateName = try ctx.launchTemplate(policy.launchTemplateName, region: region, db).name
                group.launchTemplateVersion = policy.launchTemplateVersion
            } else if let t = settings.launchTemplateName {
                // A new template without a version means its $Default, as on AWS; a launch template replaces a mixed instances policy.
                group.launchTemplateName = try ctx.launchTemplate(t, region: region, db).name
                group.launchTemplateVersion = settings.launchTemplateVersion ?? .default
                group.mixedInstancesPolicy = nil
            } else if let v = settings.launchTemplateVersion {
                group.launchTemplateVersion = v
            }
            if let v = settings.minSize { group.minSize = v }
            if let v = settings.maxSize { group.maxSize = v }
            if let v = settings.desiredCapacity { group.desiredCapacity = v }
            if let v = settings.availabilityZones { group.availabilityZones = v }
            if let v = settings.healthCheckGracePeriod { group.healthCheckGracePeriod = v }
            // "To remove a value that you previously set, include the property but specify -1 for the value."
            if let v = settings.defaultInstanceWarmup { group.defaultInstanceWarmup = v == -1 ? nil : v }
            // As on AWS, moving min or max past desired pulls desired along.
            if settings.desiredCapacity == nil { group.desiredCapacity = Swift.min(Swift.max(group.desiredCapacity, group.minSize), group.maxSize) }
            return try ctx.commit(group, db)
        }
    }

    public func setDesiredCapacity(region: Region, name: String, desiredCapacity: Int) async throws -> AutoScalingGroup {
        try await updateAutoScalingGroup(region: region, name: name, settings: GroupSettings(desiredCapacity: desiredCapacity))
    }

    public func describeAutoScalingGroups(region: Region, names: [String]) async throws -> [AutoScalingGroup] {
        let caller = caller
        return try await store.read { db in
            let all = try GroupRows.groups(db, region: region, owner: caller)
            return names.isEmpty ? all : all.filter { names.contains($0.name) }
        }
    }
}

extension Operations {
    /// Validates and saves a group's settings, then launches or terminates to its desired capacity
    /// (which also checks its template version): one transaction with the caller's.
    func commit(_ group: AutoScalingGroup, _ db: Database) throws -> AutoScalingGroup {
        try GroupRows.validate(group)
        try GroupRows.save(group, owner: caller, db)
        try scale(group, to: group.desiredCapacity, db)
        return try GroupRows.group(db, region: group.region, owner: caller, name: group.name).orThrow()
    }

    /// What a group launches now (its template version and image), read in the caller's transaction and
    /// decided by `LaunchTarget.decide`, as every other reader of a group decides it.
    func launchTarget(_ g: AutoScalingGroup, _ db: Database) throws -> LaunchTarget {
        let template = try launchTemplate(g.launchTemplateName, region: g.region, db)
        let number = g.launchTemplateVersion.number(default: template.defaultVersionNumber, latest: template.latestVersionNumber)
        guard let version = try TemplateRows.versions(db, template: template, .number(number)).first else {
            throw IngotError.refused("ValidationError", "Launch template \(g.launchTemplateName) has no version \(g.launchTemplateVersion)")
        }
        // resolve:ssm: is resolved at launch time.
        let parameter = try version.data.ssmParameter.map(ParameterReference.init).flatMap { reference in
            try ParameterRows.pick(reference, region: g.region, owner: caller, db)?.parameter
        }
        return try LaunchTarget.decide(templateName: g.launchTemplateName, version: version, parameter: parameter)
            .launching(from: g.mixedInstancesPolicy)
    }

    /// The instance type a group launches: its mixed instances policy's first override, else the
    /// template version's (t3.micro when neither says).
    func launchInstanceType(_ g: AutoScalingGroup, version: Int, _ db: Database) throws -> String {
        if let type = g.mixedInstancesPolicy?.overrides.first?.instanceType { return type }
        return try TemplateRows.versions(db, template: launchTemplate(g.launchTemplateName, region: g.region, db), .number(version))
            .first?.data.instanceType ?? "t3.micro"
    }

    /// Launches or terminates instances until the group has `desired`, keeping zones balanced. Scale-in
    /// follows AWS's default termination policy: the zone with most instances, then the oldest template
    /// version, then the oldest instance.
    func scale(_ g: AutoScalingGroup, to desired: Int, _ db: Database) throws {
        var current = try GroupRows.instances(db, region: g.region, owner: caller, group: g.name)
        let target = try launchTarget(g, db)
        let (version, image) = (target.version, target.imageId)
        var perZone = Dictionary(grouping: current, by: \.availabilityZone).mapValues(\.count)
        if current.count < desired {
            // Launching needs an image the account can still launch (deprecated is fine; disabled or gone is not).
            let found = try? visibleImage(ImageID(trusted: image), region: g.region, db).1
            guard let found, found.state == .available else {
                throw IngotError.refused("InvalidAMIID.Unavailable", "\(g.name) cannot launch: \(image) (launch template \(g.launchTemplateName) version \(version)) is \(found?.state.rawValue ?? "not found")")
            }
            if let key = try unusableKey(of: found, db) {
                throw IngotError.refused("Client.InternalError", "Client error on launch: \(g.name) cannot launch \(image), whose snapshots are encrypted with \(key.arn), which \(key.ownerId) has not allowed \(caller) to use")
            }
        }
        let instanceType = try launchInstanceType(g, version: version, db)
        while current.count < desired {
            let zone = g.availabilityZones.min { a, b in
                let ca = perZone[a, default: 0], cb = perZone[b, default: 0]
                return ca != cb ? ca < cb : a < b
            } ?? g.region.availabilityZones[0]
            perZone[zone, default: 0] += 1
            let id = try GroupRows.launchInstance(group: g.name, region: g.region, owner: caller, image: image, instanceType: instanceType, zone: zone,
                                                  version: version, at: Timestamp.millis(now), db)
            current.append(GroupInstance(instanceId: id, availabilityZone: zone, lifecycleState: "InService", healthStatus: "Healthy", launchTemplateVersion: version,
                                         imageId: image, instanceType: instanceType))
        }
        while current.count > desired {
            let counts = Dictionary(grouping: current, by: \.availabilityZone).mapValues(\.count)
            let zone = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
            // `current` is oldest first, and min(by:) keeps the first of equals: ties go to the oldest instance.
            let victim = current.filter { $0.availabilityZone == zone }.min { $0.launchTemplateVersion < $1.launchTemplateVersion }
            guard let victim else { break }
            try db.cachedStatement(sql: "UPDATE instance SET state = 'terminated' WHERE instance_id = ?").execute(arguments: [victim.instanceId.rawValue])
            current.removeAll { $0.instanceId == victim.instanceId }
        }
    }
}

enum GroupRows {
    /// Instances per group the local cloud launches (each is a row; on AWS the account's quota decides).
    static let maxSize = 10_000

    /// A new running, healthy instance of `group` on `version`'s image.
    static func launchInstance(group: String, region: Region, owner: AccountID, image: String, instanceType: String, zone: String, version: Int,
                               at launchTimeMillis: Int64, _ db: Database) throws -> InstanceID {
        let id = InstanceID.random()
        try insertInstance(id, group: group, region: region, owner: owner, image: image, instanceType: instanceType, zone: zone, version: version,
                           health: "Healthy", at: launchTimeMillis, db)
        return id
    }

    /// The one writer of a group's instances (launches, refreshes, imports). `keepExisting`: an instance
    /// already there (an import run twice) is left as it is.
    static func insertInstance(_ id: InstanceID, group: String, region: Region, owner: AccountID, image: String?, instanceType: String, zone: String,
                               version: Int, health: String, at launchTimeMillis: Int64, keepExisting: Bool = false, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT \(keepExisting ? "OR IGNORE " : "")INTO instance (instance_id, region, owner_id, image_id, instance_type, availability_zone, state, launch_time,
                                   group_name, template_version, health_status)
            VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)
            """).execute(arguments: [id.rawValue, region.code, owner.rawValue, image, instanceType, zone, launchTimeMillis, group, version, health])
    }

    static func validate(_ g: AutoScalingGroup) throws {
        guard g.maxSize <= maxSize else {
            throw IngotError.invalid("max-size", "\(g.maxSize) is above the local cloud's \(maxSize) instances per group", code: "ValidationError")
        }
        guard g.minSize >= 0, g.minSize <= g.maxSize else {
            throw IngotError.invalid("min-size", "min size \(g.minSize) must be between 0 and max size \(g.maxSize)", code: "ValidationError")
        }
        guard (g.minSize...g.maxSize).contains(g.desiredCapacity) else {
            throw IngotError.invalid("desired-capacity", "desired capacity \(g.desiredCapacity) must be between min size \(g.minSize) and max size \(g.maxSize)", code: "ValidationError")
        }
        guard !g.availabilityZones.isEmpty, g.availabilityZones.allSatisfy({ $0.hasPrefix(g.region.code) && $0.count == g.region.code.count + 1 }) else {
            throw IngotError.invalid("availability-zones", "'\(g.availabilityZones.joined(separator: ","))' are not zones of \(g.region) (e.g. \(g.region.availabilityZones.joined(separator: ",")))", code: "ValidationError")
        }
        guard g.healthCheckGracePeriod >= 0, (g.defaultInstanceWarmup ?? 0) >= 0 else {
            throw IngotError.invalid("health-check-grace-period", "seconds must not be negative", code: "ValidationError")
        }
    }

    static func save(_ g: AutoScalingGroup, owner: AccountID, _ db: Database) throws {
        // The policy's template is the group's: kept in template_name/version, the rest as JSON.
        let policy = g.mixedInstancesPolicy.map { p in
            var p = p
            (p.launchTemplateName, p.launchTemplateVersion) = (g.launchTemplateName, g.launchTemplateVersion)
            return p.json.text
        }
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO auto_scaling_group (region, owner_id, name, template_name, template_version, min_size, max_size,
                desired_capacity, availability_zones, health_check_grace_period, default_instance_warmup, created_time, mixed_instances_policy)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [g.region.code, owner.rawValue, g.name, g.launchTemplateName, g.launchTemplateVersion.description, g.minSize, g.maxSize,
                             g.desiredCapacity, g.availabilityZones.joined(separator: ","), g.healthCheckGracePeriod, g.defaultInstanceWarmup,
                             Timestamp.millis(g.createdTime), policy])
    }

    static func instances(_ db: Database, region: Region, owner: AccountID, group: String) throws -> [GroupInstance] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT instance_id, availability_zone, template_version, image_id, health_status, instance_type FROM instance
            WHERE region = ? AND owner_id = ? AND group_name = ? AND state <> 'terminated' ORDER BY launch_time, instance_id
            """), arguments: [region.code, owner.rawValue, group]).map { r in
            GroupInstance(instanceId: InstanceID(trusted: r["instance_id"]), availabilityZone: r["availability_zone"], lifecycleState: "InService",
                          healthStatus: r["health_status"] ?? "Healthy", launchTemplateVersion: r["template_version"] ?? 0, imageId: r["image_id"] ?? "",
                          instanceType: r["instance_type"])
        }
    }

    private static func group(_ r: Row, _ db: Database) throws -> AutoScalingGroup {
        let region = Region(trusted: r["region"]), owner = AccountID(trusted: r["owner_id"]), name: String = r["name"]
        return AutoScalingGroup(
            name: name, region: region, launchTemplateName: r["template_name"], launchTemplateVersion: try TemplateVersion(r["template_version"]),
            minSize: r["min_size"], maxSize: r["max_size"], desiredCapacity: r["desired_capacity"],
            availabilityZones: (r["availability_zones"] as String).split(separator: ",").map(String.init),
            healthCheckGracePeriod: r["health_check_grace_period"], defaultInstanceWarmup: r["default_instance_warmup"],
            createdTime: Timestamp.date(millis: r["created_time"]), instances: try instances(db, region: region, owner: owner, group: name),
            mixedInstancesPolicy: try (r["mixed_instances_policy"] as String?).map { try MixedInstancesPolicy(json: JSONValue.parse($0)) })
    }

    static func group(_ db: Database, region: Region, owner: AccountID, name: String) throws -> AutoScalingGroup? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM auto_scaling_group WHERE region = ? AND owner_id = ? AND name = ?"),
                         arguments: [region.code, owner.rawValue, name]).map { try group($0, db) }
    }

    static func groups(_ db: Database, region: Region, owner: AccountID) throws -> [AutoScalingGroup] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM auto_scaling_group WHERE region = ? AND owner_id = ? ORDER BY name"),
                         arguments: [region.code, owner.rawValue]).map { try group($0, db) }
    }
}
