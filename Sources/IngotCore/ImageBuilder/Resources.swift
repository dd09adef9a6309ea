import Foundation

// Image Builder's resources as ingot.yaml declares them (`imageBuilder:`), with the API's camelCase
// field names. Each decodes with any decoder, refuses unknown keys naming where they are, and checks
// its values as the API does (exit 2 naming the field). Components and recipes are immutable: a
// version, once created, never changes.

/// A component's `type`.
public enum ComponentType: String, Sendable, Hashable, Codable, CaseIterable {
    case build = "BUILD", test = "TEST"
}

/// A component's or recipe's `platform`.
public enum ImageBuilderPlatform: String, Sendable, Hashable, Codable, CaseIterable {
    case linux = "Linux", windows = "Windows", macOS = "macOS"
}

/// `components[]`: CreateComponent's request. `data` is the AWSTOE document (YAML), checked by
/// ``ComponentDocument``.
public struct ComponentDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var semanticVersion: SemanticVersion
    public var description: String?
    public var changeDescription: String?
    /// BUILD or TEST; when absent, TEST for a document whose only phase is `test`, else BUILD.
    public var type: ComponentType?
    public var platform: ImageBuilderPlatform
    public var supportedOsVersions: [String]?
    public var data: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, semanticVersion, description, changeDescription, type, platform, supportedOsVersions, data
    }

    public init(name: String, semanticVersion: SemanticVersion, type: ComponentType? = nil, platform: ImageBuilderPlatform = .linux, data: String) {
        self.name = name
        self.semanticVersion = semanticVersion
        self.type = type
        self.platform = platform
        self.data = data
    }

    public init(from decoder: any Decoder) throws {
        let field = decoder.fieldName
        try decoder.refuseUnknownKeys(CodingKeys.self, field: field)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try ImageBuilderName.check(c.decode(String.self, forKey: .name), field: field + ".name")
        semanticVersion = try c.decode(SemanticVersion.self, forKey: .semanticVersion)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        changeDescription = try c.decodeIfPresent(String.self, forKey: .changeDescription)
        type = try c.decodeIfPresent(ComponentType.self, forKey: .type)
        platform = try c.decode(ImageBuilderPlatform.self, forKey: .platform)
        supportedOsVersions = try c.decodeIfPresent([String].self, forKey: .supportedOsVersions)
        data = try c.decode(String.self, forKey: .data)
        try ComponentDocument.checkLength(data, field: field + ".data")
    }
}

/// Image Builder's resource names: "^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$"
/// (the API's ResourceName shape: 3 to 128 characters).
public enum ImageBuilderName {
    /// Checks `name`; returns it.
    /// - Parameters:
    ///   - name: the resource's name.
    ///   - field: the field named in the error.
    public static func check(_ name: String, field: String) throws -> String {
        let inner: (Unicode.Scalar) -> Bool = { s in
            switch s { case "a"..."z", "A"..."Z", "0"..."9", "-", "_", " ": true; default: false }
        }
        let scalars = Array(name.unicodeScalars)
        guard (3...128).contains(scalars.count), scalars.allSatisfy(inner), scalars.first != " ", scalars.last != " " else {
            throw IngotError.invalid(field, "'\(name)' is not a resource name; accepted: 3 to 128 letters, digits, '-', '_' and inner spaces",
                                     code: "InvalidParameterValueException")
        }
        return name
    }
}

/// A recipe's `components[]` entry: the component (an ARN, or Ingot's short `NAME/VERSION` for
/// the caller's own component in the same region) and its parameters.
public struct ComponentConfiguration: Sendable, Hashable, Codable {
    public var componentArn: String
    public var parameters: [ComponentParameter]?

    enum CodingKeys: String, CodingKey, CaseIterable { case componentArn, parameters }

    public init(componentArn: String, parameters: [ComponentParameter]? = nil) {
        self.componentArn = componentArn
        self.parameters = parameters
    }

    public init(from decoder: any Decoder) throws {
        let field = decoder.fieldName
        try decoder.refuseUnknownKeys(CodingKeys.self, field: field)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        componentArn = try c.decode(String.self, forKey: .componentArn)
        parameters = try c.decodeIfPresent([ComponentParameter].self, forKey: .parameters)
        // Its form is checked here (whether it exists, when the recipe is created).
        _ = try ImageBuilderARN.reference(componentArn, type: .component, region: .usEast1, owner: .defaultLocal, field: field + ".componentArn")
    }
}

/// `parameters[]` of a component configuration: `name` and `value` (a list of strings, as the API has it).
public struct ComponentParameter: Sendable, Hashable, Codable {
    public var name: String
    public var value: [String]

