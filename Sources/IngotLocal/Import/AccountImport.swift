import Foundation
import GRDB
import IngotCore

/// What `ingot import` loaded from an AWS CLI document.
public struct AccountImportResult: Sendable, Hashable, Encodable {
    public var kind: String
    public var imported: Int
    /// Already in the store (by name), left as they are.
    public var skipped: Int
}

extension LocalCloud {
    /// Loads the JSON of `aws ec2 describe-launch-template-versions`, `aws autoscaling
    /// describe-auto-scaling-groups` or `aws ssm get-parameters` into `region`, keeping ids and
    /// version numbers, in one transaction. (`describe-images` output goes through `importImages`.)
    public func importAccountDocument(_ data: Data, region: Region) async throws -> AccountImportResult {
        // The AWS CLI writes PascalCase; Ingot's own `--output json` writes the same fields in camelCase.
        guard let document = try? JSONValue.parse(Array(data)), case .object(let given) = document else {
            throw IngotError.invalid("file", "not JSON: expected the output of describe-launch-template-versions, describe-auto-scaling-groups or ssm get-parameters")
        }
        let ctx = context
        // Template versions are read field by field below (their data keeps its own key case, which
        // LaunchTemplateData reads either way), so only the other documents are rekeyed whole.
        if let list = given["LaunchTemplateVersions"] ?? given["launchTemplateVersions"] {
            // Template data is kept whole: read straight from the parsed document, not through Codable.
            guard let items = list.array else { throw IngotError.invalid("file", "LaunchTemplateVersions is not a list") }
            let versions = try items.map { try AWSTemplateVersions.version($0, region: region, now: ctx.now) }
            return try await store.write { db in try ctx.importTemplates(versions, region: region, db) }
        }
        let top = JSONValue.rekeyed(given, JSONValue.pascalCase)
        let aws = Data(JSONValue.object(top).text.utf8)
        if top["AutoScalingGroups"] != nil {
            let groups = try Self.decode(AWSGroups.self, aws).AutoScalingGroups.map { try $0.typed(region: region, now: ctx.now) }
            return try await store.write { db in try ctx.importGroups(groups, region: region, db) }
        }
        if top["Parameters"] != nil {
            let doc = try Self.decode(AWSParameters.self, aws)
            return try await store.write { db in try ctx.importParameters(doc, region: region, db) }
        }
        throw IngotError.invalid("file", "expected the JSON of describe-images, describe-launch-template-versions, describe-auto-scaling-groups or ssm get-parameters")
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw IngotError.invalid("file", "not in the AWS CLI's shape: \(error)")
        }
    }
}

// The AWS CLI's shapes (PascalCase).
enum AWSTemplateVersions {
    /// One version of `describe-launch-template-versions`, its LaunchTemplateData kept whole.
    static func version(_ item: JSONValue, region: Region, now: Date) throws -> LaunchTemplateVersion {
        guard let entry = item.object else { throw IngotError.invalid("file", "a LaunchTemplateVersions entry is not an object") }
        let v = JSONValue.rekeyed(entry, deep: false, JSONValue.pascalCase)
        func string(_ key: String) throws -> String? {
            guard let value = v[key], value != .null else { return nil }
            guard let s = value.string else { throw IngotError.invalid("file \(key)", "is \(value.typeName); expected a string") }
            return s
        }
        guard let name = try string("LaunchTemplateName") else { throw IngotError.invalid("file LaunchTemplateName", "is missing") }
        guard let number = v["VersionNumber"]?.int else { throw IngotError.invalid("file VersionNumber", "is missing or not a whole number") }
        let data = try LaunchTemplateData(fields: v["LaunchTemplateData"]?.object ?? [:], field: "file LaunchTemplateData")
        return LaunchTemplateVersion(templateId: try string("LaunchTemplateId") ?? "", templateName: name, region: region, versionNumber: number,
                                     versionDescription: try string("VersionDescription"), defaultVersion: v["DefaultVersion"]?.bool ?? false,
                                     createTime: try string("CreateTime").flatMap(Timestamp.parse) ?? now, data: data)
    }
}

