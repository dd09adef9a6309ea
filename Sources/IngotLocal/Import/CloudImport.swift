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
        let templateDoc = AWSTemplateVersions(LaunchTemplateVersions: templates.map { v in
            let d = v.data
            return AWSTemplateVersions.Version(
                LaunchTemplateId: v.templateId, LaunchTemplateName: v.templateName, VersionNumber: v.versionNumber, VersionDescription: v.versionDescription,
                CreateTime: Timestamp.format(v.createTime), DefaultVersion: v.defaultVersion,
                LaunchTemplateData: AWSTemplateVersions.Data(
                    ImageId: d.imageId, InstanceType: d.instanceType, KeyName: d.keyName, SecurityGroupIds: d.securityGroupIds, UserData: d.userData,
                    IamInstanceProfile: d.iamInstanceProfile.map { $0.hasPrefix("arn:") ? .init(Arn: $0, Name: nil) : .init(Arn: nil, Name: $0) },
                    BlockDeviceMappings: d.blockDeviceMappings?.map { .init(DeviceName: $0.deviceName, Ebs: .init(VolumeSize: $0.volumeSize, VolumeType: $0.volumeType,
                                                                                                            Encrypted: $0.encrypted, KmsKeyId: $0.kmsKeyId,
                                                                                                            DeleteOnTermination: $0.deleteOnTermination)) },
                    MetadataOptions: d.metadataOptions.map { .init(HttpTokens: $0.httpTokens, HttpPutResponseHopLimit: $0.httpPutResponseHopLimit, HttpEndpoint: $0.httpEndpoint) },
                    TagSpecifications: d.tagSpecifications?.map { .init(ResourceType: $0.resourceType, Tags: $0.tags.map { AWSTag(Key: $0.key, Value: $0.value) }) }))
        })
        let groupDoc = AWSGroups(AutoScalingGroups: groups.map { g in
            AWSGroups.Group(
                AutoScalingGroupName: g.name, LaunchTemplate: .init(LaunchTemplateName: g.launchTemplateName, Version: g.launchTemplateVersion),
                MinSize: g.minSize, MaxSize: g.maxSize, DesiredCapacity: g.desiredCapacity, AvailabilityZones: g.availabilityZones,
                HealthCheckGracePeriod: g.healthCheckGracePeriod, DefaultInstanceWarmup: g.defaultInstanceWarmup, CreatedTime: Timestamp.format(g.createdTime),
                Instances: g.instances.map { .init(InstanceId: $0.instanceId.rawValue, AvailabilityZone: $0.availabilityZone, HealthStatus: $0.healthStatus,
                                                   LaunchTemplate: .init(LaunchTemplateName: g.launchTemplateName, Version: String($0.launchTemplateVersion))) })
        })
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
                    try ParameterRows.insertVersion(region: region, owner: ctx.caller, name: name, version: p.version, type: p.type, dataType: p.dataType,
                                                    value: p.value, labels: p.labels, modifiedMillis: Timestamp.millis(p.lastModifiedDate), db)
                }
                parameterResult.imported += 1
            }
            let templateResult = try ctx.importTemplates(templateDoc, region: region, db)
            let groupResult = try ctx.importGroups(groupDoc, region: region, db)
            return CloudImportResult(region: region.code, images: imageResult, launchTemplateVersions: templateResult, groups: groupResult, parameters: parameterResult)
        }
    }
}
