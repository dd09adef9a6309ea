import Foundation
import GRDB
import IngotCore

extension LocalCloud: LaunchTemplateCloud {
    public func createLaunchTemplate(_ request: CreateLaunchTemplateRequest) async throws -> LaunchTemplateVersion {
        try validateLaunchTemplateName(request.name, field: "template")
        let ctx = context
        return try await store.write { db in try ctx.createLaunchTemplate(request, db) }
    }

    public func createLaunchTemplateVersion(_ request: CreateLaunchTemplateVersionRequest) async throws -> LaunchTemplateVersion {
        let ctx = context
        return try await store.write { db in try ctx.createLaunchTemplateVersion(request, db) }
    }

    public func modifyLaunchTemplate(region: Region, name: String, defaultVersion: Int) async throws -> LaunchTemplate {
        let ctx = context
        return try await store.write { db in
            let template = try ctx.launchTemplate(name, region: region, db)
            guard try TemplateRows.versionExists(template.id, defaultVersion, db) else {
                throw IngotError.refused("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version \(defaultVersion) of \(name)")
            }
            try db.cachedStatement(sql: "UPDATE launch_template SET default_version = ? WHERE id = ?").execute(arguments: [defaultVersion, template.id])
            var updated = template
            updated.defaultVersionNumber = defaultVersion
            return updated
        }
    }

    public func describeLaunchTemplates(region: Region, names: [String]) async throws -> [LaunchTemplate] {
        let ctx = context
        return try await store.read { db in
            if names.isEmpty { return try TemplateRows.templates(db, region: region, owner: ctx.caller) }
            return try names.map { try ctx.launchTemplate($0, region: region, db) }
        }
    }

    public func describeLaunchTemplateVersions(region: Region, name: String, versions: [TemplateVersionSelector]) async throws -> [LaunchTemplateVersion] {
        let ctx = context
        return try await store.read { db in
            let template = try ctx.launchTemplate(name, region: region, db)
            guard !versions.isEmpty else { return try TemplateRows.versions(db, template: template) }
            var chosen: [LaunchTemplateVersion] = []
            for selector in versions {
                let matching = try TemplateRows.versions(db, template: template, selector)
                if matching.isEmpty, case .number(let n) = selector {
                    throw IngotError.refused("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version \(n) of \(name)")
                }
                for v in matching where !chosen.contains(where: { $0.versionNumber == v.versionNumber }) { chosen.append(v) }
            }
            return chosen.sorted { $0.versionNumber > $1.versionNumber }
        }
    }

    public func deleteLaunchTemplateVersions(region: Region, name: String, versions: [Int]) async throws -> DeleteLaunchTemplateVersionsResult {
        guard versions.count <= 200 else { throw IngotError.invalid("versions", "at most 200 versions per call", code: "InvalidParameterValue") }
        let ctx = context
        return try await store.write { db in
            let template = try ctx.launchTemplate(name, region: region, db)
            var result = DeleteLaunchTemplateVersionsResult()
            for v in Set(versions).sorted() {
                if v == template.defaultVersionNumber {
                    result.failed[v] = "launchTemplateVersionIsDefaultVersion"
                } else if try !TemplateRows.versionExists(template.id, v, db) {
                    result.failed[v] = "launchTemplateVersionDoesNotExist"
                } else {
                    try db.cachedStatement(sql: "DELETE FROM launch_template_version WHERE template_id = ? AND version = ?").execute(arguments: [template.id, v])
                    result.deleted.append(v)
                }
            }
            return result
        }
    }
}

extension Operations {
    /// The template `name` names: a name, or an id (`lt-...`).
    func launchTemplate(_ name: String, region: Region, _ db: Database) throws -> LaunchTemplate {
        if isLaunchTemplateID(name) {
            guard let t = try TemplateRows.template(db, region: region, owner: caller, id: name) else {
                throw IngotError.refused("InvalidLaunchTemplateId.NotFound", "The specified launch template ID \(name) does not exist in \(region)")
            }
            return t
        }
        guard let t = try TemplateRows.template(db, region: region, owner: caller, name: name) else {
            throw IngotError.refused("InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name \(name), does not exist in \(region)")
        }
        return t
    }

    /// A `resolve:ssm:` image id must name a parameter version that exists with data type
    /// aws:ec2:image when the template or version is created, as EC2 checks it then (its answers for
    /// both cases are `SsmInvalidParameter`; the code is not in EC2's documented list, so Ingot uses
    /// what EC2 answers). Imports are not checked: the version was made when AWS checked it.
    func checkImageParameter(_ data: LaunchTemplateData, region: Region, _ db: Database) throws {
        guard let text = data.ssmParameter else { return }
        let reference = ParameterReference(text)
        let found = try ParameterRows.pick(reference, region: region, owner: caller, db)?.parameter
        if let problem = reference.problem(with: found) { throw IngotError.refused("SsmInvalidParameter", problem) }
    }

