import Foundation
import GRDB
import IngotCore

extension LocalCloud: ParameterCloud {
    public func putParameter(region: Region, name: String, value: String, dataType: String, overwrite: Bool) async throws -> Int {
        try Parameter.validate(name: name, region: region, account: caller)
        guard ["text", "aws:ec2:image"].contains(dataType) else {
            throw IngotError.invalid("data-type", "'\(dataType)' is not text or aws:ec2:image", code: "ValidationException")
        }
        let ctx = context
        return try await store.write { db in
            if dataType == "aws:ec2:image" {
                // SSM checks that an aws:ec2:image value is an AMI the account can use in the region. AWS
                // checks after answering ("the PutParameter operation will return success, but the
                // asynchronous validation will fail and the parameter will not be created or updated");
                // Ingot checks before, so the failure is an answer rather than a missing version. SSM
                // documents no error code for it: Ingot uses SSM's ValidationException.
                guard ImageID.isWellFormed(value), (try? ctx.visibleImage(ImageID(trusted: value), region: region, db)) != nil else {
                    throw IngotError.invalid("value", "'\(value)' is not an image id usable in \(region) (data type aws:ec2:image); SSM's check would fail with: Unable to Describe Resource",
                                             code: "ValidationException")
                }
            }
            let (count, latest) = try ParameterRows.versions(region: region, owner: ctx.caller, name: name, db)
            if count > 0 && !overwrite {
                throw IngotError.refused("ParameterAlreadyExists", "The parameter \(name) already exists; use --overwrite for a new version")
            }
            let version = latest + 1
            let dropped = try ParameterRows.oldest(max(0, count + 1 - Parameter.versionsKept), region: region, owner: ctx.caller, name: name, db)
            // "Parameter Store retains the 100 most recently created versions of a parameter. ... However, if
            // the oldest version has a label attached to it, Parameter Store won't delete the version and
            // instead presents this error message" (SSM's ParameterMaxVersionLimitExceeded).
            if let labelled = dropped.first(where: { !$0.labels.isEmpty }) {
                throw IngotError.refused("ParameterMaxVersionLimitExceeded",
                                         "You attempted to create a new version of \(name) by calling the PutParameter API with the overwrite flag. Version \(labelled.version), the oldest version, can't be deleted because it has a label associated with it (\(labelled.labels.joined(separator: ", "))). Move the label to another version of the parameter (ingot ssm label), and try again.")
            }
            try ParameterRows.insert(ParameterVersionRow(region: region, owner: ctx.caller, name: name, version: version, type: "String", dataType: dataType,
                                                         value: value, labels: [], modified: Timestamp.millis(ctx.now)), db)
            for old in dropped { try old.delete(db) }
            return version
        }
    }

    public func getParameter(region: Region, name: String) async throws -> Parameter {
        let reference = ParameterReference(name)
        try Parameter.validate(name: reference.name, reserved: true)
        let owner = Parameter.isPublic(reference.name) ? AccountID.amazon : caller
        let (found, exists) = try await store.read { db in
            let found = try ParameterRows.pick(reference, region: region, owner: owner, db)?.parameter
            return (found, try found != nil || ParameterRows.versions(region: region, owner: owner, name: reference.name, db).count > 0)
        }
        guard exists else { throw IngotError.refused("ParameterNotFound", "Parameter \(reference.name) not found in \(region)") }
        guard let found else {
            throw IngotError.refused("ParameterVersionNotFound", "Parameter \(name): no such version or label")
        }
        return found
    }

    public func getParameterHistory(region: Region, name: String) async throws -> [Parameter] {
        // AWS's public parameters (`/aws/service/...`) are everyone's: the catalog writes them as Amazon.
        let owner = Parameter.isPublic(name) ? AccountID.amazon : caller
        let history = try await store.read { db in
            try ParameterRows.history(region: region, owner: owner, name: name, db).map(\.parameter)
        }
        guard !history.isEmpty else { throw IngotError.refused("ParameterNotFound", "Parameter \(name) not found in \(region)") }
        return history
    }

    @discardableResult
    public func labelParameterVersion(region: Region, name: String, version: Int, labels: [String]) async throws -> [String] {
        // The request's own limits (the API's Labels: 1 to 10 items of 1 to 100 characters) refuse the call.
        guard (1...10).contains(labels.count) else {
            throw IngotError.invalid("label", "give 1 to 10 labels", code: "ValidationException")
        }
        if let long = labels.first(where: { !(1...100).contains($0.count) }) {
            throw IngotError.invalid("label", "'\(long.prefix(40))...' is not 1 to 100 characters", code: "ValidationException")
        }
        // "If a label fails to meet these requirements, then the label isn't associated with a parameter
        // and the system displays it in the list of InvalidLabels."
        let invalid = labels.filter { !Parameter.isValidLabel($0) }
        var unique: [String] = []
        for label in labels where Parameter.isValidLabel(label) && !unique.contains(label) { unique.append(label) }
        let valid = unique, caller = caller
        try await store.write { db in
            let history = try ParameterRows.history(region: region, owner: caller, name: name, db)
            guard !history.isEmpty else { throw IngotError.refused("ParameterNotFound", "Parameter \(name) not found in \(region)") }
            guard let target = history.first(where: { $0.version == version }) else {
                throw IngotError.refused("ParameterVersionNotFound", "Parameter \(name) has no version \(version)")
            }
            guard !valid.isEmpty else { return }
            let after = Set(target.labels + valid)
            guard after.count <= Parameter.labelsPerVersion else {
                throw IngotError.refused("ParameterVersionLabelLimitExceeded",
                                         "A parameter version can have a maximum of ten labels: version \(version) of \(name) would have \(after.count)")
            }
            for var row in history {
                // Labels move: they leave every other version and join this one.
                let labels = row.version == version ? row.labels + valid.filter { !row.labels.contains($0) } : row.labels.filter { !valid.contains($0) }
                guard labels != row.labels else { continue }
                row.labels = labels
                try row.update(db)
            }
        }
        return invalid
    }
}

