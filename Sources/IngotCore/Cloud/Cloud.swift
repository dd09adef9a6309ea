#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The cloud, shaped like the EC2 API. Everything above it (resolver, refresher, planners, CLI) works
/// unchanged on the embedded local cloud and on real AWS.
///
/// A `Cloud` value acts as one account, the way an AWS client acts with one set of credentials;
/// ``acting(as:)`` gives the same cloud seen by another account.
public protocol Cloud: Sendable {
    /// The calling account.
    var caller: AccountID { get }
    /// The same cloud seen by `account`.
    func acting(as account: AccountID) -> Self

    func describeImages(_ request: DescribeImagesRequest) async throws -> [Image]
    func describeSnapshots(_ request: DescribeSnapshotsRequest) async throws -> [Snapshot]
    func describeInstances(region: Region, instanceIds: [InstanceID]) async throws -> [Instance]

    func runInstances(_ request: RunInstancesRequest) async throws -> [Instance]
    func terminateInstances(region: Region, instanceIds: [InstanceID]) async throws
    func createImage(_ request: CreateImageRequest) async throws -> ImageID
    func registerImage(_ request: RegisterImageRequest) async throws -> ImageID
    func copyImage(_ request: CopyImageRequest) async throws -> ImageID
    func createTags(region: Region, imageId: ImageID, tags: [Tag]) async throws

    func modifyLaunchPermission(_ request: ModifyLaunchPermissionRequest) async throws
    func enableImageDeprecation(region: Region, imageId: ImageID, deprecateAt: Date) async throws -> Date
    func disableImageDeprecation(region: Region, imageId: ImageID) async throws
    func disableImage(region: Region, imageId: ImageID) async throws
    func enableImage(region: Region, imageId: ImageID) async throws
    func enableImageDeregistrationProtection(region: Region, imageId: ImageID, withCooldown: Bool) async throws
    func disableImageDeregistrationProtection(region: Region, imageId: ImageID) async throws
    func deregisterImage(region: Region, imageId: ImageID, deleteAssociatedSnapshots: Bool) async throws -> DeregisterImageResult
    func deleteSnapshot(region: Region, snapshotId: SnapshotID) async throws

    /// GetImageBlockPublicAccessState.
    func imageBlockPublicAccess(region: Region) async throws -> ImageBlockPublicAccessState
    /// EnableImageBlockPublicAccess (`block-new-sharing`) or DisableImageBlockPublicAccess (`unblocked`).
    func setImageBlockPublicAccess(_ state: ImageBlockPublicAccessState, region: Region) async throws
}

/// Block public access for AMIs, a setting of the account in each region. GetImageBlockPublicAccessState:
/// "block-new-sharing - Any attempt to publicly share your AMIs in the specified Region is blocked.
/// unblocked - Your AMIs in the specified Region can be publicly shared."
public enum ImageBlockPublicAccessState: String, Sendable, Hashable, Codable {
    case blockNewSharing = "block-new-sharing"
    case unblocked
}

/// DescribeImages' parameters.
public struct DescribeImagesRequest: Sendable, Hashable {
    public var region: Region
    public var imageIds: [ImageID]
    public var owners: [ImageOwner]
    /// Account ids, `self`, or `all` (public images).
    public var executableBy: [String]
    public var filters: [ImageFilter]
    public var includeDeprecated: Bool
    public var includeDisabled: Bool

    public init(
        region: Region, imageIds: [ImageID] = [], owners: [ImageOwner] = [], executableBy: [String] = [],
        filters: [ImageFilter] = [], includeDeprecated: Bool = false, includeDisabled: Bool = false
    ) {
        self.region = region
        self.imageIds = imageIds
        self.owners = owners
        self.executableBy = executableBy
        self.filters = filters
        self.includeDeprecated = includeDeprecated
        self.includeDisabled = includeDisabled
    }
}

/// One DescribeImages filter. Values within a filter are OR'ed; filters are AND'ed (as on AWS).
public enum ImageFilter: Sendable, Hashable {
    /// `name`: patterns with `*` and `?`.
    case name([String])
    /// `tag:KEY`: the tag's value matches one of the patterns.
    case tag(key: String, values: [String])
    /// `tag-key`: the image has one of these tag keys.
    case tagKey([String])
    case state([ImageState])
    case architecture([Architecture])
    case isPublic(Bool)
    /// `image-id`: patterns with `*` and `?`.
    case imageId([String])