    func createLaunchTemplate(_ r: CreateLaunchTemplateRequest, _ db: Database) throws -> LaunchTemplateVersion {
        if try TemplateRows.template(db, region: r.region, owner: caller, name: r.name) != nil {
            throw IngotError.refused("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use: \(r.name)")
        }
        let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM launch_template WHERE region = ? AND owner_id = ?"), arguments: [r.region.code, caller.rawValue]) ?? 0
        guard count < LaunchTemplateQuotas.templatesPerRegion else {
            throw IngotError.refused("LaunchTemplateLimitExceeded", "You have reached the limit of \(LaunchTemplateQuotas.templatesPerRegion) launch templates in \(r.region)")
        }
        try TemplateRows.validate(r.data)
        try TemplateRows.validate(description: r.versionDescription)
        try checkImageParameter(r.data, region: r.region, db)
        let id = "lt-" + String(ImageID.random().rawValue.dropFirst(4))
        try db.cachedStatement(sql: """
            INSERT INTO launch_template (id, region, owner_id, name, create_time, default_version, latest_version, tags)
            VALUES (?, ?, ?, ?, ?, 1, 1, ?)
            """).execute(arguments: [id, r.region.code, caller.rawValue, r.name, Timestamp.millis(now), try TemplateRows.encode(r.tags)])
        try TemplateRows.insertVersion(template: id, version: 1, description: r.versionDescription, data: r.data, token: nil, now: now, db)
        let template = try launchTemplate(r.name, region: r.region, db)
        return try TemplateRows.versions(db, template: template, .number(1)).first.orThrow()
    }

    func createLaunchTemplateVersion(_ r: CreateLaunchTemplateVersionRequest, _ db: Database) throws -> LaunchTemplateVersion {
        let template = try launchTemplate(r.name, region: r.region, db)
        if let token = r.clientToken, let same = try Int.fetchOne(db.cachedStatement(sql: "SELECT version FROM launch_template_version WHERE template_id = ? AND client_token = ?"), arguments: [template.id, token]),
           let existing = try TemplateRows.versions(db, template: template, .number(same)).first {
            return existing  // idempotent retry: the version this token already made
        }
        let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM launch_template_version WHERE template_id = ?"), arguments: [template.id]) ?? 0
        guard count < LaunchTemplateQuotas.versionsPerTemplate else {
            throw IngotError.refused("VersionLimitExceeded", "Launch template \(r.name) has reached the limit of \(LaunchTemplateQuotas.versionsPerTemplate) versions")
        }
        var data = r.data
        if let source = r.sourceVersion {
            let base: LaunchTemplateVersion? = switch source {
            case .range: nil
            default: try TemplateRows.versions(db, template: template, source).first
            }
            guard let base else {
                throw IngotError.refused("InvalidLaunchTemplateId.VersionNotFound", "Could not find source version \(source.text) of \(r.name)")
            }
            data = base.data.overridden(by: r.data)
        }
        try TemplateRows.validate(data)
        try TemplateRows.validate(description: r.versionDescription)
        try checkImageParameter(data, region: r.region, db)
        // Numbers are never reused, even after the latest version was deleted: count from the highest ever given.
        let number = (try Int.fetchOne(db.cachedStatement(sql: "SELECT latest_version FROM launch_template WHERE id = ?"), arguments: [template.id]) ?? template.latestVersionNumber) + 1
        try TemplateRows.insertVersion(template: template.id, version: number, description: r.versionDescription, data: data, token: r.clientToken, now: now, db)
        try db.cachedStatement(sql: "UPDATE launch_template SET latest_version = ? WHERE id = ?").execute(arguments: [number, template.id])
        var updated = template
        updated.latestVersionNumber = number  // the highest number ever given, so the highest that exists
        return try TemplateRows.versions(db, template: updated, .number(number)).first.orThrow()
    }
}

enum TemplateRows {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// What AWS checks of the data itself, on every create and on import.
    static func validate(_ data: LaunchTemplateData) throws {
        // RequestLaunchTemplateData: "You must specify at least one parameter for the launch template
        // data." AWS names no error code for it: Ingot uses EC2's MissingParameter.
        guard !data.isEmpty else {
            throw IngotError.invalid("launch-template-data", "is empty: give at least one field (--image-id, --instance-type, ... or --launch-template-data)",
                                     code: "MissingParameter")
        }
        if let text = data.userData {
            // "You must provide base64-encoded text. User data is limited to 16 KB."
            guard let raw = Data(base64Encoded: text) else {
                throw IngotError.invalid("user-data", "is not base64-encoded text", code: "InvalidParameterValue")
            }
            guard raw.count <= LaunchTemplateQuotas.userDataBytes else {
                throw IngotError.invalid("user-data", "is \(raw.count) bytes; user data is limited to 16 KB (\(LaunchTemplateQuotas.userDataBytes) bytes)",
                                         code: "InvalidParameterValue")
            }
        }
        if let parameter = data.ssmParameter {
            try Parameter.validate(name: String(parameter.split(separator: ":").first ?? ""), field: "image-id", reserved: true)
        } else if let image = data.imageId, !ImageID.isWellFormed(image) {
            throw IngotError.invalid("image-id", "'\(image)' is not an AMI id or resolve:ssm:PARAMETER", code: "InvalidAMIID.Malformed")
        }
    }