/// A row of `ssm_parameter_version` as a GRDB record (labels are stored as a JSON array, GRDB's
/// encoding of an array). New versions are inserted by ``ParameterRows/insert(_:_:)`` through one
/// compiled statement: a catch-up writes thousands.
struct ParameterVersionRow: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "ssm_parameter_version"

    var region: String
    var ownerId: String
    var name: String
    var version: Int
    var type: String
    var dataType: String
    var value: String
    var labels: [String]
    /// Milliseconds since 1970.
    var modified: Int64

    enum CodingKeys: String, CodingKey {
        case region, ownerId = "owner_id", name, version, type, dataType = "data_type", value, labels, modified
    }

    init(region: Region, owner: AccountID, name: String, version: Int, type: String, dataType: String, value: String, labels: [String], modified: Int64) {
        self.region = region.code
        self.ownerId = owner.rawValue
        self.name = name
        self.version = version
        self.type = type
        self.dataType = dataType
        self.value = value
        self.labels = labels
        self.modified = modified
    }

    var parameter: Parameter {
        Parameter(name: name, region: Region(trusted: region), type: type, dataType: dataType, value: value, version: version, labels: labels,
                  lastModifiedDate: Timestamp.date(millis: modified))
    }
}

/// The one writer of SSM parameter versions (PutParameter, LabelParameterVersion and both imports).
enum ParameterRows {
    static func insert(_ row: ParameterVersionRow, _ db: Database) throws {
        let labels = row.labels.isEmpty ? "[]" : String(decoding: try JSONEncoder().encode(row.labels), as: UTF8.self)
        try db.cachedStatement(sql: """
            INSERT INTO ssm_parameter_version (region, owner_id, name, version, type, data_type, value, labels, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [row.region, row.ownerId, row.name, row.version, row.type, row.dataType, row.value, labels, row.modified])
    }

    /// Every version of a parameter, oldest first.
    static func history(region: Region, owner: AccountID, name: String, _ db: Database) throws -> [ParameterVersionRow] {
        try oldest(nil, region: region, owner: owner, name: name, db)
    }

    private static let columns = "region, owner_id, name, version, type, data_type, value, labels, modified"

    /// A row of ``columns``, by position (a distribution reads and writes parameters thousands of times).
    private static func row(_ r: RawRow) throws -> ParameterVersionRow {
        let labels = r.text(7)
        return ParameterVersionRow(region: Region(trusted: r.text(0)), owner: AccountID(trusted: r.text(1)), name: r.text(2), version: r.int(3),
                                   type: r.text(4), dataType: r.text(5), value: r.text(6),
                                   labels: labels == "[]" ? [] : try JSONDecoder().decode([String].self, from: Data(labels.utf8)), modified: r.int64(8))
    }

    /// The version `reference` names (the newest for a plain name), reading only that row when it can.
    static func pick(_ reference: ParameterReference, region: Region, owner: AccountID, _ db: Database) throws -> ParameterVersionRow? {
        switch reference.selector {
        case .latest:
            try RawQuery.first(db, """
                SELECT \(columns) FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ? ORDER BY version DESC LIMIT 1
                """, [region.code, owner.rawValue, reference.name], row)
        case .version(let n):
            try RawQuery.first(db, """
                SELECT \(columns) FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ? AND version = ?
                """, [region.code, owner.rawValue, reference.name, n], row)
        case .label(let label):
            try history(region: region, owner: owner, name: reference.name, db).last { row in row.labels.contains(label) }
        }
    }

    /// The `limit` oldest versions of a parameter (nil: all), oldest first.
    static func oldest(_ limit: Int?, region: Region, owner: AccountID, name: String, _ db: Database) throws -> [ParameterVersionRow] {
        if limit == 0 { return [] }
        return try RawQuery.all(db, """
            SELECT \(columns) FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ? ORDER BY version LIMIT ?
            """, [region.code, owner.rawValue, name, limit ?? -1], row)
    }

    /// How many versions a parameter has and the newest one's number (0 when it has none).
    static func versions(region: Region, owner: AccountID, name: String, _ db: Database) throws -> (count: Int, latest: Int) {
        try RawQuery.first(db, """
            SELECT COUNT(*), COALESCE(MAX(version), 0) FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ?
            """, [region.code, owner.rawValue, name]) { r in (r.int(0), r.int(1)) } ?? (0, 0)
    }

    /// Whether the parameter has any version (imports skip those).
    static func exists(region: Region, owner: AccountID, name: String, _ db: Database) throws -> Bool {
        try ParameterVersionRow
            .filter(Column("region") == region.code && Column("owner_id") == owner.rawValue && Column("name") == name)
            .fetchCount(db) > 0
    }
}
