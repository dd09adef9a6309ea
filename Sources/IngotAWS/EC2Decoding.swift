import IngotCore
import Foundation

/// EC2's XML answers (API version 2016-11-15) decoded into IngotCore's model.
///
/// Missing optional fields stay nil; a missing required field (an image without `imageId`) is an
/// error naming the action and the field, never a made-up value.
public enum EC2Decoding {
    struct Fields {
        let element: AWSXML.Element
        let context: String

        func string(_ path: String) -> String? {
            guard let t = element.string(path) else { return nil }
            return t.isEmpty ? nil : t
        }

        func required(_ path: String) throws -> String {
            guard let t = string(path) else { throw IngotError.failed("\(context): the answer has no \(path)") }
            return t
        }

        func int(_ path: String) throws -> Int? {
            guard let t = string(path) else { return nil }
            guard let v = Int(t) else { throw IngotError.failed("\(context): \(path) '\(t)' is not a number") }
            return v
        }

        func requiredInt(_ path: String) throws -> Int {
            guard let v = try int(path) else { throw IngotError.failed("\(context): the answer has no \(path)") }
            return v
        }

        func requiredDate(_ path: String) throws -> Date {
            guard let d = try date(path) else { throw IngotError.failed("\(context): the answer has no \(path)") }
            return d
        }

        func bool(_ path: String) -> Bool? { string(path).map { $0 == "true" } }

        func date(_ path: String) throws -> Date? {
            guard let t = string(path) else { return nil }
            guard let d = Timestamp.parse(t) else { throw IngotError.failed("\(context): \(path) '\(t)' is not an ISO-8601 time") }
            return d
        }

        func enumValue<E: RawRepresentable>(_ path: String, _ type: E.Type) throws -> E? where E.RawValue == String {
            guard let t = string(path) else { return nil }
            guard let v = E(rawValue: t) else { throw IngotError.failed("\(context): \(path) '\(t)' is not a known value") }
            return v
        }
    }

    static func tags(_ element: AWSXML.Element, set: String = "tagSet") -> [Tag] {
        element.items(set).compactMap { item in
            guard let key = item.string("key") else { return nil }
            return Tag(key: key, value: item.string("value") ?? "")
        }
    }

    // MARK: Images

    /// One `<item>` of DescribeImages' `imagesSet`.
    public static func image(_ item: AWSXML.Element, region: Region) throws -> Image {
        let f = Fields(element: item, context: "DescribeImages")
        // The endpoint's ids are taken as they are (emulators' bundled images use ids like `ami-ekswin`).
        let id = try f.required("imageId")
        let owner = try f.required("imageOwnerId")
        let tags = tags(item)
        let mappings = try item.items("blockDeviceMapping").map { m in
            let mf = Fields(element: m, context: "DescribeImages \(id) blockDeviceMapping")
            return BlockDeviceMapping(
                deviceName: try mf.required("deviceName"),
                snapshotId: mf.string("ebs/snapshotId").map(SnapshotID.init(trusted:)),
                volumeSize: try mf.int("ebs/volumeSize"),
                volumeType: try mf.enumValue("ebs/volumeType", VolumeType.self),
                encrypted: mf.bool("ebs/encrypted"), kmsKeyId: mf.string("ebs/kmsKeyId"),
                deleteOnTermination: mf.bool("ebs/deleteOnTermination"), virtualName: mf.string("virtualName"))
        }
        guard let creation = try f.date("creationDate") else { throw IngotError.failed("DescribeImages: image \(id) has no creationDate") }
        let protection = try f.string("deregistrationProtection").map { text in
            guard let p = DeregistrationProtection(text: text) else {
                throw IngotError.failed("DescribeImages: image \(id) has deregistrationProtection '\(text)'")
            }
            return p
        } ?? .disabled
        return Image(
            id: ImageID(trusted: id), region: region, ownerId: AccountID(trusted: owner), ownerAlias: f.string("imageOwnerAlias"),
            name: f.string("name") ?? id, description: f.string("description"),
            state: try f.enumValue("imageState", ImageState.self) ?? .available, creationDate: creation,
            deprecationTime: try f.date("deprecationTime"),
            architecture: try f.enumValue("architecture", Architecture.self) ?? .x86_64,
            virtualizationType: try f.enumValue("virtualizationType", VirtualizationType.self) ?? .hvm,
            rootDeviceType: rootDeviceType(f, mappings: mappings),
            rootDeviceName: f.string("rootDeviceName") ?? "", bootMode: try f.enumValue("bootMode", BootMode.self),
            blockDeviceMappings: mappings, tags: tags,
            launchPermissions: LaunchPermissions(isPublic: f.bool("isPublic") ?? false),
            sourceImageId: f.string("sourceImageId").map(ImageID.init(trusted:)),
            sourceImageRegion: f.string("sourceImageRegion").map(Region.init(trusted:)),
            sourceInstanceId: f.string("sourceInstanceId").map(InstanceID.init(trusted:)),
            imageVersion: AWSImageJSON.version(from: tags), deregistrationProtection: protection)
    }

