import Foundation
import GRDB
import IngotCore

/// Publishes ``BaseImageCatalog`` releases into the store: public AMIs in every region, and the public
/// SSM parameters that name the newest. The catalog follows virtual time once the store has Image
/// Builder resources (`meta.catalog_through` records how far it got); stores without pipelines never
/// change under their users' feet.
enum Catalog {
    static func start(at now: Date, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES ('catalog_through', ?)").execute(arguments: [String(Timestamp.millis(now))])
    }

    static func through(_ db: Database) throws -> Date? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'catalog_through'")).flatMap(Int64.init).map(Timestamp.date(millis:))
    }

    static func setThrough(_ date: Date, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE meta SET value = ? WHERE key = 'catalog_through'").execute(arguments: [String(Timestamp.millis(date))])
    }

    /// The first release day after `date`, of `family` (nil: of any family).
    static func nextRelease(after date: Date, of family: BaseImageCatalog.Family? = nil) -> Date? {
        (family.map { [$0] } ?? BaseImageCatalog.families)
            .compactMap { $0.releases(after: date, through: date.addingTimeInterval(Double($0.periodDays + 1) * 86_400)).first }.min()
    }

    /// Publishes every family released on `day` (or, `families` given, those, on `day` out of cadence).
    @discardableResult
    static func publish(day: Date, families: [BaseImageCatalog.Family]? = nil, _ db: Database) throws -> [Image] {
        let releasing = families ?? BaseImageCatalog.families.filter { $0.releases(after: day.addingTimeInterval(-1), through: day).first == day }
        var published: [Image] = []
        for family in releasing {
            let name = family.amiName(released: day)
            for code in Region.all {
                let region = Region(trusted: code)
                if try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM image WHERE region = ? AND owner_id = ? AND name = ?"),
                                    arguments: [region.code, family.owner.rawValue, name]) != nil { continue }
                let image = try Seeder.image(db, region: region, owner: family.owner, alias: family.ownerAlias, name: name,
                                             description: family.amiDescription(released: day), created: day,
                                             deprecation: day.addingTimeInterval(2 * 365 * 86_400), architecture: family.architecture,
                                             rootDevice: family.rootDeviceName, bootMode: .uefiPreferred, isPublic: true, size: 8)
                try putPublicParameter(family.parameter, value: image.id, region: region, at: day, db)
                published.append(image)
            }
        }
        return published
    }

    static func putPublicParameter(_ name: String, value: ImageID, region: Region, at date: Date, _ db: Database) throws {
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT version, value FROM ssm_parameter_version WHERE region = ? AND owner_id = ? AND name = ? ORDER BY version DESC LIMIT 1"),
                                    arguments: [region.code, AccountID.amazon.rawValue, name])
        guard last?["value"] as String? != value.rawValue else { return }
        let version: Int = last?["version"] ?? 0
        try ParameterRows.insert(ParameterVersionRow(region: region, owner: .amazon, name: name, version: version + 1,
                                                     type: "String", dataType: "aws:ec2:image", value: value.rawValue, labels: [],
                                                     modified: Timestamp.millis(date)), db)
    }
}

extension LocalCloud {
    /// `images publish-base`: a new release of `families` (default: Amazon Linux 2023, both
    /// architectures) dated today, out of the catalog's cadence, in every region.
    /// - Parameter families: the Image Builder names of the families (`amazon-linux-2023-x86`).
    public func publishBaseImages(families: [String]) async throws -> [Image] {
        let chosen = try families.map { name in
            guard let family = BaseImageCatalog.family(imageBuilderName: name) else {
                throw IngotError.invalid("family", "'\(name)'; accepted: \(BaseImageCatalog.families.map(\.imageBuilderName).joined(separator: ", "))")
            }
            return family
        }
        let now = clock.now
        let utcDay = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        return try await store.write { db in
            for family in chosen {
                let name = family.amiName(released: utcDay)
                if try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM image WHERE owner_id = ? AND name = ? LIMIT 1"), arguments: [family.owner.rawValue, name]) != nil {
                    throw IngotError.refused("InvalidAMIName.Duplicate", "\(family.imageBuilderName) already has a release dated \(BaseImageCatalog.compactDate(utcDay)) (\(name)); the catalog makes at most one a day")
                }
            }
            // Dated at the start of the day (as the catalog's releases are), published now.
            return try Catalog.publish(day: utcDay, families: chosen, db)
        }
    }
}