struct AWSTag: Decodable { var Key: String; var Value: String? }

struct AWSGroups: Decodable {
    struct Group: Decodable {
        var AutoScalingGroupName: String
        var LaunchTemplate: TemplateRef?
        var MinSize: Int, MaxSize: Int, DesiredCapacity: Int
        var AvailabilityZones: [String]?
        var HealthCheckGracePeriod: Int?
        var DefaultInstanceWarmup: Int?
        var CreatedTime: String?
        var Instances: [Instance]?
    }
    struct TemplateRef: Decodable { var LaunchTemplateName: String?; var Version: String? }
    struct Instance: Decodable {
        var InstanceId: String; var AvailabilityZone: String; var HealthStatus: String?; var LaunchTemplate: TemplateRef?
        // Ingot's own output names the version and image on the instance.
        var LaunchTemplateVersion: String?; var ImageId: String?
    }
    var AutoScalingGroups: [Group]
}

struct AWSParameters: Decodable {
    struct Parameter: Decodable { var Name: String; var `Type`: String?; var Value: String; var Version: Int?; var DataType: String?; var LastModifiedDate: String?; var Labels: [String]? }
    var Parameters: [Parameter]
}

extension AWSGroups.Group {
    func typed(region: Region, now: Date) throws -> AutoScalingGroup {
        guard let template = LaunchTemplate?.LaunchTemplateName else {
            throw IngotError.invalid("file", "group \(AutoScalingGroupName) has no LaunchTemplate (launch configurations and mixed instances policies are not supported)")
        }
        let version = try TemplateVersion(LaunchTemplate?.Version ?? "$Default", field: "file LaunchTemplate.Version")
        // An instance's version is a number (the aws:ec2launchtemplate:version tag); its image comes from that version.
        let instances = (Instances ?? []).map { i in
            GroupInstance(instanceId: InstanceID(trusted: i.InstanceId), availabilityZone: i.AvailabilityZone, lifecycleState: "InService",
                          healthStatus: i.HealthStatus ?? "Healthy", launchTemplateVersion: Int(i.LaunchTemplate?.Version ?? i.LaunchTemplateVersion ?? "") ?? 0, imageId: i.ImageId ?? "")
        }
        return AutoScalingGroup(
            name: AutoScalingGroupName, region: region, launchTemplateName: template, launchTemplateVersion: version,
            minSize: MinSize, maxSize: MaxSize, desiredCapacity: DesiredCapacity, availabilityZones: AvailabilityZones ?? region.availabilityZones,
            healthCheckGracePeriod: HealthCheckGracePeriod ?? 0, defaultInstanceWarmup: DefaultInstanceWarmup,
            createdTime: CreatedTime.flatMap(Timestamp.parse) ?? now, instances: instances)
    }
}

extension Operations {
    func time(_ text: String?) -> Int64 { text.flatMap(Timestamp.parseMillis) ?? Timestamp.millis(now) }