    /// AWS sends `ebs` or `instance-store`; anything else (moto sends `standard`) is read off the
    /// root device's mapping: an EBS volume makes it `ebs`.
    static func rootDeviceType(_ f: Fields, mappings: [BlockDeviceMapping]) -> RootDeviceType {
        if let text = f.string("rootDeviceType"), let known = RootDeviceType(rawValue: text) { return known }
        let root = f.string("rootDeviceName")
        let rootMapping = mappings.first { $0.deviceName == root } ?? mappings.first
        return rootMapping?.virtualName == nil && rootMapping != nil ? .ebs : .instanceStore
    }

    // MARK: Snapshots and instances

    /// One `<item>` of DescribeSnapshots' `snapshotSet` (`imageIds` is filled by the caller).
    public static func snapshot(_ item: AWSXML.Element, region: Region) throws -> Snapshot {
        let f = Fields(element: item, context: "DescribeSnapshots")
        let id = try f.required("snapshotId")
        return Snapshot(
            id: SnapshotID(trusted: id), region: region, ownerId: AccountID(trusted: try f.required("ownerId")),
            volumeSize: try f.requiredInt("volumeSize"), encrypted: f.bool("encrypted") ?? false, kmsKeyId: f.string("kmsKeyId"),
            state: try f.enumValue("status", SnapshotState.self) ?? .completed,
            startTime: try f.requiredDate("startTime"), description: f.string("description"))
    }

    /// One `<item>` of a reservation's `instancesSet` (DescribeInstances, RunInstances).
    public static func instance(_ item: AWSXML.Element, region: Region, owner: AccountID) throws -> Instance {
        let f = Fields(element: item, context: "DescribeInstances")
        let id = try f.required("instanceId")
        let stateName = try f.required("instanceState/name")
        guard let state = InstanceState(rawValue: stateName) else { throw IngotError.failed("DescribeInstances: \(id) is in state '\(stateName)'") }
        let volumes = try item.items("blockDeviceMapping").map { m in
            let mf = Fields(element: m, context: "DescribeInstances \(id) blockDeviceMapping")
            return BlockDeviceMapping(deviceName: try mf.required("deviceName"), volumeType: nil, encrypted: nil,
                                      deleteOnTermination: mf.bool("ebs/deleteOnTermination"))
        }
        return Instance(
            id: InstanceID(trusted: id), region: region, ownerId: owner, imageId: f.string("imageId").map(ImageID.init(trusted:)),
            instanceType: f.string("instanceType") ?? "", availabilityZone: f.string("placement/availabilityZone") ?? "",
            state: state, launchTime: try f.requiredDate("launchTime"), volumes: volumes)
    }

    // MARK: Launch templates

    /// One `<item>` of `launchTemplates` (DescribeLaunchTemplates) or a `launchTemplate` element.
    public static func launchTemplate(_ item: AWSXML.Element, region: Region) throws -> LaunchTemplate {
        let f = Fields(element: item, context: "DescribeLaunchTemplates")
        let createdBy = f.string("createdBy") ?? ""
        // `arn:aws:iam::123456789012:root`: the account is the fifth field.
        let owner = createdBy.split(separator: ":", omittingEmptySubsequences: false).dropFirst(4).first.map(String.init) ?? ""
        return LaunchTemplate(
            id: try f.required("launchTemplateId"), name: try f.required("launchTemplateName"), region: region,
            ownerId: AccountID(trusted: owner), createTime: try f.requiredDate("createTime"),
            defaultVersionNumber: try f.requiredInt("defaultVersionNumber"), latestVersionNumber: try f.requiredInt("latestVersionNumber"),
            tags: tags(item))
    }

    /// One `<item>` of `launchTemplateVersionSet` or a `launchTemplateVersion` element.
    public static func launchTemplateVersion(_ item: AWSXML.Element, region: Region) throws -> LaunchTemplateVersion {
        let f = Fields(element: item, context: "DescribeLaunchTemplateVersions")
        return LaunchTemplateVersion(
            templateId: try f.required("launchTemplateId"), templateName: try f.required("launchTemplateName"), region: region,
            versionNumber: try f.requiredInt("versionNumber"), versionDescription: f.string("versionDescription"),
            defaultVersion: f.bool("defaultVersion") ?? false, createTime: try f.requiredDate("createTime"),
            data: try launchTemplateData(item.child("launchTemplateData") ?? AWSXML.Element(name: "launchTemplateData")))
    }

