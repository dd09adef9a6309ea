#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An Amazon Machine Image as DescribeImages returns it, seen at one instant of the clock.
public struct Image: Sendable, Hashable {
    public var id: ImageID
    public var region: Region
    public var ownerId: AccountID
    /// `amazon` for Amazon's own images, else nil.
    public var ownerAlias: String?
    public var name: String
    public var description: String?
    public var state: ImageState
    public var creationDate: Date
    public var deprecationTime: Date?
    public var architecture: Architecture
    public var virtualizationType: VirtualizationType
    public var rootDeviceType: RootDeviceType
    public var rootDeviceName: String
    public var bootMode: BootMode?
    public var blockDeviceMappings: [BlockDeviceMapping]
    public var tags: [Tag]
    public var launchPermissions: LaunchPermissions
    public var sourceImageId: ImageID?
    public var sourceImageRegion: Region?
    public var sourceInstanceId: InstanceID?
    public var imageVersion: ImageVersion?
    public var deregistrationProtection: DeregistrationProtection
    /// CreateImage's NoReboot, when the image was made from an instance.
    public var noReboot: Bool?
    /// For a pending copy: when it becomes available.
    public var availableAt: Date?
    /// Why the image is failed (AWS's StateReason message), e.g. a copy under a KMS key it cannot use.
    public var stateReason: String?

    public init(
        id: ImageID, region: Region, ownerId: AccountID, ownerAlias: String? = nil, name: String,
        description: String? = nil, state: ImageState = .available, creationDate: Date,
        deprecationTime: Date? = nil, architecture: Architecture = .x86_64,
        virtualizationType: VirtualizationType = .hvm, rootDeviceType: RootDeviceType = .ebs,
        rootDeviceName: String = "/dev/xvda", bootMode: BootMode? = nil,
        blockDeviceMappings: [BlockDeviceMapping] = [], tags: [Tag] = [],
        launchPermissions: LaunchPermissions = LaunchPermissions(), sourceImageId: ImageID? = nil,
        sourceImageRegion: Region? = nil, sourceInstanceId: InstanceID? = nil,
        imageVersion: ImageVersion? = nil, deregistrationProtection: DeregistrationProtection = .disabled,
        noReboot: Bool? = nil, availableAt: Date? = nil, stateReason: String? = nil
    ) {
        self.id = id
        self.region = region
        self.ownerId = ownerId
        self.ownerAlias = ownerAlias
        self.name = name
        self.description = description
        self.state = state
        self.creationDate = creationDate
        self.deprecationTime = deprecationTime
        self.architecture = architecture
        self.virtualizationType = virtualizationType
        self.rootDeviceType = rootDeviceType
        self.rootDeviceName = rootDeviceName
        self.bootMode = bootMode
        self.blockDeviceMappings = blockDeviceMappings
        self.tags = tags
        self.launchPermissions = launchPermissions
        self.sourceImageId = sourceImageId
        self.sourceImageRegion = sourceImageRegion
        self.sourceInstanceId = sourceInstanceId
        self.imageVersion = imageVersion
        self.deregistrationProtection = deregistrationProtection
        self.noReboot = noReboot
        self.availableAt = availableAt
        self.stateReason = stateReason
    }

    public var isPublic: Bool { launchPermissions.isPublic }

    /// Deprecated at `now`: a deprecation time in the future does not count yet.
    public func isDeprecated(at now: Date) -> Bool {
        guard let t = deprecationTime else { return false }
        return t <= now
    }

    /// Snapshots this image's EBS volumes come from.
    public var snapshotIds: [SnapshotID] { blockDeviceMappings.compactMap(\.snapshotId) }

    /// Total GiB of the image's EBS snapshots (what a copy has to move).
    public var totalSnapshotGiB: Int { blockDeviceMappings.reduce(0) { $0 + ($1.volumeSize ?? 0) } }

    public var isEncrypted: Bool { blockDeviceMappings.contains { $0.encrypted == true } }
}

public enum ImageState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, available, invalid, deregistered, transient, failed, error, disabled
}

public enum Architecture: String, Sendable, Hashable, Codable, CaseIterable {
    case i386, x86_64, arm64
    case x86_64_mac = "x86_64_mac"
    case arm64_mac = "arm64_mac"
}

public enum VirtualizationType: String, Sendable, Hashable, Codable, CaseIterable {
    case hvm, paravirtual
}

public enum RootDeviceType: String, Sendable, Hashable, Codable, CaseIterable {
    case ebs
    case instanceStore = "instance-store"
}

public enum BootMode: String, Sendable, Hashable, Codable, CaseIterable {
    case legacyBIOS = "legacy-bios"
    case uefi
    case uefiPreferred = "uefi-preferred"
}