    enum CodingKeys: String, CodingKey, CaseIterable { case name, value }

    public init(name: String, value: [String]) {
        self.name = name
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        value = try c.decode([String].self, forKey: .value)
    }
}

/// A recipe's `blockDeviceMappings[]` entry.
public struct RecipeBlockDeviceMapping: Sendable, Hashable, Codable {
    public struct EBS: Sendable, Hashable, Codable {
        public var volumeSize: Int?
        public var volumeType: String?
        public var encrypted: Bool?
        public var kmsKeyId: String?
        public var deleteOnTermination: Bool?
        public var iops: Int?
        public var throughput: Int?
        public var snapshotId: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case volumeSize, volumeType, encrypted, kmsKeyId, deleteOnTermination, iops, throughput, snapshotId
        }

        public init(volumeSize: Int? = nil, volumeType: String? = nil, encrypted: Bool? = nil, kmsKeyId: String? = nil) {
            self.volumeSize = volumeSize
            self.volumeType = volumeType
            self.encrypted = encrypted
            self.kmsKeyId = kmsKeyId
        }

        public init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            volumeSize = try c.decodeIfPresent(Int.self, forKey: .volumeSize)
            volumeType = try c.decodeIfPresent(String.self, forKey: .volumeType)
            encrypted = try c.decodeIfPresent(Bool.self, forKey: .encrypted)
            kmsKeyId = try c.decodeIfPresent(String.self, forKey: .kmsKeyId)
            deleteOnTermination = try c.decodeIfPresent(Bool.self, forKey: .deleteOnTermination)
            iops = try c.decodeIfPresent(Int.self, forKey: .iops)
            throughput = try c.decodeIfPresent(Int.self, forKey: .throughput)
            snapshotId = try c.decodeIfPresent(String.self, forKey: .snapshotId)
        }
    }

    public var deviceName: String?
    public var ebs: EBS?
    public var noDevice: String?
    public var virtualName: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case deviceName, ebs, noDevice, virtualName }

    public init(deviceName: String? = nil, ebs: EBS? = nil) {
        self.deviceName = deviceName
        self.ebs = ebs
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deviceName = try c.decodeIfPresent(String.self, forKey: .deviceName)
        ebs = try c.decodeIfPresent(EBS.self, forKey: .ebs)
        noDevice = try c.decodeIfPresent(String.self, forKey: .noDevice)
        virtualName = try c.decodeIfPresent(String.self, forKey: .virtualName)
    }
}

/// `imageRecipes[]`: CreateImageRecipe's request.
public struct ImageRecipeDefinition: Sendable, Hashable, Codable {
    public var name: String
    /// A concrete version, or one ending in `x` for automatic versioning: "When you create a recipe
    /// with a wildcard version such as `1.0.x`, Image Builder automatically increments the version
    /// (for example, `1.0.1`, `1.0.2`, `1.0.3`, and so on)." AWS documents one `x`, in the last node;
    /// Ingot accepts that form only.
    public var semanticVersion: VersionFilter
    public var description: String?
    /// An AMI id, `ssm:PARAMETER`, or an image ARN (`arn:aws:imagebuilder:REGION:aws:image/amazon-linux-2023-x86/x.x.x`).
    public var parentImage: String
    public var components: [ComponentConfiguration]
    public var blockDeviceMappings: [RecipeBlockDeviceMapping]?
    public var amiTags: [String: String]?
    public var workingDirectory: String?

