#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A launch template (DescribeLaunchTemplates).
public struct LaunchTemplate: Sendable, Hashable {
    public var id: String
    public var name: String
    public var region: Region
    public var ownerId: AccountID
    public var createTime: Date
    public var defaultVersionNumber: Int
    public var latestVersionNumber: Int
    public var tags: [Tag]

    public init(id: String, name: String, region: Region, ownerId: AccountID, createTime: Date, defaultVersionNumber: Int, latestVersionNumber: Int, tags: [Tag]) {
        self.id = id
        self.name = name
        self.region = region
        self.ownerId = ownerId
        self.createTime = createTime
        self.defaultVersionNumber = defaultVersionNumber
        self.latestVersionNumber = latestVersionNumber
        self.tags = tags
    }
}

/// One immutable version of a launch template (DescribeLaunchTemplateVersions).
public struct LaunchTemplateVersion: Sendable, Hashable {
    public var templateId: String
    public var templateName: String
    public var region: Region
    public var versionNumber: Int
    public var versionDescription: String?
    public var defaultVersion: Bool
    public var createTime: Date
    public var data: LaunchTemplateData

    public init(templateId: String, templateName: String, region: Region, versionNumber: Int, versionDescription: String?,
                defaultVersion: Bool, createTime: Date, data: LaunchTemplateData) {
        self.templateId = templateId
        self.templateName = templateName
        self.region = region
        self.versionNumber = versionNumber
        self.versionDescription = versionDescription
        self.defaultVersion = defaultVersion
        self.createTime = createTime
        self.data = data
    }
}

/// What a launch template version launches: every field of AWS's `LaunchTemplateData`, kept as it
/// was given (camelCase keys, as the EC2 API names them), so network interfaces, placement, market
/// options and fields AWS adds later survive an import, a refresh and an export unchanged. Every field
/// is optional, as in AWS: a version made with SourceVersion inherits all of its source's fields and
/// overrides the ones given. The properties below are typed views of the fields Ingot reads.
public struct LaunchTemplateData: Sendable, Hashable, Codable {
    /// Every field, keyed as the EC2 API names them (`imageId`, `networkInterfaces`, ...).
    public private(set) var fields: [String: JSONValue]

    public init(
        imageId: String? = nil, instanceType: String? = nil, keyName: String? = nil, securityGroupIds: [String]? = nil,
        userData: String? = nil, iamInstanceProfile: String? = nil, blockDeviceMappings: [TemplateBlockDevice]? = nil,
        metadataOptions: MetadataOptions? = nil, tagSpecifications: [TagSpecification]? = nil
    ) {
        fields = [:]
        self.imageId = imageId
        self.instanceType = instanceType
        self.keyName = keyName
        self.securityGroupIds = securityGroupIds
        self.userData = userData
        self.iamInstanceProfile = iamInstanceProfile
        store("blockDeviceMappings", blockDeviceMappings)
        self.metadataOptions = metadataOptions
        self.tagSpecifications = tagSpecifications
    }

    /// Data from JSON fields in the API's camelCase or the AWS CLI's PascalCase; the fields Ingot
    /// reads must have AWS's types.
    public init(fields: [String: JSONValue], field: String = "launchTemplateData") throws {
        self.fields = JSONValue.rekeyed(fields, JSONValue.camelCase)
        try check(field: field)
    }

    /// Data as a store wrote it (`jsonText`): camelCase keys, checked when it was written.
    public init(storedJSON text: String) throws {
        guard case .object(let fields) = try JSONValue.parse(text) else {
            throw IngotError.failed("store: launch template data is not a JSON object")
        }
        self.fields = fields
    }

    /// Compact JSON with sorted keys, as a store keeps it.
    public var jsonText: String { JSONValue.object(fields).text }

