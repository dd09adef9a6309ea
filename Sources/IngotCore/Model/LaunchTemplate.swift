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

/// What a launch template version launches. Every field is optional, as in AWS: a version made
/// with SourceVersion inherits all of its source's fields and overrides the ones given.
public struct LaunchTemplateData: Sendable, Hashable, Codable {
    /// `ami-...` or `resolve:ssm:PARAMETER` (resolved at launch).
    public var imageId: String?
    public var instanceType: String?
    public var keyName: String?
    public var securityGroupIds: [String]?
    /// Base64, as AWS stores it.
    public var userData: String?
    /// An instance profile name or ARN.
    public var iamInstanceProfile: String?
    public var blockDeviceMappings: [TemplateBlockDevice]?
    public var metadataOptions: MetadataOptions?
    public var tagSpecifications: [TagSpecification]?

    public init(
        imageId: String? = nil, instanceType: String? = nil, keyName: String? = nil, securityGroupIds: [String]? = nil,
        userData: String? = nil, iamInstanceProfile: String? = nil, blockDeviceMappings: [TemplateBlockDevice]? = nil,
        metadataOptions: MetadataOptions? = nil, tagSpecifications: [TagSpecification]? = nil
    ) {
        self.imageId = imageId
        self.instanceType = instanceType
        self.keyName = keyName
        self.securityGroupIds = securityGroupIds
        self.userData = userData
        self.iamInstanceProfile = iamInstanceProfile
        self.blockDeviceMappings = blockDeviceMappings
        self.metadataOptions = metadataOptions
        self.tagSpecifications = tagSpecifications
    }

    // AWS's shape: `iamInstanceProfile` is `{"arn": ...}` or `{"name": ...}`.
    enum CodingKeys: String, CodingKey {
        case imageId, instanceType, keyName, securityGroupIds, userData, iamInstanceProfile, blockDeviceMappings, metadataOptions, tagSpecifications
    }
    struct Profile: Codable { var arn: String?; var name: String? }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        imageId = try c.decodeIfPresent(String.self, forKey: .imageId)
        instanceType = try c.decodeIfPresent(String.self, forKey: .instanceType)
        keyName = try c.decodeIfPresent(String.self, forKey: .keyName)
        securityGroupIds = try c.decodeIfPresent([String].self, forKey: .securityGroupIds)
        userData = try c.decodeIfPresent(String.self, forKey: .userData)
        iamInstanceProfile = try c.decodeIfPresent(Profile.self, forKey: .iamInstanceProfile).flatMap { $0.arn ?? $0.name }
        blockDeviceMappings = try c.decodeIfPresent([TemplateBlockDevice].self, forKey: .blockDeviceMappings)
        metadataOptions = try c.decodeIfPresent(MetadataOptions.self, forKey: .metadataOptions)
        tagSpecifications = try c.decodeIfPresent([TagSpecification].self, forKey: .tagSpecifications)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(imageId, forKey: .imageId)
        try c.encodeIfPresent(instanceType, forKey: .instanceType)
        try c.encodeIfPresent(keyName, forKey: .keyName)
        try c.encodeIfPresent(securityGroupIds, forKey: .securityGroupIds)
        try c.encodeIfPresent(userData, forKey: .userData)
        try c.encodeIfPresent(iamInstanceProfile.map { $0.hasPrefix("arn:") ? Profile(arn: $0) : Profile(name: $0) }, forKey: .iamInstanceProfile)
        try c.encodeIfPresent(blockDeviceMappings, forKey: .blockDeviceMappings)
        try c.encodeIfPresent(metadataOptions, forKey: .metadataOptions)
        try c.encodeIfPresent(tagSpecifications, forKey: .tagSpecifications)
    }

    /// This data with every field `other` sets replacing ours (SourceVersion inheritance).
    public func overridden(by other: LaunchTemplateData) -> LaunchTemplateData {
        LaunchTemplateData(
            imageId: other.imageId ?? imageId, instanceType: other.instanceType ?? instanceType, keyName: other.keyName ?? keyName,
            securityGroupIds: other.securityGroupIds ?? securityGroupIds, userData: other.userData ?? userData,
            iamInstanceProfile: other.iamInstanceProfile ?? iamInstanceProfile,
            blockDeviceMappings: other.blockDeviceMappings ?? blockDeviceMappings,
            metadataOptions: other.metadataOptions ?? metadataOptions, tagSpecifications: other.tagSpecifications ?? tagSpecifications)
    }

    /// The SSM parameter when the image id is `resolve:ssm:NAME`.
    public var ssmParameter: String? {
        guard let imageId, imageId.hasPrefix("resolve:ssm:") else { return nil }
        return String(imageId.dropFirst("resolve:ssm:".count))
    }
}

/// A device of a launch template, in AWS's shape: `{"deviceName": ..., "ebs": {"volumeSize": ...}}`.
public struct TemplateBlockDevice: Sendable, Hashable, Codable {
    public var deviceName: String
    public var volumeSize: Int?
    public var volumeType: String?
    public var encrypted: Bool?
    public var kmsKeyId: String?
    public var deleteOnTermination: Bool?

    public init(deviceName: String, volumeSize: Int? = nil, volumeType: String? = nil, encrypted: Bool? = nil, kmsKeyId: String? = nil, deleteOnTermination: Bool? = nil) {
        self.deviceName = deviceName
        self.volumeSize = volumeSize
        self.volumeType = volumeType
        self.encrypted = encrypted
        self.kmsKeyId = kmsKeyId
        self.deleteOnTermination = deleteOnTermination
    }

    struct Ebs: Codable { var volumeSize: Int?; var volumeType: String?; var encrypted: Bool?; var kmsKeyId: String?; var deleteOnTermination: Bool? }
    enum CodingKeys: String, CodingKey { case deviceName, ebs }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deviceName = try c.decode(String.self, forKey: .deviceName)
        let ebs = try c.decodeIfPresent(Ebs.self, forKey: .ebs)
        volumeSize = ebs?.volumeSize
        volumeType = ebs?.volumeType
        encrypted = ebs?.encrypted
        kmsKeyId = ebs?.kmsKeyId
        deleteOnTermination = ebs?.deleteOnTermination
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(deviceName, forKey: .deviceName)
        try c.encode(Ebs(volumeSize: volumeSize, volumeType: volumeType, encrypted: encrypted, kmsKeyId: kmsKeyId, deleteOnTermination: deleteOnTermination), forKey: .ebs)
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
