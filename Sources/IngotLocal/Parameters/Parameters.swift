import Foundation
import GRDB
import IngotCore

extension LocalCloud: ParameterCloud {
    /// SSM keeps the last 100 versions of a parameter.
    static let parameterVersionsKept = 100

    public func putParameter(region: Region, name: String, value: String, dataType: String, overwrite: Bool) async throws -> Int {
        try Parameter.validate(name: name)
        guard ["text", "aws:ec2:image"].contains(dataType) else {
            throw IngotError.invalid("data-type", "'\(dataType)' is not text or aws:ec2:image", code: "ValidationException")
        }
        let ctx = context
        return try await store.write { db in
            if dataType == "aws:ec2:image" {
                // SSM checks that an aws:ec2:image value is an AMI the account can use in the region.
                guard ImageID.isWellFormed(value), (try? ctx.visibleImage(ImageID(trusted: value), region: region, db)) != nil else {
                    throw IngotError.refused("InvalidParameterValue", "'\(value)' is not an image id usable in \(region) (data type aws:ec2:image)")
                }
            }
            let latest = try Int.fetchOne(db, sql: "SELECT max(version) FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ?",
                                          arguments: [region.code, ctx.caller.rawValue, name])
            if latest != nil && !overwrite {
                throw IngotError.refused("ParameterAlreadyExists", "The parameter \(name) already exists; use --overwrite for a new version")
            }
            let version = (latest ?? 0) + 1
            try ParameterRows.insertVersion(region: region, owner: ctx.caller, name: name, version: version, type: "String", dataType: dataType,
                                            value: value, labels: [], modifiedMillis: Timestamp.millis(ctx.now), db)
            try db.execute(sql: "DELETE FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ? AND version <= ?",
                           arguments: [region.code, ctx.caller.rawValue, name, version - Self.parameterVersionsKept])
            return version
        }
    }

    public func getParameter(region: Region, name: String) async throws -> Parameter {
        let base = String(name.split(separator: ":", maxSplits: 1).first ?? "")
        try Parameter.validate(name: base, reserved: true)
        let history = try await getParameterHistory(region: region, name: base)
        guard let colon = name.firstIndex(of: ":") else { return history[history.count - 1] }
        let selector = String(name[name.index(after: colon)...])
        let found = Int(selector).map { n in history.first { $0.version == n } } ?? history.first { $0.labels.contains(selector) }
        guard let found else {
            throw IngotError.refused("ParameterVersionNotFound", "Parameter \(name): no version or label \(selector)")
        }
        return found
    }

    public func getParameterHistory(region: Region, name: String) async throws -> [Parameter] {
        let caller = caller
        let history = try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ? ORDER BY version",
                             arguments: [region.code, caller.rawValue, name]).map { r in
                Parameter(name: r["name"], region: region, type: r["type"], dataType: r["data_type"], value: r["value"], version: r["version"],
                          labels: try TemplateRows.decode([String].self, r["labels"]), lastModifiedDate: Timestamp.date(millis: r["modified"]))
            }
        }
        guard !history.isEmpty else { throw IngotError.refused("ParameterNotFound", "Parameter \(name) not found in \(region)") }
        return history
    }

    public func labelParameterVersion(region: Region, name: String, version: Int, labels: [String]) async throws {
        guard (1...10).contains(labels.count) else {
            throw IngotError.invalid("label", "give 1 to 10 labels", code: "ParameterVersionLabelLimitExceeded")
        }
        for label in labels {
            guard (1...100).contains(label.count), label.first?.isNumber == false, !label.lowercased().hasPrefix("aws"), !label.lowercased().hasPrefix("ssm"),
                  label.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
                throw IngotError.invalid("label", "'\(label)' is not a label (1-100 letters, digits, . - _; not starting with a digit, aws or ssm)", code: "ValidationException")
            }
        }
        let caller = caller
        try await store.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT version, labels FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ?",
                                        arguments: [region.code, caller.rawValue, name])
            guard rows.contains(where: { ($0["version"] as Int) == version }) else {
                throw IngotError.refused("ParameterVersionNotFound", "Parameter \(name) has no version \(version)")
            }
            for r in rows {
                let v: Int = r["version"]
                var current = try TemplateRows.decode([String].self, r["labels"]).filter { !labels.contains($0) }
                if v == version { current += labels }
                try db.execute(sql: "UPDATE ssm_parameter_version SET labels = ? WHERE region = ? AND owner_id = ? AND name = ? AND version = ?",
                               arguments: [try TemplateRows.encode(current), region.code, caller.rawValue, name, v])
            }
        }
    }
}

/// The one writer of SSM parameter versions (PutParameter and both imports).
enum ParameterRows {
    static func insertVersion(region: Region, owner: AccountID, name: String, version: Int, type: String, dataType: String, value: String,
                              labels: [String], modifiedMillis: Int64, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO ssm_parameter_version (region, owner_id, name, version, type, data_type, value, labels, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [region.code, owner.rawValue, name, version, type, dataType, value,
                             String(decoding: try JSONEncoder().encode(labels), as: UTF8.self), modifiedMillis])
    }

    /// Whether the parameter has any version (imports skip those).
    static func exists(region: Region, owner: AccountID, name: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ?)",
                          arguments: [region.code, owner.rawValue, name]) ?? false
    }
}