    public init(from decoder: any Decoder) throws {
        guard case .object(let object) = try JSONValue(from: decoder) else {
            throw DecodingError.typeMismatch(JSONValue.self, .init(codingPath: decoder.codingPath, debugDescription: "launch template data must be an object"))
        }
        do { try self.init(fields: object) } catch let e as IngotError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: e.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(fields).encode(to: encoder)
    }

    /// True when no field is set (AWS refuses a template or version with no data).
    public var isEmpty: Bool { fields.isEmpty }

    // MARK: Typed views

    /// `ami-...` or `resolve:ssm:PARAMETER` (resolved at launch).
    public var imageId: String? {
        get { fields["imageId"]?.string }
        set { fields["imageId"] = newValue.map(JSONValue.string) }
    }
    public var instanceType: String? {
        get { fields["instanceType"]?.string }
        set { fields["instanceType"] = newValue.map(JSONValue.string) }
    }
    public var keyName: String? {
        get { fields["keyName"]?.string }
        set { fields["keyName"] = newValue.map(JSONValue.string) }
    }
    public var securityGroupIds: [String]? {
        get { fields["securityGroupIds"]?.array?.compactMap(\.string) }
        set { fields["securityGroupIds"] = newValue.map { .array($0.map(JSONValue.string)) } }
    }
    /// Base64, as AWS stores it.
    public var userData: String? {
        get { fields["userData"]?.string }
        set { fields["userData"] = newValue.map(JSONValue.string) }
    }
    /// An instance profile name or ARN (AWS's shape: `{"arn": ...}` or `{"name": ...}`).
    public var iamInstanceProfile: String? {
        get { fields["iamInstanceProfile"]?.object.flatMap { $0["arn"]?.string ?? $0["name"]?.string } }
        set { fields["iamInstanceProfile"] = newValue.map { .object([$0.hasPrefix("arn:") ? "arn" : "name": .string($0)]) } }
    }
    /// The block devices, read-only: change them through the fields so that what Ingot has no type
    /// for (`virtualName`, `noDevice`, EBS `iops`, ...) is kept.
    public var blockDeviceMappings: [TemplateBlockDevice]? { view("blockDeviceMappings") }
    public var metadataOptions: MetadataOptions? {
        get { view("metadataOptions") }
        set { store("metadataOptions", newValue) }
    }
    public var tagSpecifications: [TagSpecification]? {
        get { view("tagSpecifications") }
        set { store("tagSpecifications", newValue) }
    }

    /// Removes what names a resource of one region, for a copy of this data in another: security
    /// groups, the key pair, kernel and RAM disk ids, EBS snapshots and KMS keys of block devices,
    /// subnets, security groups and interfaces of network interfaces, the placement's zone, group and
    /// host, capacity reservation targets and license configurations. Returns what was removed, named
    /// for people (empty: nothing).
    public mutating func removeRegionalReferences() -> [String] {
        var removed: [String] = []
        if let groups = securityGroupIds, !groups.isEmpty { removed.append("security groups \(groups.joined(separator: ","))") }
        if let names = fields["securityGroups"]?.array, !names.isEmpty { removed.append("security group names") }
        if let key = keyName { removed.append("key pair \(key)") }
        for (key, what) in [("securityGroupIds", ""), ("securityGroups", ""), ("keyName", ""), ("kernelId", "kernel id"), ("ramDiskId", "RAM disk id"),
                            ("licenseSpecifications", "license configurations")] where fields[key] != nil {
            if !what.isEmpty { removed.append(what) }
            fields[key] = nil
        }
        func strip(_ key: String, in list: String, nested: String? = nil, _ what: String) {
            guard let items = fields[list]?.array else { return }
            var any = false
            fields[list] = .array(items.map { item in
                guard var o = item.object else { return item }
                if let nested {
                    guard var inner = o[nested]?.object, inner[key] != nil else { return item }
                    inner[key] = nil
                    o[nested] = .object(inner)
                } else {
                    guard o[key] != nil else { return item }
                    o[key] = nil
                }
                any = true
                return .object(o)
            })
            if any, !removed.contains(what) { removed.append(what) }
        }
        strip("kmsKeyId", in: "blockDeviceMappings", nested: "ebs", "block device KMS keys")
        strip("snapshotId", in: "blockDeviceMappings", nested: "ebs", "block device snapshots")
        for key in ["subnetId", "groups", "networkInterfaceId", "privateIpAddress", "privateIpAddresses", "ipv6Addresses", "ipv4Prefixes", "ipv6Prefixes"] {
            strip(key, in: "networkInterfaces", "network interface subnets, addresses, security groups and ids")
        }
        if var placement = fields["placement"]?.object {
            let regional = ["availabilityZone", "availabilityZoneId", "groupName", "groupId", "hostId", "hostResourceGroupArn", "partitionNumber"]
            if regional.contains(where: { placement[$0] != nil }) {
                for key in regional { placement[key] = nil }
                fields["placement"] = placement.isEmpty ? nil : .object(placement)
                removed.append("placement zone, group and host")
            }
        }
        if var capacity = fields["capacityReservationSpecification"]?.object, capacity["capacityReservationTarget"] != nil {
            capacity["capacityReservationTarget"] = nil
            fields["capacityReservationSpecification"] = capacity.isEmpty ? nil : .object(capacity)
            removed.append("capacity reservation target")
        }
        return removed
    }