    /// "Components: at most 20 per recipe" (Image Builder quotas).
    public static let maximumComponents = 20

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, semanticVersion, description, parentImage, components, blockDeviceMappings, amiTags, workingDirectory
    }

    public init(name: String, semanticVersion: VersionFilter, parentImage: String, components: [ComponentConfiguration]) {
        self.name = name
        self.semanticVersion = semanticVersion
        self.parentImage = parentImage
        self.components = components
    }

    public init(from decoder: any Decoder) throws {
        let field = decoder.fieldName
        try decoder.refuseUnknownKeys(CodingKeys.self, field: field)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try ImageBuilderName.check(c.decode(String.self, forKey: .name), field: field + ".name")
        semanticVersion = try VersionFilter(c.decode(String.self, forKey: .semanticVersion), field: field + ".semanticVersion")
        guard semanticVersion.fixed.count >= 2, semanticVersion.build == nil else {
            throw IngotError.invalid(field + ".semanticVersion", "'\(semanticVersion)'; accepted: MAJOR.MINOR.PATCH, or MAJOR.MINOR.x to number versions automatically",
                                     code: "InvalidVersionNumberException")
        }
        description = try c.decodeIfPresent(String.self, forKey: .description)
        parentImage = try c.decode(String.self, forKey: .parentImage)
        components = try c.decode([ComponentConfiguration].self, forKey: .components)
        blockDeviceMappings = try c.decodeIfPresent([RecipeBlockDeviceMapping].self, forKey: .blockDeviceMappings)
        amiTags = try c.decodeIfPresent([String: String].self, forKey: .amiTags)
        workingDirectory = try c.decodeIfPresent(String.self, forKey: .workingDirectory)
        guard (1...Self.maximumComponents).contains(components.count) else {
            throw IngotError.invalid(field + ".components", "\(components.count) components; accepted: 1 to \(Self.maximumComponents)",
                                     code: "InvalidParameterValueException")
        }
        _ = try ParentImage(parentImage, field: field + ".parentImage")
        if let size = blockDeviceMappings?.compactMap({ $0.ebs?.volumeSize }).first(where: { !(1...16_384).contains($0) }) {
            throw IngotError.invalid(field + ".blockDeviceMappings", "volumeSize \(size) is out of range; accepted: 1 to 16384 GiB",
                                     code: "InvalidParameterValueException")
        }
    }

    /// The root volume size the recipe asks for, if any.
    public var rootVolumeSize: Int? { blockDeviceMappings?.compactMap { $0.ebs?.volumeSize }.first }
}

/// A recipe's `parentImage`, parsed.
public enum ParentImage: Sendable, Hashable {
    /// A fixed AMI: never newer.
    case ami(ImageID)
    /// `ssm:NAME`: the parameter's value at build time.
    case parameter(String)
    /// An Image Builder image ARN, with a version filter (`x.x.x`): the newest match at build time.
    case image(ImageBuilderARN)

    /// Parses `text`; the error names `field`.
    /// - Parameters:
    ///   - text: an AMI id, `ssm:PARAMETER` or an image ARN.
    ///   - field: the field named in the error.
    public init(_ text: String, field: String) throws {
        if text.hasPrefix("ami-") {
            guard ImageID.isWellFormed(text) else {
                throw IngotError.invalid(field, "'\(text)' is not an AMI id (ami- followed by 8 or 17 lowercase hex digits)", code: "InvalidParameterValueException")
            }
            self = .ami(ImageID(trusted: text))
        } else if text.hasPrefix("ssm:") {
            let name = String(text.dropFirst(4))
            guard !name.isEmpty else { throw IngotError.invalid(field, "'ssm:' names no parameter", code: "InvalidParameterValueException") }
            self = .parameter(name)
        } else if text.hasPrefix("arn:") {
            let arn = try ImageBuilderARN(text, field: field)
            guard arn.type == .image, arn.version != nil else {
                throw IngotError.invalid(field, "'\(text)' is not an image ARN (arn:aws:imagebuilder:REGION:OWNER:image/NAME/VERSION)",
                                         code: "InvalidParameterValueException")
            }
            self = .image(arn)
        } else {
            throw IngotError.invalid(field, "'\(text)' is not a parent image; accepted: an AMI id, ssm:PARAMETER or an image ARN",
                                     code: "InvalidParameterValueException")
        }
    }
}

/// `infrastructureConfigurations[]`: CreateInfrastructureConfiguration's request.
public struct InfrastructureConfigurationDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    /// The build and test instance types; the first is used. Default m5.large (Ingot's choice:
    /// Image Builder picks a type from the parent image when none is given).
    public var instanceTypes: [String]?
    public var instanceProfileName: String
    /// Default true.
    public var terminateInstanceOnFailure: Bool?
    public var subnetId: String?
    public var securityGroupIds: [String]?
    public var keyPair: String?
    public var snsTopicArn: String?
    public var resourceTags: [String: String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, instanceTypes, instanceProfileName, terminateInstanceOnFailure, subnetId, securityGroupIds, keyPair, snsTopicArn, resourceTags
    }

    public init(name: String, instanceTypes: [String]? = nil, instanceProfileName: String = "EC2InstanceProfileForImageBuilder") {
        self.name = name
        self.instanceTypes = instanceTypes
        self.instanceProfileName = instanceProfileName
    }

    public init(from decoder: any Decoder) throws {
        let field = decoder.fieldName
        try decoder.refuseUnknownKeys(CodingKeys.self, field: field)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try ImageBuilderName.check(c.decode(String.self, forKey: .name), field: field + ".name")
        description = try c.decodeIfPresent(String.self, forKey: .description)
        instanceTypes = try c.decodeIfPresent([String].self, forKey: .instanceTypes)
        instanceProfileName = try c.decode(String.self, forKey: .instanceProfileName)
        terminateInstanceOnFailure = try c.decodeIfPresent(Bool.self, forKey: .terminateInstanceOnFailure)
        subnetId = try c.decodeIfPresent(String.self, forKey: .subnetId)
        securityGroupIds = try c.decodeIfPresent([String].self, forKey: .securityGroupIds)
        keyPair = try c.decodeIfPresent(String.self, forKey: .keyPair)
        snsTopicArn = try c.decodeIfPresent(String.self, forKey: .snsTopicArn)
        resourceTags = try c.decodeIfPresent([String: String].self, forKey: .resourceTags)
        for (i, type) in (instanceTypes ?? []).enumerated() where InstanceTypeSpeed.factor(type) == nil {
            throw IngotError.invalid("\(field).instanceTypes[\(i)]", "'\(type)' is not an instance type (FAMILY.SIZE, e.g. m5.large)",
                                     code: "InvalidParameterValueException")
        }
    }

    /// The type builds and tests run on.
    public var instanceType: String { instanceTypes?.first ?? "m5.large" }
}