    static func launchTemplateData(_ e: AWSXML.Element) throws -> LaunchTemplateData {
        let f = Fields(element: e, context: "launchTemplateData")
        let groups = e.items("securityGroupIdSet").map(\.text)
        let devices = try e.items("blockDeviceMappingSet").map { m in
            let mf = Fields(element: m, context: "launchTemplateData blockDeviceMapping")
            return TemplateBlockDevice(deviceName: try mf.required("deviceName"), virtualName: mf.string("virtualName"), volumeSize: try mf.int("ebs/volumeSize"),
                                       volumeType: mf.string("ebs/volumeType"), encrypted: mf.bool("ebs/encrypted"),
                                       kmsKeyId: mf.string("ebs/kmsKeyId"), deleteOnTermination: mf.bool("ebs/deleteOnTermination"),
                                       snapshotId: mf.string("ebs/snapshotId"), iops: try mf.int("ebs/iops"), throughput: try mf.int("ebs/throughput"))
        }
        let metadata: MetadataOptions? = e.child("metadataOptions").map { m in
            let mf = Fields(element: m, context: "metadataOptions")
            return MetadataOptions(httpTokens: mf.string("httpTokens"), httpPutResponseHopLimit: Int(mf.string("httpPutResponseHopLimit") ?? ""),
                                   httpEndpoint: mf.string("httpEndpoint"))
        }
        let specs = e.items("tagSpecificationSet").map { s in
            TagSpecification(resourceType: s.string("resourceType") ?? "", tags: tags(s))
        }
        return LaunchTemplateData(
            imageId: f.string("imageId"), instanceType: f.string("instanceType"), keyName: f.string("keyName"),
            securityGroupIds: groups.isEmpty ? nil : groups, userData: f.string("userData"),
            iamInstanceProfile: f.string("iamInstanceProfile/arn") ?? f.string("iamInstanceProfile/name"),
            blockDeviceMappings: devices.isEmpty ? nil : devices, metadataOptions: metadata, tagSpecifications: specs.isEmpty ? nil : specs)
    }

    /// The fields `encode` sends; others are refused rather than dropped.
    static let sentFields: Set<String> = ["imageId", "instanceType", "keyName", "securityGroupIds", "userData", "iamInstanceProfile",
                                          "blockDeviceMappings", "metadataOptions", "tagSpecifications"]

    static func requireSendable(_ data: LaunchTemplateData) throws {
        let other = data.fields.keys.filter { !sentFields.contains($0) }.sorted()
        guard other.isEmpty else {
            throw IngotError.invalid("launch-template-data", "the AWS backend does not send \(other.joined(separator: ", ")) yet (it sends \(sentFields.sorted().joined(separator: ", "))); create this template with the AWS CLI, or leave them out")
        }
    }

    /// LaunchTemplateData as CreateLaunchTemplate(Version) wants it: `LaunchTemplateData.ImageId`, ...
    public static func encode(_ data: LaunchTemplateData, into q: inout QueryParameters, prefix: String = "LaunchTemplateData") {
        q.set("\(prefix).ImageId", data.imageId)
        q.set("\(prefix).InstanceType", data.instanceType)
        q.set("\(prefix).KeyName", data.keyName)
        q.ec2List("\(prefix).SecurityGroupId", data.securityGroupIds ?? [])
        q.set("\(prefix).UserData", data.userData)
        if let profile = data.iamInstanceProfile {
            q.set(profile.hasPrefix("arn:") ? "\(prefix).IamInstanceProfile.Arn" : "\(prefix).IamInstanceProfile.Name", profile)
        }
        for (i, d) in (data.blockDeviceMappings ?? []).enumerated() {
            let p = "\(prefix).BlockDeviceMapping.\(i + 1)"
            q.set("\(p).DeviceName", d.deviceName)
            q.set("\(p).VirtualName", d.virtualName)
            q.set("\(p).Ebs.SnapshotId", d.snapshotId)
            q.set("\(p).Ebs.Iops", d.iops)
            q.set("\(p).Ebs.Throughput", d.throughput)
            q.set("\(p).Ebs.VolumeSize", d.volumeSize)
            q.set("\(p).Ebs.VolumeType", d.volumeType)
            q.set("\(p).Ebs.Encrypted", d.encrypted)
            q.set("\(p).Ebs.KmsKeyId", d.kmsKeyId)
            q.set("\(p).Ebs.DeleteOnTermination", d.deleteOnTermination)
        }
        if let m = data.metadataOptions {
            q.set("\(prefix).MetadataOptions.HttpTokens", m.httpTokens)
            q.set("\(prefix).MetadataOptions.HttpPutResponseHopLimit", m.httpPutResponseHopLimit)
            q.set("\(prefix).MetadataOptions.HttpEndpoint", m.httpEndpoint)
        }
        for (i, s) in (data.tagSpecifications ?? []).enumerated() {
            q.set("\(prefix).TagSpecification.\(i + 1).ResourceType", s.resourceType)
            q.ec2Tags("\(prefix).TagSpecification.\(i + 1).Tag", s.tags.map { ($0.key, $0.value) })
        }
    }
}