    /// VersionDescription: "Constraints: Maximum 255 characters" (the API's VersionDescription shape).
    static func validate(description: String?) throws {
        if let description, description.count > LaunchTemplateQuotas.versionDescriptionLength {
            throw IngotError.invalid("version-description", "is \(description.count) characters; at most 255", code: "InvalidParameterValue")
        }
    }

    static func insertVersion(template: String, version: Int, description: String?, data: LaunchTemplateData, token: String?, now: Date, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO launch_template_version (template_id, version, description, create_time, data, client_token)
            VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [template, version, description, Timestamp.millis(now), data.jsonText, token])
    }

    static func versionExists(_ template: String, _ version: Int, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM launch_template_version WHERE template_id = ? AND version = ?)"), arguments: [template, version]) ?? false
    }

    /// A row of ``select``, by position (a catch-up reads templates thousands of times).
    private static func template(_ r: RawRow) throws -> LaunchTemplate {
        let tags = r.text(7)
        return LaunchTemplate(id: r.text(0), name: r.text(3), region: Region(trusted: r.text(1)), ownerId: AccountID(trusted: r.text(2)),
                              createTime: Timestamp.date(millis: r.int64(4)), defaultVersionNumber: r.int(5),
                              latestVersionNumber: r.optionalInt(8) ?? r.int(6), tags: tags == "[]" ? [] : try decode([Tag].self, tags))
    }

    /// `latest_existing` is what `$Latest` means: the highest version that still exists.
    private static let select = """
        SELECT t.id, t.region, t.owner_id, t.name, t.create_time, t.default_version, t.latest_version, t.tags,
            (SELECT max(v.version) FROM launch_template_version v WHERE v.template_id = t.id) AS latest_existing
        FROM launch_template t
        """

    static func template(_ db: Database, region: Region, owner: AccountID, name: String) throws -> LaunchTemplate? {
        try RawQuery.first(db, "\(select) WHERE t.region = ? AND t.owner_id = ? AND t.name = ?", [region.code, owner.rawValue, name], template)
    }

    static func template(_ db: Database, region: Region, owner: AccountID, id: String) throws -> LaunchTemplate? {
        try RawQuery.first(db, "\(select) WHERE t.region = ? AND t.owner_id = ? AND t.id = ?", [region.code, owner.rawValue, id], template)
    }

    static func templates(_ db: Database, region: Region, owner: AccountID) throws -> [LaunchTemplate] {
        try RawQuery.all(db, "\(select) WHERE t.region = ? AND t.owner_id = ? ORDER BY t.name", [region.code, owner.rawValue], template)
    }

    /// All versions, newest first.
    static func versions(_ db: Database, template t: LaunchTemplate) throws -> [LaunchTemplateVersion] {
        try versions(db, template: t, .range(1...Int.max))
    }

    /// The versions `selector` names (`$Latest`, `$Default`, a number or a range), newest first: only
    /// those rows are read and decoded (a template refreshed daily for a year has hundreds).
    static func versions(_ db: Database, template t: LaunchTemplate, _ selector: TemplateVersionSelector) throws -> [LaunchTemplateVersion] {
        let range: ClosedRange<Int> = switch selector {
        case .latest: t.latestVersionNumber...t.latestVersionNumber
        case .default: t.defaultVersionNumber...t.defaultVersionNumber
        case .number(let n): n...n
        case .range(let r): r
        }
        return try RawQuery.all(db, """
            SELECT version, description, create_time, data FROM launch_template_version WHERE template_id = ? AND version BETWEEN ? AND ? ORDER BY version DESC
            """, [t.id, range.lowerBound, range.upperBound]) { r in
            let number = r.int(0)
            return LaunchTemplateVersion(
                templateId: t.id, templateName: t.name, region: t.region, versionNumber: number, versionDescription: r.optionalText(1),
                defaultVersion: number == t.defaultVersionNumber, createTime: Timestamp.date(millis: r.int64(2)),
                data: try LaunchTemplateData(storedJSON: r.text(3)))
        }
    }
}

extension Optional {
    func orThrow() throws -> Wrapped {
        guard let self else { throw IngotError.failed("store: a row written in this transaction is missing") }
        return self
    }
}