/// How fast an instance type runs a build, relative to a `large` (Ingot's model: steps scale with
/// the size's vCPUs, with diminishing returns; the family does not matter).
public enum InstanceTypeSpeed {
    /// The duration factor for `type` (1 for `large`), nil when it is not `FAMILY.SIZE`.
    /// - Parameter type: an instance type such as `c6i.2xlarge`.
    public static func factor(_ type: String) -> Double? {
        let parts = type.split(separator: ".")
        guard parts.count == 2, let first = parts[0].first, first.isLetter else { return nil }
        switch parts[1] {
        case "nano", "micro": return 2.5
        case "small": return 2.0
        case "medium": return 1.5
        case "large": return 1.0
        case "xlarge": return 0.8
        case "2xlarge": return 0.65
        case "metal": return 0.5
        default:
            guard parts[1].hasSuffix("xlarge"), let n = Int(parts[1].dropLast("xlarge".count)), n >= 3 else { return nil }
            return 0.55
        }
    }
}

/// `launchPermission` of an AMI distribution.
public struct DistributionLaunchPermission: Sendable, Hashable, Codable {
    public var userIds: [String]?
    public var userGroups: [String]?
    public var organizationArns: [String]?
    public var organizationalUnitArns: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable { case userIds, userGroups, organizationArns, organizationalUnitArns }

    public init(userIds: [String]? = nil, userGroups: [String]? = nil, organizationArns: [String]? = nil, organizationalUnitArns: [String]? = nil) {
        self.userIds = userIds
        self.userGroups = userGroups
        self.organizationArns = organizationArns
        self.organizationalUnitArns = organizationalUnitArns
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        userIds = try c.decodeIfPresent([String].self, forKey: .userIds)
        userGroups = try c.decodeIfPresent([String].self, forKey: .userGroups)
        organizationArns = try c.decodeIfPresent([String].self, forKey: .organizationArns)
        organizationalUnitArns = try c.decodeIfPresent([String].self, forKey: .organizationalUnitArns)
    }

    /// The launch permissions it grants, checked (`userGroups` accepts only `all`).
    /// - Parameter field: the field named in errors.
    public func permissions(field: String) throws -> [LaunchPermission] {
        var out: [LaunchPermission] = []
        for (i, id) in (userIds ?? []).enumerated() { out.append(.account(try AccountID(id, field: "\(field).userIds[\(i)]"))) }
        for group in userGroups ?? [] {
            guard group == "all" else {
                throw IngotError.invalid(field + ".userGroups", "'\(group)'; accepted: all", code: "InvalidParameterValueException")
            }
            out.append(.everyone)
        }
        for (i, arn) in (organizationArns ?? []).enumerated() {
            out.append(try Self.named("\(field).organizationArns[\(i)]") { try LaunchPermission.organization(parsing: arn) })
        }
        for (i, arn) in (organizationalUnitArns ?? []).enumerated() {
            out.append(try Self.named("\(field).organizationalUnitArns[\(i)]") { try LaunchPermission.organizationalUnit(parsing: arn) })
        }
        return out
    }

    /// `body`'s invalid-input error, re-addressed to `field`.
    static func named<T>(_ field: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as IngotError where e.kind == .invalidInput {
            let message = e.message.split(separator: ":", maxSplits: 1).last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? e.message
            throw IngotError.invalid(field, message, code: e.code)
        }
    }
}