    /// Writes launch templates with their versions as given (ids and numbers kept); a template the
    /// region has by name is skipped whole.
    func importTemplates(_ all: [LaunchTemplateVersion], region: Region, _ db: Database) throws -> AccountImportResult {
        var result = AccountImportResult(kind: "launch template versions", imported: 0, skipped: 0)
        for (name, versions) in Dictionary(grouping: all, by: \.templateName).sorted(by: { $0.key < $1.key }) {
            try validateLaunchTemplateName(name, field: "file LaunchTemplateName")
            if try TemplateRows.template(db, region: region, owner: caller, name: name) != nil { result.skipped += versions.count; continue }
            guard Set(versions.map(\.versionNumber)).count == versions.count, versions.allSatisfy({ $0.versionNumber >= 1 }) else {
                throw IngotError.invalid("file", "launch template \(name) lists a version number twice (or below 1)")
            }
            // Template ids are unique across regions: the given id is kept unless the store has it already.
            var id = versions.first?.templateId ?? ""
            if try id.isEmpty || (Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM launch_template WHERE id = ?)", arguments: [id]) ?? false) {
                id = "lt-" + String(ImageID.random().rawValue.dropFirst(4))
            }
            let latest = versions.map(\.versionNumber).max() ?? 1
            let def = versions.first { $0.defaultVersion }?.versionNumber ?? latest
            try db.execute(sql: """
                INSERT INTO launch_template (id, region, owner_id, name, create_time, default_version, latest_version, tags) VALUES (?, ?, ?, ?, ?, ?, ?, '[]')
                """, arguments: [id, region.code, caller.rawValue, name, Timestamp.millis(versions.map(\.createTime).min() ?? now), def, latest])
            for v in versions {
                do {
                    try TemplateRows.validate(v.data)
                    try TemplateRows.validate(description: v.versionDescription)
                } catch let e as IngotError {
                    throw IngotError.invalid("file", "launch template \(name) version \(v.versionNumber): \(e.message)")
                }
                try db.execute(sql: "INSERT INTO launch_template_version (template_id, version, description, create_time, data) VALUES (?, ?, ?, ?, ?)",
                               arguments: [id, v.versionNumber, v.versionDescription, Timestamp.millis(v.createTime), try TemplateRows.encode(v.data)])
                result.imported += 1
            }
        }
        return result
    }

    /// Writes groups with their instances as given (ids and version numbers kept); an instance with no
    /// image takes its template version's.
    func importGroups(_ groups: [AutoScalingGroup], region: Region, _ db: Database) throws -> AccountImportResult {
        var result = AccountImportResult(kind: "auto scaling groups", imported: 0, skipped: 0)
        for g in groups {
            try validateAutoScalingGroupName(g.name, field: "file AutoScalingGroupName")
            if try GroupRows.group(db, region: region, owner: caller, name: g.name) != nil { result.skipped += 1; continue }
            guard try TemplateRows.template(db, region: region, owner: caller, name: g.launchTemplateName) != nil else {
                throw IngotError.invalid("file", "group \(g.name) uses launch template \(g.launchTemplateName), which is not in \(region): import its describe-launch-template-versions first")
            }
            var group = g
            group.region = region
            group.instances = []
            try GroupRows.validate(group)
            try GroupRows.save(group, owner: caller, db)
            let versions = (try? launchTemplate(g.launchTemplateName, region: region, db)).map { try? TemplateRows.versions(db, template: $0) } ?? nil
            for i in g.instances {
                let image = i.imageId.isEmpty ? versions?.first { $0.versionNumber == i.launchTemplateVersion }?.data.imageId : i.imageId
                let type = i.instanceType ?? versions?.first { $0.versionNumber == i.launchTemplateVersion }?.data.instanceType ?? "from-template"
                try GroupRows.insertInstance(i.instanceId, group: g.name, region: region, owner: caller, image: image, instanceType: type,
                                             zone: i.availabilityZone, version: i.launchTemplateVersion, health: i.healthStatus,
                                             at: Timestamp.millis(now), keepExisting: true, db)
            }
            result.imported += 1
        }
        return result
    }

    func importParameters(_ doc: AWSParameters, region: Region, _ db: Database) throws -> AccountImportResult {
        var result = AccountImportResult(kind: "SSM parameters", imported: 0, skipped: 0)
        for p in doc.Parameters {
            try Parameter.validate(name: p.Name, field: "file Name", reserved: true)
            if try ParameterRows.exists(region: region, owner: caller, name: p.Name, db) { result.skipped += 1; continue }
            try ParameterRows.insert(ParameterVersionRow(region: region, owner: caller, name: p.Name, version: p.Version ?? 1, type: p.Type ?? "String",
                                                         dataType: p.DataType ?? "text", value: p.Value, labels: p.Labels ?? [], modified: time(p.LastModifiedDate)), db)
            result.imported += 1
        }
        return result
    }
}
