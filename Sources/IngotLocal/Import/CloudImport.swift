import Foundation
import GRDB
import IngotCore

/// What `ingot import --from-aws` copied from an account into the store, per region.
public struct CloudImportResult: Sendable, Hashable, Encodable {
    public var region: String
    public var images: AccountImportResult
    public var launchTemplateVersions: AccountImportResult
    public var groups: AccountImportResult
    public var parameters: AccountImportResult
}

extension LocalCloud {
    /// Writes what another cloud (a real account) holds in `region` into the store, in one transaction:
    /// images (with completed snapshots of their owner for their block devices), launch templates with
    /// every version, groups with their instances, parameters. Ids and version numbers are kept;
    /// what the store already has (image ids, names) is skipped.
    public func importFromCloud(region: Region, images: [Image], templates: [LaunchTemplateVersion], groups: [AutoScalingGroup],
                                parameters: [Parameter]) async throws -> CloudImportResult {
        let ctx = context
        return try await store.write { db in
            var imageResult = AccountImportResult(kind: "images", imported: 0, skipped: 0)
            for image in images {
                let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM image WHERE image_id = ?)", arguments: [image.id.rawValue]) ?? false
                if exists { imageResult.skipped += 1; continue }
                let snapshots = image.blockDeviceMappings.compactMap { m in
                    m.snapshotId.map { Snapshot(id: $0, region: region, ownerId: image.ownerId, volumeSize: m.volumeSize ?? 8, encrypted: m.encrypted ?? false,
                                                kmsKeyId: m.kmsKeyId, state: .completed, startTime: image.creationDate, description: "Created by CreateImage for \(image.name)") }
                }
                _ = try ImageRows.insertSnapshots(snapshots, ignoreExisting: true, db)
                try ImageRows.insert(image, db)
                imageResult.imported += 1
            }
            // Parameters first (templates may launch from resolve:ssm:), with every version and its labels.
            var parameterResult = AccountImportResult(kind: "SSM parameters", imported: 0, skipped: 0)
            for (name, versions) in Dictionary(grouping: parameters, by: \.name).sorted(by: { $0.key < $1.key }) {
                try Parameter.validate(name: name, field: "parameter", reserved: true)
                if try ParameterRows.exists(region: region, owner: ctx.caller, name: name, db) { parameterResult.skipped += 1; continue }
                for p in versions {
                    try ParameterRows.insert(ParameterVersionRow(region: region, owner: ctx.caller, name: name, version: p.version, type: p.type, dataType: p.dataType,
                                                                 value: p.value, labels: p.labels, modified: Timestamp.millis(p.lastModifiedDate)), db)
                }
                parameterResult.imported += 1
            }
            let templateResult = try ctx.importTemplates(templates, region: region, db)
            let groupResult = try ctx.importGroups(groups, region: region, db)
            return CloudImportResult(region: region.code, images: imageResult, launchTemplateVersions: templateResult, groups: groupResult, parameters: parameterResult)
        }
    }
}

extension LocalCloud {
    /// Copies what `source` (a real account) holds in `region`, as that account: its images, every
    /// launch template with all its versions, the groups with their instances, and the whole history of
    /// every SSM parameter a template launches from (templates may name NAME:VERSION or NAME:LABEL).
    public func importAccount(from source: some LaunchTemplateCloud & AutoScalingCloud & ParameterCloud, region: Region) async throws -> CloudImportResult {
        let images = try await source.describeImages(DescribeImagesRequest(region: region, owners: [.caller], includeDeprecated: true, includeDisabled: true))
        var versions: [LaunchTemplateVersion] = []
        for t in try await source.describeLaunchTemplates(region: region, names: []) {
            versions += try await source.describeLaunchTemplateVersions(region: region, name: t.name, versions: [.range(1...max(1, t.latestVersionNumber))])
        }
        let groups = try await source.describeAutoScalingGroups(region: region, names: [])
        var parameters: [Parameter] = []
        for name in Set(versions.compactMap { $0.data.ssmParameter.map { ParameterReference($0).name } }).sorted() {
            parameters += try await source.getParameterHistory(region: region, name: name)
        }
        // What the account owns is owned by it in the store too.
        return try await acting(as: source.caller).importFromCloud(region: region, images: images, templates: versions, groups: groups, parameters: parameters)
    }

    /// What `importDocument` loaded: images (streamed) or one kind of account resource.
    public enum DocumentImport: Sendable, Hashable {
        case images(ImageImportResult)
        case resources(AccountImportResult)
    }

    /// Loads a file the AWS CLI printed: `describe-images` output streams through the image importer
    /// (it can be huge); the other documents are read whole.
    public func importDocument(atPath path: String, region: Region) async throws -> DocumentImport {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw IngotError.invalid("file", "cannot read \(path)") }
        let head = handle.readData(ofLength: 4096)
        try? handle.close()
        if head.range(of: Data("\"Images\"".utf8)) != nil {
            return .images(try await importImages(from: path, region: region))
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw IngotError.invalid("file", "cannot read \(path)") }
        return .resources(try await importAccountDocument(data, region: region))
    }
}