/// `amiDistributionConfiguration` of one region.
public struct AMIDistributionConfiguration: Sendable, Hashable, Codable {
    /// The output AMI's name, with `{{ imagebuilder:buildDate }}` and `{{ imagebuilder:buildVersion }}`.
    public var name: String?
    public var description: String?
    /// "The ID of an account to which you want to distribute an image": each gets its own copy.
    public var targetAccountIds: [String]?
    public var amiTags: [String: String]?
    /// The KMS key that encrypts the copies in this region.
    public var kmsKeyId: String?
    public var launchPermission: DistributionLaunchPermission?

    enum CodingKeys: String, CodingKey, CaseIterable { case name, description, targetAccountIds, amiTags, kmsKeyId, launchPermission }

    public init(from decoder: any Decoder) throws {
        let field = decoder.fieldName
        try decoder.refuseUnknownKeys(CodingKeys.self, field: field)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        targetAccountIds = try c.decodeIfPresent([String].self, forKey: .targetAccountIds)
        amiTags = try c.decodeIfPresent([String: String].self, forKey: .amiTags)
        kmsKeyId = try c.decodeIfPresent(String.self, forKey: .kmsKeyId)
        launchPermission = try c.decodeIfPresent(DistributionLaunchPermission.self, forKey: .launchPermission)
        if let name { try AMINameTemplate.check(name, field: field + ".name") }
        for (i, id) in (targetAccountIds ?? []).enumerated() { _ = try AccountID(id, field: "\(field).targetAccountIds[\(i)]") }
        // "Array Members: Minimum number of 1 item. Maximum number of 1536 items." (AmiDistributionConfiguration)
        if let n = targetAccountIds?.count, !(1...1536).contains(n) {
            throw IngotError.invalid(field + ".targetAccountIds", "\(n) accounts; accepted: 1 to 1536", code: "InvalidParameterValueException")
        }
        _ = try launchPermission?.permissions(field: field + ".launchPermission")
    }

    public init(name: String? = nil, targetAccountIds: [String]? = nil, amiTags: [String: String]? = nil, kmsKeyId: String? = nil,
                launchPermission: DistributionLaunchPermission? = nil) {
        self.name = name
        self.targetAccountIds = targetAccountIds
        self.amiTags = amiTags
        self.kmsKeyId = kmsKeyId
        self.launchPermission = launchPermission
    }
}

/// `launchTemplateConfigurations[]` of one region: a new version of the template, from its default
/// version with only the image id changed.
public struct LaunchTemplateConfiguration: Sendable, Hashable, Codable {
    /// `lt-...`, or (Ingot's extension) the template's name.
    public var launchTemplateId: String
    /// The account that owns the template (default: the distributing account).
    public var accountId: String?
    public var setDefaultVersion: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable { case launchTemplateId, accountId, setDefaultVersion }

    public init(launchTemplateId: String, accountId: String? = nil, setDefaultVersion: Bool? = nil) {
        self.launchTemplateId = launchTemplateId
        self.accountId = accountId
        self.setDefaultVersion = setDefaultVersion
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        launchTemplateId = try c.decode(String.self, forKey: .launchTemplateId)
        accountId = try c.decodeIfPresent(String.self, forKey: .accountId)
        setDefaultVersion = try c.decodeIfPresent(Bool.self, forKey: .setDefaultVersion)
    }
}

/// `ssmParameterConfigurations[]` of one region.
public struct SSMParameterConfiguration: Sendable, Hashable, Codable {
    public var parameterName: String
    /// The account whose copy the parameter names (default: the distributing account).
    public var amiAccountId: String?
    /// `text` or `aws:ec2:image` (default `aws:ec2:image`).
    public var dataType: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case parameterName, amiAccountId, dataType }

    public init(parameterName: String, amiAccountId: String? = nil, dataType: String? = nil) {
        self.parameterName = parameterName
        self.amiAccountId = amiAccountId
        self.dataType = dataType
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parameterName = try c.decode(String.self, forKey: .parameterName)
        amiAccountId = try c.decodeIfPresent(String.self, forKey: .amiAccountId)
        dataType = try c.decodeIfPresent(String.self, forKey: .dataType)
    }
}

/// `distributions[]`: what to do in one region.
public struct Distribution: Sendable, Hashable, Codable {
    public var region: Region
    public var amiDistributionConfiguration: AMIDistributionConfiguration?
    public var launchTemplateConfigurations: [LaunchTemplateConfiguration]?
    public var ssmParameterConfigurations: [SSMParameterConfiguration]?

    enum CodingKeys: String, CodingKey, CaseIterable { case region, amiDistributionConfiguration, launchTemplateConfigurations, ssmParameterConfigurations }