    /// This data with every field `other` sets replacing ours (SourceVersion inheritance).
    public func overridden(by other: LaunchTemplateData) -> LaunchTemplateData {
        var merged = self
        merged.fields.merge(other.fields) { _, new in new }
        return merged
    }

    /// The SSM parameter when the image id is `resolve:ssm:NAME`.
    public var ssmParameter: String? {
        guard let imageId, imageId.hasPrefix("resolve:ssm:") else { return nil }
        return String(imageId.dropFirst("resolve:ssm:".count))
    }

    // The typed fields must have their types: a string image id, a list of devices that each name a
    // device, and so on (checked on the JSON itself). Fields Ingot does not read are kept without a check.
    private func check(field: String) throws {
        func bad(_ key: String, _ expected: String) -> IngotError {
            IngotError.invalid("\(field).\(key)", "is \(fields[key]?.typeName ?? "missing"); expected \(expected)")
        }
        func isList(_ key: String, of item: (JSONValue) -> Bool) -> Bool { fields[key].map { $0.array?.allSatisfy(item) == true } ?? true }
        for key in ["imageId", "instanceType", "keyName", "userData"] where fields[key] != nil && fields[key]?.string == nil {
            throw bad(key, "a string")
        }
        guard isList("securityGroupIds", of: { $0.string != nil }) else { throw bad("securityGroupIds", "a list of security group ids") }
        if let profile = fields["iamInstanceProfile"], profile.object.map({ $0["arn"]?.string ?? $0["name"]?.string }) == nil {
            throw bad("iamInstanceProfile", "an object with arn or name")
        }
        guard isList("blockDeviceMappings", of: { device in
            guard let d = device.object, d["deviceName"]?.string != nil else { return false }
            return d["ebs"].map { $0.object != nil } ?? true
        }) else { throw bad("blockDeviceMappings", "a list of {deviceName, ebs}") }
        if let options = fields["metadataOptions"], options.object == nil { throw bad("metadataOptions", "an object of metadata options") }
        guard isList("tagSpecifications", of: { spec in
            guard let o = spec.object, o["resourceType"]?.string != nil else { return false }
            return o["tags"].map { $0.array?.allSatisfy { $0.object?["key"]?.string != nil } == true } ?? true
        }) else { throw bad("tagSpecifications", "a list of {resourceType, tags}") }
    }

    private func view<T: Decodable>(_ key: String) -> T? {
        guard let value = fields[key] else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(value.text.utf8))
    }

    private mutating func store<T: Encodable>(_ key: String, _ value: T?) {
        fields[key] = value.flatMap { try? JSONEncoder().encode($0) }.flatMap { try? JSONValue.parse(Array($0)) }
    }
}