public enum VolumeType: String, Sendable, Hashable, Codable, CaseIterable {
    case standard, io1, io2, gp2, gp3, sc1, st1
}

/// A device of an image: an EBS volume from a snapshot, or an instance-store (ephemeral) device.
public struct BlockDeviceMapping: Sendable, Hashable {
    public var deviceName: String
    public var snapshotId: SnapshotID?
    public var volumeSize: Int?
    public var volumeType: VolumeType?
    public var encrypted: Bool?
    public var kmsKeyId: String?
    public var deleteOnTermination: Bool?
    /// `ephemeral0` ... for instance-store devices.
    public var virtualName: String?

    public init(
        deviceName: String, snapshotId: SnapshotID? = nil, volumeSize: Int? = nil,
        volumeType: VolumeType? = .gp3, encrypted: Bool? = false, kmsKeyId: String? = nil,
        deleteOnTermination: Bool? = true, virtualName: String? = nil
    ) {
        self.deviceName = deviceName
        self.snapshotId = snapshotId
        self.volumeSize = volumeSize
        self.volumeType = volumeType
        self.encrypted = encrypted
        self.kmsKeyId = kmsKeyId
        self.deleteOnTermination = deleteOnTermination
        self.virtualName = virtualName
    }
}

/// Who may launch an image besides its owner.
public struct LaunchPermissions: Sendable, Hashable {
    public var userIds: [AccountID]
    /// `Group=all`.
    public var isPublic: Bool
    public var organizationArns: [String]
    public var organizationalUnitArns: [String]

    public init(userIds: [AccountID] = [], isPublic: Bool = false, organizationArns: [String] = [], organizationalUnitArns: [String] = []) {
        self.userIds = userIds
        self.isPublic = isPublic
        self.organizationArns = organizationArns
        self.organizationalUnitArns = organizationalUnitArns
    }

    public var isEmpty: Bool { userIds.isEmpty && !isPublic && organizationArns.isEmpty && organizationalUnitArns.isEmpty }
}

/// One launch permission to add or remove (ModifyImageAttribute's LaunchPermission).
public enum LaunchPermission: Sendable, Hashable {
    case account(AccountID)
    case everyone
    case organization(String)
    case organizationalUnit(String)

    /// Validates an organization ARN `arn:aws:organizations::ACCOUNT:organization/o-xxxxxxxxxx`.
    public static func organization(parsing arn: String) throws -> LaunchPermission {
        guard arn.hasPrefix("arn:aws:organizations::"), arn.contains(":organization/o-") else {
            throw IngotError.invalid("organization-arn", "'\(arn)' is not an organization ARN (arn:aws:organizations::ACCOUNT:organization/o-ID)", code: "InvalidParameterValue")
        }
        return .organization(arn)
    }

    /// Validates an OU ARN `arn:aws:organizations::ACCOUNT:ou/o-xxxxxxxxxx/ou-xxxx-xxxxxxxx`.
    public static func organizationalUnit(parsing arn: String) throws -> LaunchPermission {
        guard arn.hasPrefix("arn:aws:organizations::"), arn.contains(":ou/o-"), arn.contains("/ou-") else {
            throw IngotError.invalid("organizational-unit-arn", "'\(arn)' is not an OU ARN (arn:aws:organizations::ACCOUNT:ou/o-ID/ou-ID)", code: "InvalidParameterValue")
        }
        return .organizationalUnit(arn)
    }
}

/// EnableImageDeregistrationProtection's state, as DescribeImages reports it.
public enum DeregistrationProtection: Sendable, Hashable {
    case disabled
    case enabled(withCooldown: Bool)
    /// Protection was turned off with a cooldown: deregistration is refused until then.
    case disabledUntil(Date)

    /// AWS's text: `enabled-with-cooldown`, `enabled-without-cooldown`, `disabled-until <time>`, `disabled`.
    public var text: String {
        switch self {
        case .disabled: "disabled"
        case .enabled(let c): c ? "enabled-with-cooldown" : "enabled-without-cooldown"
        case .disabledUntil(let t): "disabled-until \(Timestamp.format(t))"
        }
    }

    public init?(text: String) {
        switch text {
        case "disabled", "": self = .disabled
        case "enabled-with-cooldown": self = .enabled(withCooldown: true)
        case "enabled-without-cooldown", "enabled": self = .enabled(withCooldown: false)
        default:
            guard text.hasPrefix("disabled-until "), let t = Timestamp.parse(String(text.dropFirst(15))) else { return nil }
            self = .disabledUntil(t)
        }
    }

    /// Whether DeregisterImage is refused at `now`.
    public func blocksDeregistration(at now: Date) -> Bool {
        switch self {
        case .disabled: false
        case .enabled: true
        case .disabledUntil(let t): now < t
        }
    }
}
