import IngotCore
import Logging
import Foundation

/// The `Cloud` protocols on real AWS (or an endpoint speaking its APIs, such as moto_server):
/// EC2 and Auto Scaling over the Query protocol, SSM over its JSON protocol, one endpoint per
/// region, SigV4-signed with the configured credentials.
///
/// ```swift
/// let config = try AWSConfiguration.resolve(profile: "prod", region: "us-east-1", endpointURL: nil)
/// let cloud = try await AWSCloud.connect(config)        // asks STS which account the credentials are
/// defer { Task { try await cloud.shutdown() } }
/// let images = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller]))
/// ```
///
/// What AWS does not offer is refused with a clear error, never imitated: acting as another account
/// (AWS acts as the credentials' account only), launching an instance without an image.
public struct AWSCloud: Cloud, LaunchTemplateCloud, ParameterCloud, AutoScalingCloud {
    /// The signed HTTP client every call goes through (shared by copies of this cloud).
    public let client: AWSClient
    /// The account the credentials belong to.
    public let account: AccountID
    /// The calling account: ``account`` unless ``acting(as:)`` named another one.
    public let caller: AccountID

    public init(client: AWSClient, account: AccountID) {
        self.init(client: client, account: account, caller: account)
    }

    init(client: AWSClient, account: AccountID, caller: AccountID) {
        self.client = client
        self.account = account
        self.caller = caller
    }

