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