    public init(region: Region, amiDistributionConfiguration: AMIDistributionConfiguration? = nil,
                launchTemplateConfigurations: [LaunchTemplateConfiguration]? = nil, ssmParameterConfigurations: [SSMParameterConfiguration]? = nil) {
        self.region = region
        self.amiDistributionConfiguration = amiDistributionConfiguration
        self.launchTemplateConfigurations = launchTemplateConfigurations
        self.ssmParameterConfigurations = ssmParameterConfigurations
    }

    public init(from decoder: any Decoder) throws {
        let field = decoder.fieldName
        try decoder.refuseUnknownKeys(CodingKeys.self, field: field)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        region = try Region(c.decode(String.self, forKey: .region), field: field + ".region")
        amiDistributionConfiguration = try c.decodeIfPresent(AMIDistributionConfiguration.self, forKey: .amiDistributionConfiguration)
        launchTemplateConfigurations = try c.decodeIfPresent([LaunchTemplateConfiguration].self, forKey: .launchTemplateConfigurations)
        ssmParameterConfigurations = try c.decodeIfPresent([SSMParameterConfiguration].self, forKey: .ssmParameterConfigurations)
        for (i, p) in (ssmParameterConfigurations ?? []).enumerated() {
            let f = "\(field).ssmParameterConfigurations[\(i)]"
            if let type = p.dataType, !["text", "aws:ec2:image"].contains(type) {
                throw IngotError.invalid(f + ".dataType", "'\(type)'; accepted: text, aws:ec2:image", code: "InvalidParameterValueException")
            }
            try Parameter.validate(name: p.parameterName, field: f + ".parameterName")
            if let id = p.amiAccountId {
                _ = try AccountID(id, field: f + ".amiAccountId")
                // "During distribution, this account must be specified in distribution settings as a target account for the Region."
                guard amiDistributionConfiguration?.targetAccountIds?.contains(id) == true else {
                    throw IngotError.invalid(f + ".amiAccountId", "\(id) is not one of this region's amiDistributionConfiguration.targetAccountIds",
                                             code: "InvalidParameterValueException")
                }
            }
        }
        for (i, t) in (launchTemplateConfigurations ?? []).enumerated() {
            if let id = t.accountId { _ = try AccountID(id, field: "\(field).launchTemplateConfigurations[\(i)].accountId") }
        }
    }
}

/// `distributionConfigurations[]`: CreateDistributionConfiguration's request.
public struct DistributionConfigurationDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    public var distributions: [Distribution]

    enum CodingKeys: String, CodingKey, CaseIterable { case name, description, distributions }

    public init(name: String, distributions: [Distribution]) {
        self.name = name
        self.distributions = distributions
    }

    public init(from decoder: any Decoder) throws {
        let field = decoder.fieldName
        try decoder.refuseUnknownKeys(CodingKeys.self, field: field)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try ImageBuilderName.check(c.decode(String.self, forKey: .name), field: field + ".name")
        description = try c.decodeIfPresent(String.self, forKey: .description)
        distributions = try c.decode([Distribution].self, forKey: .distributions)
        guard !distributions.isEmpty else {
            throw IngotError.invalid(field + ".distributions", "is empty; accepted: one entry per region", code: "InvalidParameterValueException")
        }
        var seen = Set<Region>()
        for d in distributions where !seen.insert(d.region).inserted {
            throw IngotError.invalid(field + ".distributions", "region \(d.region) appears twice; accepted: one entry per region",
                                     code: "InvalidParameterValueException")
        }
    }
}

/// When a scheduled pipeline builds.
public enum PipelineExecutionStartCondition: String, Sendable, Hashable, Codable, CaseIterable {
    /// "Image Builder will build a new image only when there are new versions of the base image or
    /// components in your recipe that match the filter." The default.
    case expressionMatchAndDependencyUpdatesAvailable = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
    /// Every time the expression matches.
    case expressionMatchOnly = "EXPRESSION_MATCH_ONLY"
}

/// A pipeline's `schedule`.
public struct PipelineSchedule: Sendable, Hashable, Codable {
    public var scheduleExpression: ScheduleExpression
    /// IANA time zone; default UTC.
    public var timezone: String?
    public var pipelineExecutionStartCondition: PipelineExecutionStartCondition?
    /// "The number of consecutive scheduled image pipeline executions that must fail before Image
    /// Builder automatically disables the pipeline" (1 to 10).
    public var autoDisablePolicy: AutoDisablePolicy?

    enum CodingKeys: String, CodingKey, CaseIterable { case scheduleExpression, timezone, pipelineExecutionStartCondition, autoDisablePolicy }

    public init(scheduleExpression: ScheduleExpression, timezone: String? = nil, pipelineExecutionStartCondition: PipelineExecutionStartCondition? = nil,
                autoDisablePolicy: AutoDisablePolicy? = nil) {
        self.scheduleExpression = scheduleExpression
        self.timezone = timezone
        self.pipelineExecutionStartCondition = pipelineExecutionStartCondition
        self.autoDisablePolicy = autoDisablePolicy
    }