/// A device of a launch template, in AWS's shape: `{"deviceName": ..., "ebs": {"volumeSize": ...}}`
/// or `{"deviceName": ..., "virtualName": "ephemeral0"}`.
public struct TemplateBlockDevice: Sendable, Hashable, Codable {
    public var deviceName: String
    /// An instance store volume (`ephemeral0`): no EBS.
    public var virtualName: String?
    public var volumeSize: Int?
    public var volumeType: String?
    public var encrypted: Bool?
    public var kmsKeyId: String?
    public var deleteOnTermination: Bool?
    public var snapshotId: String?
    public var iops: Int?
    public var throughput: Int?

    public init(deviceName: String, virtualName: String? = nil, volumeSize: Int? = nil, volumeType: String? = nil, encrypted: Bool? = nil,
                kmsKeyId: String? = nil, deleteOnTermination: Bool? = nil, snapshotId: String? = nil, iops: Int? = nil, throughput: Int? = nil) {
        self.deviceName = deviceName
        self.virtualName = virtualName
        self.volumeSize = volumeSize
        self.volumeType = volumeType
        self.encrypted = encrypted
        self.kmsKeyId = kmsKeyId
        self.deleteOnTermination = deleteOnTermination
        self.snapshotId = snapshotId
        self.iops = iops
        self.throughput = throughput
    }

    struct Ebs: Codable, Equatable {
        var volumeSize: Int?, volumeType: String?, encrypted: Bool?, kmsKeyId: String?, deleteOnTermination: Bool?, snapshotId: String?, iops: Int?, throughput: Int?
    }
    enum CodingKeys: String, CodingKey { case deviceName, virtualName, ebs }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deviceName = try c.decode(String.self, forKey: .deviceName)
        virtualName = try c.decodeIfPresent(String.self, forKey: .virtualName)
        let ebs = try c.decodeIfPresent(Ebs.self, forKey: .ebs)
        volumeSize = ebs?.volumeSize
        volumeType = ebs?.volumeType
        encrypted = ebs?.encrypted
        kmsKeyId = ebs?.kmsKeyId
        deleteOnTermination = ebs?.deleteOnTermination
        snapshotId = ebs?.snapshotId
        iops = ebs?.iops
        throughput = ebs?.throughput
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(deviceName, forKey: .deviceName)
        try c.encodeIfPresent(virtualName, forKey: .virtualName)
        let ebs = Ebs(volumeSize: volumeSize, volumeType: volumeType, encrypted: encrypted, kmsKeyId: kmsKeyId, deleteOnTermination: deleteOnTermination,
                      snapshotId: snapshotId, iops: iops, throughput: throughput)
        if ebs != Ebs() { try c.encode(ebs, forKey: .ebs) }
    }
}

public struct MetadataOptions: Sendable, Hashable, Codable {
    /// `required` (IMDSv2 only) or `optional`.
    public var httpTokens: String?
    public var httpPutResponseHopLimit: Int?
    public var httpEndpoint: String?

    public init(httpTokens: String? = nil, httpPutResponseHopLimit: Int? = nil, httpEndpoint: String? = nil) {
        self.httpTokens = httpTokens
        self.httpPutResponseHopLimit = httpPutResponseHopLimit
        self.httpEndpoint = httpEndpoint
    }
}

public struct TagSpecification: Sendable, Hashable, Codable {
    public var resourceType: String
    public var tags: [Tag]

    enum CodingKeys: String, CodingKey { case resourceType, tags }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        resourceType = try c.decode(String.self, forKey: .resourceType)
        tags = try c.decodeIfPresent([Tag].self, forKey: .tags) ?? []
    }

    public init(resourceType: String, tags: [Tag]) {
        self.resourceType = resourceType
        self.tags = tags
    }
}