    /// Builds a filter from AWS's `Name=...,Values=...` pair; unknown names are refused like EC2 does.
    public init(name: String, values: [String]) throws {
        guard !values.isEmpty else { throw IngotError.invalid("filter", "filter '\(name)' needs at least one value") }
        switch name {
        case "name": self = .name(values)
        case "tag-key": self = .tagKey(values)
        case "image-id": self = .imageId(values)
        case "state":
            self = .state(try values.map { v in
                guard let s = ImageState(rawValue: v) else {
                    throw IngotError.invalid("filter state", "'\(v)' is not a state; accepted: \(ImageState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return s
            })
        case "architecture":
            self = .architecture(try values.map { v in
                guard let a = Architecture(rawValue: v) else {
                    throw IngotError.invalid("filter architecture", "'\(v)' is not an architecture; accepted: \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return a
            })
        case "is-public":
            guard values.count == 1, let b = Bool(values[0]) else {
                throw IngotError.invalid("filter is-public", "'\(values.joined(separator: ","))' must be true or false")
            }
            self = .isPublic(b)
        default:
            if name.hasPrefix("tag:"), name.count > 4 {
                self = .tag(key: String(name.dropFirst(4)), values: values)
            } else {
                throw IngotError.invalid("filter", "unknown filter '\(name)'; accepted: name, tag:KEY, tag-key, state, architecture, is-public, image-id", code: "InvalidParameterValue")
            }
        }
    }
}

public struct DescribeSnapshotsRequest: Sendable, Hashable {
    public var region: Region
    public var snapshotIds: [SnapshotID]
    /// Only snapshots no image uses (they keep costing money).
    public var orphanedOnly: Bool

    public init(region: Region, snapshotIds: [SnapshotID] = [], orphanedOnly: Bool = false) {
        self.region = region
        self.snapshotIds = snapshotIds
        self.orphanedOnly = orphanedOnly
    }
}

/// RunInstances, reduced to what building an image needs.
public struct RunInstancesRequest: Sendable, Hashable {
    public var region: Region
    /// Nil launches a bare builder with one empty root volume.
    public var imageId: ImageID?
    public var instanceType: String
    public var count: Int
    /// Root volume size when no image gives one, or to grow the image's root volume.
    public var rootVolumeSize: Int?

    public init(region: Region, imageId: ImageID?, instanceType: String = "t3.micro", count: Int = 1, rootVolumeSize: Int? = nil) {
        self.region = region
        self.imageId = imageId
        self.instanceType = instanceType
        self.count = count
        self.rootVolumeSize = rootVolumeSize
    }
}

/// CreateImage from an instance: a snapshot per volume.
public struct CreateImageRequest: Sendable, Hashable {
    public var region: Region
    public var instanceId: InstanceID
    public var name: ImageName
    public var description: String?
    public var noReboot: Bool
    public var tags: [Tag]
    public var imageVersion: ImageVersion?

    public init(region: Region, instanceId: InstanceID, name: ImageName, description: String? = nil, noReboot: Bool = false, tags: [Tag] = [], imageVersion: ImageVersion? = nil) {
        self.region = region
        self.instanceId = instanceId
        self.name = name
        self.description = description
        self.noReboot = noReboot
        self.tags = tags
        self.imageVersion = imageVersion
    }
}

/// RegisterImage from existing snapshots.
public struct RegisterImageRequest: Sendable, Hashable {
    public var region: Region
    public var name: ImageName
    public var description: String?
    public var architecture: Architecture
    public var virtualizationType: VirtualizationType
    public var rootDeviceName: String
    public var bootMode: BootMode?
    /// Must include the root device, backed by a snapshot.
    public var blockDeviceMappings: [BlockDeviceMapping]
    public var tags: [Tag]
    public var imageVersion: ImageVersion?

    public init(
        region: Region, name: ImageName, description: String? = nil, architecture: Architecture = .x86_64,
        virtualizationType: VirtualizationType = .hvm, rootDeviceName: String = "/dev/xvda", bootMode: BootMode? = nil,
        blockDeviceMappings: [BlockDeviceMapping], tags: [Tag] = [], imageVersion: ImageVersion? = nil
    ) {
        self.region = region
        self.name = name
        self.description = description
        self.architecture = architecture
        self.virtualizationType = virtualizationType
        self.rootDeviceName = rootDeviceName
        self.bootMode = bootMode
        self.blockDeviceMappings = blockDeviceMappings
        self.tags = tags
        self.imageVersion = imageVersion
    }
}

/// CopyImage, called in the destination region.
public struct CopyImageRequest: Sendable, Hashable {
    public var sourceRegion: Region
    public var sourceImageId: ImageID
    /// The destination region.
    public var region: Region
    /// Defaults to the source image's name.
    public var name: ImageName?
    public var description: String?
    /// Copy the source's user tags (AWS's CopyImageTags).
    public var copyImageTags: Bool
    /// Tags for the new image (TagSpecifications).
    public var tags: [Tag]
    public var encrypted: Bool
    public var kmsKeyId: String?

    public init(
        sourceRegion: Region, sourceImageId: ImageID, region: Region, name: ImageName? = nil,
        description: String? = nil, copyImageTags: Bool = false, tags: [Tag] = [], encrypted: Bool = false,
        kmsKeyId: String? = nil
    ) {
        self.sourceRegion = sourceRegion
        self.sourceImageId = sourceImageId
        self.region = region
        self.name = name
        self.description = description
        self.copyImageTags = copyImageTags
        self.tags = tags
        self.encrypted = encrypted
        self.kmsKeyId = kmsKeyId
    }
}

/// ModifyImageAttribute for `launchPermission`: Add and Remove lists.
public struct ModifyLaunchPermissionRequest: Sendable, Hashable {
    public var region: Region
    public var imageId: ImageID
    public var add: [LaunchPermission]
    public var remove: [LaunchPermission]

    public init(region: Region, imageId: ImageID, add: [LaunchPermission] = [], remove: [LaunchPermission] = []) {
        self.region = region
        self.imageId = imageId
        self.add = add
        self.remove = remove
    }
}

public struct DeregisterImageResult: Sendable, Hashable {
    /// Snapshots deleted with the image (DeleteAssociatedSnapshots).
    public var deletedSnapshots: [SnapshotID]
    /// Snapshots left behind: not asked to delete, or still used by another image.
    public var retainedSnapshots: [SnapshotID]

    public init(deletedSnapshots: [SnapshotID] = [], retainedSnapshots: [SnapshotID] = []) {
        self.deletedSnapshots = deletedSnapshots
        self.retainedSnapshots = retainedSnapshots
    }
}

/// Launch templates, shaped like EC2's API.
public protocol LaunchTemplateCloud: Cloud {
    func createLaunchTemplate(_ request: CreateLaunchTemplateRequest) async throws -> LaunchTemplateVersion
    func createLaunchTemplateVersion(_ request: CreateLaunchTemplateVersionRequest) async throws -> LaunchTemplateVersion
    func modifyLaunchTemplate(region: Region, name: String, defaultVersion: Int) async throws -> LaunchTemplate
    func describeLaunchTemplates(region: Region, names: [String]) async throws -> [LaunchTemplate]
    func describeLaunchTemplateVersions(region: Region, name: String, versions: [TemplateVersionSelector]) async throws -> [LaunchTemplateVersion]
    /// Deletes what it can, as AWS does: the default version and missing ones come back as failures.
    func deleteLaunchTemplateVersions(region: Region, name: String, versions: [Int]) async throws -> DeleteLaunchTemplateVersionsResult
}

/// DeleteLaunchTemplateVersions' answer: successfully and unsuccessfully deleted versions.
public struct DeleteLaunchTemplateVersionsResult: Sendable, Hashable {
    public var deleted: [Int]
    /// Version to AWS's error code (`launchTemplateVersionIsDefaultVersion`, `launchTemplateVersionDoesNotExist`).
    public var failed: [Int: String]

    public init(deleted: [Int] = [], failed: [Int: String] = [:]) {
        self.deleted = deleted
        self.failed = failed
    }
}

public struct CreateLaunchTemplateRequest: Sendable, Hashable {
    public var region: Region
    public var name: String
    public var data: LaunchTemplateData
    public var versionDescription: String?
    public var tags: [Tag]

    public init(region: Region, name: String, data: LaunchTemplateData, versionDescription: String? = nil, tags: [Tag] = []) {
        self.region = region
        self.name = name
        self.data = data
        self.versionDescription = versionDescription
        self.tags = tags
    }
}

public struct CreateLaunchTemplateVersionRequest: Sendable, Hashable {
    public var region: Region
    public var name: String
    /// `$Latest`, `$Default` or a number: the version whose data is inherited.
    public var sourceVersion: TemplateVersionSelector?
    /// The fields to set (over the source's).
    public var data: LaunchTemplateData
    public var versionDescription: String?
    /// Idempotency: a second request with the same token returns the version the first created.
    public var clientToken: String?

    public init(region: Region, name: String, sourceVersion: TemplateVersionSelector? = nil, data: LaunchTemplateData,
                versionDescription: String? = nil, clientToken: String? = nil) {
        self.region = region
        self.name = name
        self.sourceVersion = sourceVersion
        self.data = data
        self.versionDescription = versionDescription
        self.clientToken = clientToken
    }
}

extension Cloud {
    /// DescribeImages of one id, deprecated and disabled included (what its owner sees of it); nil when
    /// the answer lists nothing. An id the region never had, or no longer has, is `InvalidAMIID.NotFound`.
    public func describeImage(_ id: ImageID, region: Region) async throws -> Image? {
        try await describeImages(DescribeImagesRequest(region: region, imageIds: [id], includeDeprecated: true, includeDisabled: true)).first
    }
}