    public init(from decoder: any Decoder) throws {
        let field = decoder.fieldName
        try decoder.refuseUnknownKeys(CodingKeys.self, field: field)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scheduleExpression = try ScheduleExpression(parsing: c.decode(String.self, forKey: .scheduleExpression), field: field + ".scheduleExpression")
        timezone = try c.decodeIfPresent(String.self, forKey: .timezone)
        if let timezone { _ = try ScheduleExpression.parseTimeZone(timezone, field: field + ".timezone") }
        pipelineExecutionStartCondition = try c.decodeIfPresent(PipelineExecutionStartCondition.self, forKey: .pipelineExecutionStartCondition)
        autoDisablePolicy = try c.decodeIfPresent(AutoDisablePolicy.self, forKey: .autoDisablePolicy)
        if let n = autoDisablePolicy?.failureCount, !(1...10).contains(n) {
            throw IngotError.invalid(field + ".autoDisablePolicy.failureCount", "\(n); accepted: 1 to 10", code: "InvalidParameterValueException")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scheduleExpression.description, forKey: .scheduleExpression)
        try c.encodeIfPresent(timezone, forKey: .timezone)
        try c.encodeIfPresent(pipelineExecutionStartCondition, forKey: .pipelineExecutionStartCondition)
        try c.encodeIfPresent(autoDisablePolicy, forKey: .autoDisablePolicy)
    }

    /// The time zone the expression is read in.
    public var timeZone: TimeZone { timezone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC") ?? .current }

    /// The start condition, defaulted.
    public var startCondition: PipelineExecutionStartCondition { pipelineExecutionStartCondition ?? .expressionMatchAndDependencyUpdatesAvailable }
}

/// `imageTestsConfiguration`.
public struct ImageTestsConfiguration: Sendable, Hashable, Codable {
    /// Default true.
    public var imageTestsEnabled: Bool?
    /// 60 to 1440 minutes; default 720. "The timeout property is not currently active. This value is
    /// ignored." (Image Builder API reference): checked, never applied.
    public var timeoutMinutes: Int?

    enum CodingKeys: String, CodingKey, CaseIterable { case imageTestsEnabled, timeoutMinutes }

    public init(imageTestsEnabled: Bool? = nil, timeoutMinutes: Int? = nil) {
        self.imageTestsEnabled = imageTestsEnabled
        self.timeoutMinutes = timeoutMinutes
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        imageTestsEnabled = try c.decodeIfPresent(Bool.self, forKey: .imageTestsEnabled)
        timeoutMinutes = try c.decodeIfPresent(Int.self, forKey: .timeoutMinutes)
    }
}

/// `autoDisablePolicy`: disable the pipeline after this many consecutive failed scheduled runs.
public struct AutoDisablePolicy: Sendable, Hashable, Codable {
    public var failureCount: Int

    enum CodingKeys: String, CodingKey, CaseIterable { case failureCount }

    public init(failureCount: Int) { self.failureCount = failureCount }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: decoder.fieldName)
        failureCount = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .failureCount)
    }
}

/// ENABLED or DISABLED.
public enum PipelineStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case enabled = "ENABLED", disabled = "DISABLED"
}