    /// Makes a client for `configuration` and learns the credentials' account (STS GetCallerIdentity,
    /// in the configured region or us-east-1).
    public static func connect(_ configuration: AWSConfiguration, retryPolicy: RetryPolicy = .standard,
                               logger: Logger = Logger(label: "ingot.aws")) async throws -> AWSCloud {
        let client = AWSClient(configuration: configuration, retryPolicy: retryPolicy, logger: logger)
        do {
            logger.debug("credentials", metadata: ["source": "\(configuration.credentialProvider.source)"])
            return AWSCloud(client: client, account: try await callerIdentity(client).account)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Who the credentials are: STS GetCallerIdentity's account, ARN and user id.
    public struct CallerIdentity: Sendable, Hashable, Encodable {
        public var account: AccountID
        public var arn: String
        public var userId: String
    }

    /// STS GetCallerIdentity, in the configured region (us-east-1 when none).
    public static func callerIdentity(_ client: AWSClient) async throws -> CallerIdentity {
        let answer = try await client.query(.sts, region: client.configuration.region ?? .usEast1,
                                            QueryParameters(action: "GetCallerIdentity", version: AWSService.sts.apiVersion ?? ""))
        guard let text = answer.string("GetCallerIdentityResult/Account") else {
            throw IngotError.failed("GetCallerIdentity: the answer has no Account")
        }
        return CallerIdentity(account: try AccountID(text, field: "GetCallerIdentity Account"), arn: answer.string("GetCallerIdentityResult/Arn") ?? "",
                              userId: answer.string("GetCallerIdentityResult/UserId") ?? "")
    }

    /// Closes the HTTP connections. Every copy of this cloud shares them.
    public func shutdown() async throws { try await client.shutdown() }

    /// The same client as `account`; on AWS every call then fails, since credentials act only as
    /// their own account (use that account's profile instead).
    public func acting(as account: AccountID) -> AWSCloud { AWSCloud(client: client, account: self.account, caller: account) }

    func requireOwnAccount(_ action: String) throws {
        guard caller == account else {
            throw IngotError.refused("UnsupportedOperation",
                                     "\(action): AWS acts only as the credentials' account \(account), not as \(caller); use credentials (a profile) of \(caller)")
        }
    }

    func ec2(_ action: String) -> QueryParameters { QueryParameters(action: action, version: AWSService.ec2.apiVersion ?? "") }

    func call(_ region: Region, _ q: QueryParameters) async throws -> AWSXML.Element {
        try requireOwnAccount(q.action)
        let answer = try await client.query(.ec2, region: region, q)
        // Actions that answer only `<return>` say false when nothing was done.
        if answer.string("return") == "false" { throw IngotError.failed("\(q.action) answered false") }
        return answer
    }

    func pages(_ region: Region, _ q: QueryParameters) async throws -> [AWSXML.Element] {
        try requireOwnAccount(q.action)
        return try await client.queryPages(.ec2, region: region, q, token: "nextToken")
    }

    // MARK: Regions

    /// DescribeRegions: the regions enabled for the account (what `doctor` and `dr` can look at
    /// when no region is named). Asked in `region`'s endpoint.
    public func describeRegions(region: Region) async throws -> [Region] {
        var q = ec2("DescribeRegions")
        q.ec2Filters([("opt-in-status", ["opt-in-not-required", "opted-in"])])
        return try await call(region, q).items("regionInfo").compactMap { $0.string("regionName") }.map(Region.init(trusted:)).sorted()
    }

    // MARK: Describe

    /// DescribeImages, every page. DescribeImages lists no launch permissions beyond `isPublic`:
    /// an image of another account that is not public is visible only because the caller may launch
    /// it, so it carries the caller in `launchPermissions.userIds`. Use ``describeLaunchPermissions(region:imageId:)``
    /// for an owned image's sharing.
    public func describeImages(_ request: DescribeImagesRequest) async throws -> [Image] {
        var q = ec2("DescribeImages")
        q.ec2List("ImageId", request.imageIds.map(\.rawValue))
        q.ec2List("Owner", request.owners.map(\.rawValue))
        q.ec2List("ExecutableBy", request.executableBy)
        q.ec2Filters(request.filters.map(Self.filter))
        if request.includeDeprecated { q.set("IncludeDeprecated", true) }
        if request.includeDisabled { q.set("IncludeDisabled", true) }
        // MaxResults pages the answer; AWS refuses it together with ImageId.
        if request.imageIds.isEmpty { q.set("MaxResults", 1000) }
        let caller = caller
        var images: [Image] = []
        for page in try await pages(request.region, q) {
            for item in page.items("imagesSet") {
                var image = try EC2Decoding.image(item, region: request.region)
                if image.ownerId != caller, !image.isPublic { image.launchPermissions.userIds = [caller] }
                images.append(image)
            }
        }
        return images
    }

    static func filter(_ f: ImageFilter) -> (name: String, values: [String]) {
        switch f {
        case .name(let v): ("name", v)
        case .tag(let key, let v): ("tag:\(key)", v)
        case .tagKey(let v): ("tag-key", v)
        case .state(let v): ("state", v.map(\.rawValue))
        case .architecture(let v): ("architecture", v.map(\.rawValue))
        case .isPublic(let b): ("is-public", [b ? "true" : "false"])
        case .imageId(let v): ("image-id", v)
        }
    }

    /// DescribeImageAttribute `launchPermission` of an image the caller owns.
    public func describeLaunchPermissions(region: Region, imageId: ImageID) async throws -> LaunchPermissions {
        var q = ec2("DescribeImageAttribute")
        q.set("ImageId", imageId.rawValue)
        q.set("Attribute", "launchPermission")
        let answer = try await call(region, q)
        var permissions = LaunchPermissions()
        for item in answer.items("launchPermission") {
            if let user = item.string("userId") { permissions.userIds.append(AccountID(trusted: user)) }
            if item.string("group") == "all" { permissions.isPublic = true }
            if let org = item.string("organizationArn") { permissions.organizationArns.append(org) }
            if let ou = item.string("organizationalUnitArn") { permissions.organizationalUnitArns.append(ou) }
        }
        return permissions
    }

    /// DescribeSnapshots of the caller's snapshots; `imageIds` and `orphanedOnly` come from the
    /// caller's images in the region (AWS has no such filter).
    public func describeSnapshots(_ request: DescribeSnapshotsRequest) async throws -> [Snapshot] {
        var q = ec2("DescribeSnapshots")
        q.ec2List("Owner", ["self"])
        q.ec2List("SnapshotId", request.snapshotIds.map(\.rawValue))
        if request.snapshotIds.isEmpty { q.set("MaxResults", 1000) }
        var snapshots = try await pages(request.region, q).flatMap { page in
            try page.items("snapshotSet").map { try EC2Decoding.snapshot($0, region: request.region) }
        }
        let images = try await describeImages(DescribeImagesRequest(region: request.region, owners: [.caller],
                                                                    includeDeprecated: true, includeDisabled: true))
        var users: [SnapshotID: [ImageID]] = [:]
        for image in images { for s in image.snapshotIds { users[s, default: []].append(image.id) } }
        for i in snapshots.indices { snapshots[i].imageIds = (users[snapshots[i].id] ?? []).sorted() }
        if request.orphanedOnly { snapshots.removeAll { !$0.imageIds.isEmpty } }
        return snapshots
    }

    /// DescribeInstances, every page (all of the region's instances when `instanceIds` is empty).
    public func describeInstances(region: Region, instanceIds: [InstanceID]) async throws -> [Instance] {
        var q = ec2("DescribeInstances")
        q.ec2List("InstanceId", instanceIds.map(\.rawValue))
        if instanceIds.isEmpty { q.set("MaxResults", 1000) }
        return try await pages(region, q).flatMap { page in try Self.instances(page, region: region) }
    }

    static func instances(_ page: AWSXML.Element, region: Region) throws -> [Instance] {
        var result: [Instance] = []
        // DescribeInstances: reservationSet/item/instancesSet; RunInstances: the reservation is the root.
        let reservations = page.child("reservationSet").map { $0.children("item") } ?? [page]
        for reservation in reservations {
            let owner = AccountID(trusted: reservation.string("ownerId") ?? "")
            for item in reservation.items("instancesSet") { result.append(try EC2Decoding.instance(item, region: region, owner: owner)) }
        }
        return result
    }

    // MARK: Instances and images

    /// RunInstances of `count` instances; a root volume size is set on the image's root device, read first.
    public func runInstances(_ request: RunInstancesRequest) async throws -> [Instance] {
        guard let imageId = request.imageId else {
            throw IngotError.invalid("image-id", "AWS launches instances only from an image: give an image id")
        }
        var q = ec2("RunInstances")
        q.set("ImageId", imageId.rawValue)
        q.set("InstanceType", request.instanceType)
        q.set("MinCount", request.count)
        q.set("MaxCount", request.count)
        if let size = request.rootVolumeSize {
            guard let image = try await describeImages(DescribeImagesRequest(region: request.region, imageIds: [imageId])).first else {
                throw IngotError.refused("InvalidAMIID.NotFound", "The image id '[\(imageId)]' does not exist")
            }
            q.set("BlockDeviceMapping.1.DeviceName", image.rootDeviceName)
            q.set("BlockDeviceMapping.1.Ebs.VolumeSize", size)
        }
        return try Self.instances(try await call(request.region, q), region: request.region)
    }

    /// TerminateInstances.
    public func terminateInstances(region: Region, instanceIds: [InstanceID]) async throws {
        var q = ec2("TerminateInstances")
        q.ec2List("InstanceId", instanceIds.map(\.rawValue))
        _ = try await call(region, q)
    }

    /// Tags for a new image, with the build version as a `Version` tag when given apart.
    static func imageTags(_ tags: [Tag], version: ImageVersion?) -> [Tag] {
        guard let version, tags[tag: "Version"] == nil else { return tags }
        return tags + [Tag(key: "Version", value: version.description)]
    }

    static func tagSpecification(_ q: inout QueryParameters, resourceType: String, tags: [Tag], index: Int = 1) {
        guard !tags.isEmpty else { return }
        q.set("TagSpecification.\(index).ResourceType", resourceType)
        q.ec2Tags("TagSpecification.\(index).Tag", tags.map { ($0.key, $0.value) })
    }

    static func imageId(_ answer: AWSXML.Element, _ action: String) throws -> ImageID {
        guard let id = answer.string("imageId"), !id.isEmpty else { throw IngotError.failed("\(action): the answer has no imageId") }
        return ImageID(trusted: id)
    }

    /// CreateImage from an instance; an image version is tagged `Version` (what DescribeImages reads back).
    public func createImage(_ request: CreateImageRequest) async throws -> ImageID {
        var q = ec2("CreateImage")
        q.set("InstanceId", request.instanceId.rawValue)
        q.set("Name", request.name.rawValue)
        q.set("Description", request.description)
        if request.noReboot { q.set("NoReboot", true) }
        Self.tagSpecification(&q, resourceType: "image", tags: Self.imageTags(request.tags, version: request.imageVersion))
        return try Self.imageId(try await call(request.region, q), "CreateImage")
    }

    /// RegisterImage from snapshots, with tags and the image version as for CreateImage.
    public func registerImage(_ request: RegisterImageRequest) async throws -> ImageID {
        var q = ec2("RegisterImage")
        q.set("Name", request.name.rawValue)
        q.set("Description", request.description)
        q.set("Architecture", request.architecture.rawValue)
        q.set("VirtualizationType", request.virtualizationType.rawValue)
        q.set("RootDeviceName", request.rootDeviceName)
        q.set("BootMode", request.bootMode?.rawValue)
        for (i, m) in request.blockDeviceMappings.enumerated() {
            let p = "BlockDeviceMapping.\(i + 1)"
            q.set("\(p).DeviceName", m.deviceName)
            q.set("\(p).VirtualName", m.virtualName)
            guard m.virtualName == nil else { continue }
            q.set("\(p).Ebs.SnapshotId", m.snapshotId?.rawValue)
            q.set("\(p).Ebs.VolumeSize", m.volumeSize)
            q.set("\(p).Ebs.VolumeType", m.volumeType?.rawValue)
            q.set("\(p).Ebs.DeleteOnTermination", m.deleteOnTermination)
            // A volume from a snapshot takes the snapshot's encryption; only a new volume states its own.
            if m.snapshotId == nil { q.set("\(p).Ebs.Encrypted", m.encrypted); q.set("\(p).Ebs.KmsKeyId", m.kmsKeyId) }
        }
        Self.tagSpecification(&q, resourceType: "image", tags: Self.imageTags(request.tags, version: request.imageVersion))
        return try Self.imageId(try await call(request.region, q), "RegisterImage")
    }

    /// CopyImage, sent to the destination region's endpoint. AWS needs a name: without one the
    /// source image's name is used (as the local cloud does), read from the source region.
    public func copyImage(_ request: CopyImageRequest) async throws -> ImageID {
        var name = request.name?.rawValue
        if name == nil {
            guard let source = try await describeImages(DescribeImagesRequest(region: request.sourceRegion, imageIds: [request.sourceImageId])).first else {
                throw IngotError.refused("InvalidAMIID.NotFound", "The image id '[\(request.sourceImageId)]' does not exist in \(request.sourceRegion)")
            }
            name = source.name
        }
        var q = ec2("CopyImage")
        q.set("SourceRegion", request.sourceRegion.code)
        q.set("SourceImageId", request.sourceImageId.rawValue)
        q.set("Name", name)
        q.set("Description", request.description)
        if request.copyImageTags { q.set("CopyImageTags", true) }
        if request.encrypted { q.set("Encrypted", true) }
        q.set("KmsKeyId", request.kmsKeyId)
        Self.tagSpecification(&q, resourceType: "image", tags: request.tags)
        return try Self.imageId(try await call(request.region, q), "CopyImage")
    }

    /// CreateTags on an image.
    public func createTags(region: Region, imageId: ImageID, tags: [Tag]) async throws {
        var q = ec2("CreateTags")
        q.ec2List("ResourceId", [imageId.rawValue])
        q.ec2Tags("Tag", tags.map { ($0.key, $0.value) })
        _ = try await call(region, q)
    }

    /// ModifyImageAttribute `LaunchPermission.Add`/`Remove`: accounts, `Group=all`, organizations and OUs.
    public func modifyLaunchPermission(_ request: ModifyLaunchPermissionRequest) async throws {
        var q = ec2("ModifyImageAttribute")
        q.set("ImageId", request.imageId.rawValue)
        for (list, permissions) in [("Add", request.add), ("Remove", request.remove)] {
            for (i, p) in permissions.enumerated() {
                let key = "LaunchPermission.\(list).\(i + 1)"
                switch p {
                case .account(let a): q.set("\(key).UserId", a.rawValue)
                case .everyone: q.set("\(key).Group", "all")
                case .organization(let arn): q.set("\(key).OrganizationArn", arn)
                case .organizationalUnit(let arn): q.set("\(key).OrganizationalUnitArn", arn)
                }
            }
        }
        _ = try await call(request.region, q)
    }

    /// EnableImageDeprecation; returns the deprecation time AWS recorded (it rounds to the minute),
    /// read back from DescribeImages.
    public func enableImageDeprecation(region: Region, imageId: ImageID, deprecateAt: Date) async throws -> Date {
        var q = ec2("EnableImageDeprecation")
        q.set("ImageId", imageId.rawValue)
        q.set("DeprecateAt", Timestamp.format(deprecateAt))
        _ = try await call(region, q)
        let images = try await describeImages(DescribeImagesRequest(region: region, imageIds: [imageId], includeDeprecated: true, includeDisabled: true))
        guard let time = images.first?.deprecationTime else {
            throw IngotError.failed("EnableImageDeprecation succeeded but DescribeImages shows no deprecation time for \(imageId)")
        }
        return time
    }

    func imageAction(_ action: String, region: Region, imageId: ImageID, _ extra: (inout QueryParameters) -> Void = { _ in }) async throws {
        var q = ec2(action)
        q.set("ImageId", imageId.rawValue)
        extra(&q)
        _ = try await call(region, q)
    }

    /// DisableImageDeprecation.
    public func disableImageDeprecation(region: Region, imageId: ImageID) async throws {
        try await imageAction("DisableImageDeprecation", region: region, imageId: imageId)
    }

    /// DisableImage.
    public func disableImage(region: Region, imageId: ImageID) async throws {
        try await imageAction("DisableImage", region: region, imageId: imageId)
    }

    /// EnableImage.
    public func enableImage(region: Region, imageId: ImageID) async throws {
        try await imageAction("EnableImage", region: region, imageId: imageId)
    }

    /// EnableImageDeregistrationProtection (`WithCooldown`).
    public func enableImageDeregistrationProtection(region: Region, imageId: ImageID, withCooldown: Bool) async throws {
        try await imageAction("EnableImageDeregistrationProtection", region: region, imageId: imageId) { q in
            if withCooldown { q.set("WithCooldown", true) }
        }
    }

    /// DisableImageDeregistrationProtection.
    public func disableImageDeregistrationProtection(region: Region, imageId: ImageID) async throws {
        try await imageAction("DisableImageDeregistrationProtection", region: region, imageId: imageId)
    }

    /// DeregisterImage. Which snapshots went with it comes from AWS's `deleteSnapshotResultSet`
    /// when it sends one, else from which of the image's snapshots still exist afterwards.
    public func deregisterImage(region: Region, imageId: ImageID, deleteAssociatedSnapshots: Bool) async throws -> DeregisterImageResult {
        let images = try await describeImages(DescribeImagesRequest(region: region, imageIds: [imageId], includeDeprecated: true, includeDisabled: true))
        let snapshots = images.first?.snapshotIds ?? []
        var q = ec2("DeregisterImage")
        q.set("ImageId", imageId.rawValue)
        if deleteAssociatedSnapshots { q.set("DeleteAssociatedSnapshots", true) }
        let answer = try await call(region, q)
        guard deleteAssociatedSnapshots, !snapshots.isEmpty else { return DeregisterImageResult(retainedSnapshots: snapshots) }
        if answer.child("deleteSnapshotResultSet") != nil {
            var result = DeregisterImageResult()
            for item in answer.items("deleteSnapshotResultSet") {
                guard let id = item.string("snapshotId") else { continue }
                if item.string("returnCode") == "success" { result.deletedSnapshots.append(SnapshotID(trusted: id)) } else {
                    result.retainedSnapshots.append(SnapshotID(trusted: id))
                }
            }
            return result
        }
        var check = ec2("DescribeSnapshots")
        check.ec2Filters([("snapshot-id", snapshots.map(\.rawValue))])
        let remaining = Set(try await pages(region, check).flatMap { $0.items("snapshotSet").compactMap { $0.string("snapshotId") } })
        return DeregisterImageResult(deletedSnapshots: snapshots.filter { !remaining.contains($0.rawValue) },
                                     retainedSnapshots: snapshots.filter { remaining.contains($0.rawValue) })
    }

    /// DeleteSnapshot (AWS refuses one an image uses: `InvalidSnapshot.InUse`).
    public func deleteSnapshot(region: Region, snapshotId: SnapshotID) async throws {
        var q = ec2("DeleteSnapshot")
        q.set("SnapshotId", snapshotId.rawValue)
        _ = try await call(region, q)
    }
}