/// The launch template version a group, a DesiredConfiguration or a DR template names: `$Latest`,
/// `$Default` or a number. `$Latest` and `$Default` move with the template; a number does not.
public enum TemplateVersion: Sendable, Hashable, Codable, CustomStringConvertible {
    case latest, `default`, number(Int)

    public init(_ text: String, field: String = "version") throws {
        switch text {
        case "$Latest": self = .latest
        case "$Default": self = .default
        default:
            guard let n = Int(text), n >= 1 else {
                throw IngotError.invalid(field, "'\(text)' is not $Latest, $Default or a version number")
            }
            self = .number(n)
        }
    }

    /// AWS's spelling: `$Latest`, `$Default` or the number.
    public var description: String {
        switch self {
        case .latest: "$Latest"
        case .default: "$Default"
        case .number(let n): String(n)
        }
    }

    /// `$Latest`/`$Default` follow the template and cannot be rolled back to: a numbered version can.
    public var isMoving: Bool {
        if case .number = self { return false }
        return true
    }

    /// The version number this names in a template whose default and latest versions are given.
    public func number(default defaultVersion: Int, latest: Int) -> Int {
        switch self {
        case .latest: latest
        case .default: defaultVersion
        case .number(let n): n
        }
    }

    public init(from decoder: any Decoder) throws {
        self = try TemplateVersion(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Which versions DescribeLaunchTemplateVersions / DeleteLaunchTemplateVersions mean:
/// `$Latest`, `$Default`, a number, or a range `2-5`.
public enum TemplateVersionSelector: Sendable, Hashable {
    case latest, `default`, number(Int), range(ClosedRange<Int>)

    public init(_ text: String, field: String = "versions") throws {
        switch text {
        case "$Latest": self = .latest
        case "$Default": self = .default
        default:
            if let n = Int(text), n >= 1 { self = .number(n); return }
            let parts = text.split(separator: "-")
            if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 1, a <= b { self = .range(a...b); return }
            throw IngotError.invalid(field, "'\(text)' is not $Latest, $Default, a version number or a range such as 2-5")
        }
    }

    public init(_ version: TemplateVersion) {
        switch version {
        case .latest: self = .latest
        case .default: self = .default
        case .number(let n): self = .number(n)
        }
    }

    public var text: String {
        switch self {
        case .latest: "$Latest"
        case .default: "$Default"
        case .number(let n): String(n)
        case .range(let r): "\(r.lowerBound)-\(r.upperBound)"
        }
    }
}

/// AWS's quotas on launch templates.
public enum LaunchTemplateQuotas {
    public static let templatesPerRegion = 5_000
    public static let versionsPerTemplate = 10_000
    /// "User data is limited to 16 KB" (before base64).
    public static let userDataBytes = 16 * 1024
    public static let versionDescriptionLength = 255
}

/// A launch template name: 3-128 characters of letters, digits and `( ) . - / _`.
public func validateLaunchTemplateName(_ name: String, field: String = "template") throws {
    guard (3...128).contains(name.count) else {
        throw IngotError.invalid(field, "'\(name)' must be 3 to 128 characters long", code: "InvalidLaunchTemplateName.MalformedException")
    }
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789()./-_")
    if let bad = name.first(where: { !allowed.contains($0) }) {
        throw IngotError.invalid(field, "'\(name)' contains '\(bad)'; allowed: letters, digits and ( ) . / - _", code: "InvalidLaunchTemplateName.MalformedException")
    }
}

/// Whether `text` is a launch template id, `lt-` and 17 hexadecimal digits, rather than a name. AWS
/// takes either wherever a template is named ("You must specify either the launch template ID or the
/// launch template name, but not both"); Ingot's commands take one argument and read an id-shaped
/// one as an id (a template named like an id is then reached by its id).
public func isLaunchTemplateID(_ text: String) -> Bool {
    text.hasPrefix("lt-") && text.count == 20 && text.dropFirst(3).allSatisfy(\.isHexDigit)
}