/// `imagePipelines[]`: CreateImagePipeline's request. The ARN fields take an ARN or (Ingot's short
/// form) the resource's name in the same region and account (`golden-web/2.3.0` for a recipe).
public struct ImagePipelineDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    public var imageRecipeArn: String
    public var infrastructureConfigurationArn: String
    public var distributionConfigurationArn: String?
    public var imageTestsConfiguration: ImageTestsConfiguration?
    public var schedule: PipelineSchedule?
    public var status: PipelineStatus?
    public var enhancedImageMetadataEnabled: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, imageRecipeArn, infrastructureConfigurationArn, distributionConfigurationArn, imageTestsConfiguration,
             schedule, status, enhancedImageMetadataEnabled
    }

    public init(name: String, imageRecipeArn: String, infrastructureConfigurationArn: String, distributionConfigurationArn: String? = nil,
                schedule: PipelineSchedule? = nil) {
        self.name = name
        self.imageRecipeArn = imageRecipeArn
        self.infrastructureConfigurationArn = infrastructureConfigurationArn
        self.distributionConfigurationArn = distributionConfigurationArn
        self.schedule = schedule
    }

    public init(from decoder: any Decoder) throws {
        let field = decoder.fieldName
        try decoder.refuseUnknownKeys(CodingKeys.self, field: field)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try ImageBuilderName.check(c.decode(String.self, forKey: .name), field: field + ".name")
        description = try c.decodeIfPresent(String.self, forKey: .description)
        imageRecipeArn = try c.decode(String.self, forKey: .imageRecipeArn)
        infrastructureConfigurationArn = try c.decode(String.self, forKey: .infrastructureConfigurationArn)
        distributionConfigurationArn = try c.decodeIfPresent(String.self, forKey: .distributionConfigurationArn)
        for (text, type, key) in [(imageRecipeArn, ImageBuilderARN.ResourceType.imageRecipe, "imageRecipeArn"),
                                  (infrastructureConfigurationArn, .infrastructureConfiguration, "infrastructureConfigurationArn"),
                                  (distributionConfigurationArn, .distributionConfiguration, "distributionConfigurationArn")] {
            guard let text else { continue }
            _ = try ImageBuilderARN.reference(text, type: type, region: .usEast1, owner: .defaultLocal, field: "\(field).\(key)")
        }
        imageTestsConfiguration = try c.decodeIfPresent(ImageTestsConfiguration.self, forKey: .imageTestsConfiguration)
        schedule = try c.decodeIfPresent(PipelineSchedule.self, forKey: .schedule)
        status = try c.decodeIfPresent(PipelineStatus.self, forKey: .status)
        enhancedImageMetadataEnabled = try c.decodeIfPresent(Bool.self, forKey: .enhancedImageMetadataEnabled)
        if let t = imageTestsConfiguration?.timeoutMinutes, !(60...1440).contains(t) {
            throw IngotError.invalid(field + ".imageTestsConfiguration.timeoutMinutes", "\(t); accepted: 60 to 1440", code: "InvalidParameterValueException")
        }
    }

    /// Whether builds run the test phases (default true).
    public var testsEnabled: Bool { imageTestsConfiguration?.imageTestsEnabled ?? true }
}

/// `imageBuilder:` of ingot.yaml: the region its resources live in and the resources.
public struct ImageBuilderDefinitions: Sendable, Hashable, Codable {
    /// Default: the command's `--region` (us-east-1 when none is given).
    public var region: Region?
    public var components: [ComponentDefinition]
    public var imageRecipes: [ImageRecipeDefinition]
    public var infrastructureConfigurations: [InfrastructureConfigurationDefinition]
    public var distributionConfigurations: [DistributionConfigurationDefinition]
    public var imagePipelines: [ImagePipelineDefinition]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case region, components, imageRecipes, infrastructureConfigurations, distributionConfigurations, imagePipelines
    }

    public init(region: Region? = nil, components: [ComponentDefinition] = [], imageRecipes: [ImageRecipeDefinition] = [],
                infrastructureConfigurations: [InfrastructureConfigurationDefinition] = [],
                distributionConfigurations: [DistributionConfigurationDefinition] = [], imagePipelines: [ImagePipelineDefinition] = []) {
        self.region = region
        self.components = components
        self.imageRecipes = imageRecipes
        self.infrastructureConfigurations = infrastructureConfigurations
        self.distributionConfigurations = distributionConfigurations
        self.imagePipelines = imagePipelines
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, field: "imageBuilder")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        region = try c.decodeIfPresent(String.self, forKey: .region).map { try Region($0, field: "imageBuilder.region") }
        components = try c.decodeIfPresent([ComponentDefinition].self, forKey: .components) ?? []
        imageRecipes = try c.decodeIfPresent([ImageRecipeDefinition].self, forKey: .imageRecipes) ?? []
        infrastructureConfigurations = try c.decodeIfPresent([InfrastructureConfigurationDefinition].self, forKey: .infrastructureConfigurations) ?? []
        distributionConfigurations = try c.decodeIfPresent([DistributionConfigurationDefinition].self, forKey: .distributionConfigurations) ?? []
        imagePipelines = try c.decodeIfPresent([ImagePipelineDefinition].self, forKey: .imagePipelines) ?? []
        for (kind, names) in [("components", components.map { "\($0.name)/\($0.semanticVersion)" }), ("imageRecipes", imageRecipes.map { "\($0.name)/\($0.semanticVersion)" }),
                              ("infrastructureConfigurations", infrastructureConfigurations.map(\.name)),
                              ("distributionConfigurations", distributionConfigurations.map(\.name)), ("imagePipelines", imagePipelines.map(\.name))] {
            var seen = Set<String>()
            if let twice = names.first(where: { !seen.insert($0).inserted }) {
                throw IngotError.invalid("imageBuilder.\(kind)", "'\(twice)' is declared twice", code: "InvalidParameterValueException")
            }
        }
    }
}
