import Foundation
import GRDB
import IngotCore
import Logging

/// The local cloud's operations inside a transaction, as one caller at one instant. Composable:
/// `buildImage` runs three of them in a single transaction.
struct Operations: Sendable {
    let caller: AccountID
    let now: Date
    let logger = Logger(label: "ingot.local")

    // MARK: Lookups

    /// The image as its owner sees it, or AWS's not-found error. Visibility to `caller` is checked
    /// by the callers that need it.
    func image(_ id: ImageID, region: Region, _ db: Database) throws -> (Int64, Image) {
        guard let found = try ImageRows.fetchRows(db, where: "image.image_id = :id AND image.region = :region",
                                                  arguments: ["id": id.rawValue, "region": region.code], now: now).first else {
            throw IngotError.refused("InvalidAMIID.NotFound", "The image id '[\(id)]' does not exist in \(region)")
        }
        return found
    }

    func canSee(_ image: Image) -> Bool {
        image.ownerId == caller || image.isPublic || image.launchPermissions.userIds.contains(caller)
    }

    /// An image the caller can launch or copy from: visible to it (else not found).
    func visibleImage(_ id: ImageID, region: Region, _ db: Database) throws -> (Int64, Image) {
        let found = try image(id, region: region, db)
        guard canSee(found.1) else {
            throw IngotError.refused("InvalidAMIID.NotFound", "The image id '[\(id)]' does not exist in \(region)")
        }
        return found
    }

    /// An image the caller must own to change (sharing, deprecation, disabling, deregistering).
    func ownedImage(_ id: ImageID, region: Region, _ db: Database) throws -> (Int64, Image) {
        let found = try visibleImage(id, region: region, db)
        guard found.1.ownerId == caller else {
            throw IngotError.refused("AuthFailure", "Not authorized for image \(id): it is owned by \(found.1.ownerId), you are \(caller)")
        }
        return found
    }

    /// The first KMS key that encrypts `image` and that the caller may not use (nil: none). "If you
    /// share an AMI that is backed by encrypted snapshots, you must allow the AWS accounts to use the KMS
    /// keys that were used to encrypt the snapshots."
    func unusableKey(of image: Image, _ db: Database) throws -> KMSKey? {
        for m in image.blockDeviceMappings where m.encrypted == true {
            if let key = try storedKey(m.kmsKeyId, owner: image.ownerId, region: image.region, db), !key.usable(by: caller) { return key }
        }
        return nil
    }

    func requireUniqueName(_ name: ImageName, region: Region, _ db: Database) throws {
        if let existing = try String.fetchOne(db.cachedStatement(sql: "SELECT image_id FROM image WHERE region = ? AND owner_id = ? AND name = ?"),
                                              arguments: [region.code, caller.rawValue, name.rawValue]) {
            throw IngotError.refused("InvalidAMIName.Duplicate", "AMI name \(name) is already in use by AMI \(existing)")
        }
    }

    // MARK: Instances

    func runInstances(_ request: RunInstancesRequest, _ db: Database) throws -> [Instance] {
        guard (1...100).contains(request.count) else {
            throw IngotError.invalid("count", "\(request.count) is out of range; accepted: 1 to 100", code: "InvalidParameterValue")
        }
        var volumes: [BlockDeviceMapping]
        var launchState = InstanceState.running
        if let imageId = request.imageId {
            let (_, image) = try visibleImage(imageId, region: request.region, db)
            guard image.state == .available else {
                throw IngotError.refused("InvalidAMIID.Unavailable", "Image \(imageId) is \(image.state.rawValue) and cannot be launched")
            }
            // An instance from an image whose key the account may not use starts, then terminates at once
            // (AWS's state reason: "Client.InternalError: Client error on launch").
            if let key = try unusableKey(of: image, db) {
                launchState = .terminated
                logger.info("RunInstances \(imageId): \(caller) may not use \(key.arn): Client.InternalError: Client error on launch")
            }
            volumes = image.blockDeviceMappings.filter { $0.virtualName == nil }.map {
                BlockDeviceMapping(deviceName: $0.deviceName, volumeSize: $0.volumeSize, volumeType: $0.volumeType ?? .gp3,
                                   encrypted: $0.encrypted, kmsKeyId: $0.kmsKeyId)
            }
            if let size = request.rootVolumeSize, let i = volumes.firstIndex(where: { $0.deviceName == image.rootDeviceName }) {
                guard size >= (volumes[i].volumeSize ?? 0) else {
                    throw IngotError.invalid("volume-size", "\(size) GiB is smaller than the image's root snapshot (\(volumes[i].volumeSize ?? 0) GiB)", code: "InvalidBlockDeviceMapping")
                }
                volumes[i].volumeSize = size
            }
        } else {
            volumes = [BlockDeviceMapping(deviceName: "/dev/xvda", volumeSize: request.rootVolumeSize ?? 8, volumeType: .gp3, encrypted: false)]
        }
        return try (0..<request.count).map { n in
            let zones = request.region.availabilityZones
            let instance = Instance(
                id: .random(), region: request.region, ownerId: caller, imageId: request.imageId,
                instanceType: request.instanceType, availabilityZone: zones[n % zones.count], state: launchState,
                launchTime: now, volumes: volumes)
            try ImageRows.insertInstance(instance, db)
            return instance
        }
    }

    func terminateInstances(region: Region, ids: [InstanceID], _ db: Database) throws {
        for id in ids {
            guard let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT owner_id FROM instance WHERE instance_id = ? AND region = ?"),
                                                  arguments: [id.rawValue, region.code]), owner == caller.rawValue else {
                throw IngotError.refused("InvalidInstanceID.NotFound", "The instance ID '\(id)' does not exist")
            }
            try db.cachedStatement(sql: "UPDATE instance SET state = 'terminated' WHERE instance_id = ?").execute(arguments: [id.rawValue])
        }
    }

    // MARK: Images

    /// CreateImage. The image is available at once, or pending (with pending snapshots) until `availableAt`.
    func createImage(_ request: CreateImageRequest, architecture: Architecture? = nil, availableAt: Date? = nil, _ db: Database) throws -> ImageID {
        let pending = availableAt.map { $0 > now } ?? false
        let instances = try ImageRows.fetchInstances(db, where: "instance_id = :id AND region = :region AND owner_id = :caller",
                                                     arguments: ["id": request.instanceId.rawValue, "region": request.region.code, "caller": caller.rawValue])
        guard let instance = instances.first else {
            throw IngotError.refused("InvalidInstanceID.NotFound", "The instance ID '\(request.instanceId)' does not exist")
        }
        guard instance.state == .running || instance.state == .stopped else {
            throw IngotError.refused("IncorrectInstanceState", "Instance \(instance.id) is \(instance.state.rawValue); CreateImage needs a running or stopped instance")
        }
        try requireUniqueName(request.name, region: request.region, db)
        var base: Image?
        if let baseID = instance.imageId { base = try? image(baseID, region: request.region, db).1 }
        // One snapshot per volume of the instance.
        let mappings = try instance.volumes.map { v -> BlockDeviceMapping in
            let snap = Snapshot(id: .random(), region: request.region, ownerId: caller, volumeSize: v.volumeSize ?? 8,
                                encrypted: v.encrypted ?? false, kmsKeyId: v.kmsKeyId, state: pending ? .pending : .completed, startTime: now,
                                description: "Created by CreateImage(\(instance.id)) for \(request.name)")
            try ImageRows.insertSnapshot(snap, availableAt: pending ? availableAt : nil, db)
            return BlockDeviceMapping(deviceName: v.deviceName, snapshotId: snap.id, volumeSize: snap.volumeSize,
                                      volumeType: v.volumeType ?? .gp3, encrypted: snap.encrypted, kmsKeyId: snap.kmsKeyId, deleteOnTermination: true)
        }
        let image = Image(
            id: .random(), region: request.region, ownerId: caller, name: request.name.rawValue,
            description: request.description, state: pending ? .pending : .available, creationDate: now,
            architecture: architecture ?? base?.architecture ?? .x86_64, rootDeviceName: base?.rootDeviceName ?? "/dev/xvda",
            bootMode: base?.bootMode, blockDeviceMappings: mappings, tags: request.tags,
            sourceInstanceId: instance.id, imageVersion: request.imageVersion ?? versionTag(request.tags), noReboot: request.noReboot,
            availableAt: pending ? availableAt : nil)
        try ImageRows.insert(image, db)
        logger.info("CreateImage \(instance.id) -> \(image.id) \(image.name) (\(request.region))")
        return image.id
    }

    func registerImage(_ request: RegisterImageRequest, _ db: Database) throws -> ImageID {
        guard request.blockDeviceMappings.contains(where: { $0.deviceName == request.rootDeviceName && $0.snapshotId != nil }) else {
            throw IngotError.invalid("block-device-mappings", "the root device \(request.rootDeviceName) needs a snapshot", code: "InvalidBlockDeviceMapping")
        }
        try requireUniqueName(request.name, region: request.region, db)
        let snapshots = try request.blockDeviceMappings.compactMap(\.snapshotId).map { id in
            (id, try ImageRows.fetchSnapshots(db, where: "snapshot_id = :id AND region = :region",
                                              arguments: ["id": id.rawValue, "region": request.region.code], now: now).first)
        }
        var mappings = request.blockDeviceMappings
        for (id, snapshot) in snapshots {
            guard let snapshot, snapshot.ownerId == caller else {
                throw IngotError.refused("InvalidSnapshot.NotFound", "The snapshot '\(id)' does not exist in \(request.region)")
            }
            guard snapshot.state == .completed else {
                throw IngotError.refused("IncorrectState", "Snapshot \(id) is \(snapshot.state.rawValue), not completed")
            }
            for i in mappings.indices where mappings[i].snapshotId == id {
                let size = mappings[i].volumeSize ?? snapshot.volumeSize
                guard size >= snapshot.volumeSize else {
                    throw IngotError.invalid("block-device-mappings", "volume size \(size) GiB is smaller than snapshot \(id) (\(snapshot.volumeSize) GiB)", code: "InvalidBlockDeviceMapping")
                }
                mappings[i].volumeSize = size
                mappings[i].encrypted = snapshot.encrypted
                mappings[i].kmsKeyId = snapshot.kmsKeyId
            }
        }
        let image = Image(
            id: .random(), region: request.region, ownerId: caller, name: request.name.rawValue,
            description: request.description, state: .available, creationDate: now, architecture: request.architecture,
            virtualizationType: request.virtualizationType, rootDeviceName: request.rootDeviceName, bootMode: request.bootMode,
            blockDeviceMappings: mappings, tags: request.tags, imageVersion: request.imageVersion ?? versionTag(request.tags))
        try ImageRows.insert(image, db)
        logger.info("RegisterImage \(image.id) \(image.name) (\(request.region))")
        return image.id
    }

    func copyImage(_ request: CopyImageRequest, _ db: Database) throws -> ImageID {
        if request.kmsKeyId != nil && !request.encrypted {
            throw IngotError.invalid("kms-key-id", "a KMS key needs --encrypted (KmsKeyId requires Encrypted=true)", code: "InvalidParameterCombination")
        }
        let (_, source) = try visibleImage(request.sourceImageId, region: request.sourceRegion, db)
        // The owner may copy a disabled image (the console's copy procedure lists "Disabled images"); a
        // disabled image is invisible to everyone else.
        guard source.state == .available || (source.state == .disabled && source.ownerId == caller) else {
            throw IngotError.refused("IncorrectState", "Image \(source.id) is \(source.state.rawValue); only available images can be copied")
        }
        let name = try request.name ?? ImageName(source.name)
        try requireUniqueName(name, region: request.region, db)
        let crossRegion = request.region != request.sourceRegion
        let availableAt = now.addingTimeInterval(ImageRules.copyDuration(totalGiB: source.totalSnapshotGiB, crossRegion: crossRegion))
        // Which key encrypts the copy. AWS checks it after answering ("if you specify an identifier that
        // is not valid, the action can appear to complete, but eventually fails. The specified KMS key must
        // exist in the destination Region"), so a key the copy cannot use dooms it: pending, then failed.
        var doomed: String?
        let requested = try request.kmsKeyId.map { text -> KMSKey? in
            guard let reference = KMSKeyReference(text) else {
                doomed = "\(text) is not a KMS key id, alias, key ARN or alias ARN"
                return nil
            }
            let found = reference.region.map { $0 == request.region } ?? true ? try key(reference, region: request.region, db) : nil
            doomed = reference.problem(copyingInto: request.region, caller: caller, key: found)
            return found
        } ?? nil
        let mappings = try source.blockDeviceMappings.map { m -> BlockDeviceMapping in
            guard let snapID = m.snapshotId else { return m }
            let encrypted = request.encrypted || (m.encrypted ?? false)
            if m.encrypted == true, doomed == nil, let sourceKey = try storedKey(m.kmsKeyId, owner: source.ownerId, region: request.sourceRegion, db),
               !sourceKey.usable(by: caller) {
                // "If you share an AMI that is backed by encrypted snapshots, you must allow the AWS accounts to use the KMS keys."
                doomed = "\(source.ownerId) has not allowed \(caller) to use \(sourceKey.arn), which encrypts \(snapID)"
            }
            // "An encrypted snapshot that you own is copied to a snapshot encrypted with the same KMS key"; one
            // you do not own, or one copied to another region (keys are regional), gets the account's default key.
            let sameKey = !crossRegion && source.ownerId == caller && m.kmsKeyId != nil
            let key: String? = encrypted
                ? (request.kmsKeyId.map { requested?.arn ?? $0 } ?? (sameKey ? m.kmsKeyId : KMSKey.awsManagedEBS(account: caller, region: request.region).arn))
                : nil
            let snap = Snapshot(id: .random(), region: request.region, ownerId: caller, volumeSize: m.volumeSize ?? 8,
                                encrypted: encrypted, kmsKeyId: key, state: .pending, startTime: now,
                                description: "Copied for DestinationAmi \(name) from SourceAmi \(source.id) (\(snapID)) in \(request.sourceRegion)")
            try ImageRows.insertSnapshot(snap, availableAt: availableAt, db)
            var copy = m
            copy.snapshotId = snap.id
            copy.encrypted = encrypted
            copy.kmsKeyId = key
            return copy
        }
        // CopyImageTags: "The following tags are not be copied: System tags (prefixed with aws:) For public
        // and shared AMIs, user-defined tags that are attached by other Amazon Web Services accounts".
        var tags = request.copyImageTags && source.ownerId == caller ? source.tags.filter { !$0.key.lowercased().hasPrefix("aws:") } : []
        tags = tags.setting(request.tags)
        let copy = Image(
            id: .random(), region: request.region, ownerId: caller, name: name.rawValue,
            description: request.description ?? source.description, state: .pending, creationDate: now,
            architecture: source.architecture, virtualizationType: source.virtualizationType,
            rootDeviceType: source.rootDeviceType, rootDeviceName: source.rootDeviceName, bootMode: source.bootMode,
            blockDeviceMappings: mappings, tags: tags, sourceImageId: source.id, sourceImageRegion: request.sourceRegion,
            imageVersion: source.imageVersion, availableAt: availableAt)
        try ImageRows.insert(copy, db)
        if let doomed {
            // What AWS shows is "Copy image failed with an internal error"; Ingot adds why.
            let reason = "Copy image failed with an internal error: \(doomed)"
            try db.cachedStatement(sql: "UPDATE image SET fail_reason = ? WHERE image_id = ?").execute(arguments: [reason, copy.id.rawValue])
            for m in mappings { if let id = m.snapshotId { try db.cachedStatement(sql: "UPDATE snapshot SET fail_reason = ? WHERE snapshot_id = ?").execute(arguments: [reason, id.rawValue]) } }
        }
        logger.info("CopyImage \(source.id) (\(request.sourceRegion)) -> \(copy.id) (\(request.region)), available at \(Timestamp.format(availableAt))")
        return copy.id
    }

    func modifyLaunchPermission(_ request: ModifyLaunchPermissionRequest, _ db: Database) throws {
        let (row, image) = try ownedImage(request.imageId, region: request.region, db)
        guard image.state != .disabled else {
            throw IngotError.refused("IncorrectState", "Image \(image.id) is disabled; enable it before sharing")
        }
        var p = image.launchPermissions
        let sharesWithOthers = request.add.contains { if case .account(let a) = $0 { a != caller } else { true } }
        if sharesWithOthers, let refusal = ImageRules.sharingRefusal(image, isAWSManaged: { m in
            ((try? storedKey(m.kmsKeyId, owner: image.ownerId, region: image.region, db)) ?? nil)?.manager == .aws
        }) {
            throw refusal
        }
        for change in request.add {
            switch change {
            case .account(let a) where a == caller: continue  // the owner always has permission
            case .account(let a): if !p.userIds.contains(a) { p.userIds.append(a) }
            case .everyone:
                guard !image.isEncrypted else {
                    throw IngotError.refused("InvalidParameter", "Image \(image.id) has encrypted snapshots and cannot be made public")
                }
                // "When block public access is enabled, any attempt to make an AMI public is automatically blocked."
                if !image.isPublic, try imageBlockPublicAccessState(region: image.region, db) == .blockNewSharing {
                    throw ImageRules.blockPublicAccessRefusal(image)
                }
                if !image.isPublic {
                    try db.execute(sql: "UPDATE image SET deprecation_time = ? WHERE id = ?",
                                   arguments: [Timestamp.millis(ImageRules.publicDeprecationTime(image)), row])
                }
                p.isPublic = true
            case .organization(let arn): if !p.organizationArns.contains(arn) { p.organizationArns.append(arn) }
            case .organizationalUnit(let arn): if !p.organizationalUnitArns.contains(arn) { p.organizationalUnitArns.append(arn) }
            }
        }
        for change in request.remove {
            switch change {
            case .account(let a): p.userIds.removeAll { $0 == a }
            case .everyone: p.isPublic = false
            case .organization(let arn): p.organizationArns.removeAll { $0 == arn }
            case .organizationalUnit(let arn): p.organizationalUnitArns.removeAll { $0 == arn }
            }
        }
        try ImageRows.replaceLaunchPermissions(image.launchPermissions, with: p, image: row, db)
        logger.info("ModifyImageAttribute \(image.id): launch permissions now \(RowJSON.permissions(p))")
    }

    /// The account's block public access for AMIs in `region`: as set, else AWS's default ("New
    /// accounts: Enabled ... Existing accounts with one or more public AMIs: Disabled").
    func imageBlockPublicAccessState(region: Region, _ db: Database) throws -> ImageBlockPublicAccessState {
        if let value = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM account_setting WHERE owner_id = ? AND region = ? AND name = 'image-block-public-access'"),
                                           arguments: [caller.rawValue, region.code]) {
            return ImageBlockPublicAccessState(rawValue: value) ?? .blockNewSharing
        }
        let hasPublic = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM image WHERE owner_id = ? AND region = ? AND is_public = 1)"),
                                          arguments: [caller.rawValue, region.code]) ?? false
        return hasPublic ? .unblocked : .blockNewSharing
    }

    func setImageBlockPublicAccess(_ state: ImageBlockPublicAccessState, region: Region, _ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO account_setting (owner_id, region, name, value) VALUES (?, ?, 'image-block-public-access', ?)",
                       arguments: [caller.rawValue, region.code, state.rawValue])
    }

    /// DisableImage: private and unlaunchable. Every launch permission goes, and re-enabling does not bring it back.
    func disableImage(region: Region, imageId: ImageID, _ db: Database) throws {
        let (row, image) = try ownedImage(imageId, region: region, db)
        guard image.state == .available else {
            throw IngotError.refused("IncorrectState", "Image \(imageId) is \(image.state.rawValue); only available images can be disabled")
        }
        try ImageRows.replaceLaunchPermissions(image.launchPermissions, with: LaunchPermissions(), image: row, db)
        try db.cachedStatement(sql: "UPDATE image SET state = 'disabled', available_at = NULL WHERE id = ?").execute(arguments: [row])
    }

    func deregisterImage(region: Region, imageId: ImageID, deleteSnapshots: Bool, _ db: Database) throws -> DeregisterImageResult {
        let (row, image) = try ownedImage(imageId, region: region, db)
        if image.deregistrationProtection.blocksDeregistration(at: now) {
            let remedy: String
            if case .disabledUntil(let t) = image.deregistrationProtection {
                remedy = "protection was turned off with a cooldown that ends at \(Timestamp.format(t)); deregister after that"
            } else {
                remedy = "turn it off first (`ingot images unprotect`)"
            }
            throw IngotError.refused("InvalidImage.DeregistrationProtected", "Image \(imageId) has deregistration protection (\(image.deregistrationProtection.text)); \(remedy)")
        }
        try ImageRows.delete(image, row: row, db)
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO deregistered_image (image_id, region, owner_id, name, creation_date, deregistered_at, shared_with)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [imageId.rawValue, region.code, image.ownerId.rawValue, image.name, Timestamp.millis(image.creationDate),
                             Timestamp.millis(now), image.launchPermissions.userIds.map(\.rawValue).joined(separator: ",")])
        logger.info("DeregisterImage \(imageId) (\(region))")
        var result = DeregisterImageResult()
        for snap in Set(image.snapshotIds).sorted() {
            let stillUsed = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM snapshot_use WHERE snapshot_id = ?)"), arguments: [snap.rawValue]) ?? false
            let owned = try String.fetchOne(db.cachedStatement(sql: "SELECT owner_id FROM snapshot WHERE snapshot_id = ?"), arguments: [snap.rawValue]) == caller.rawValue
            if deleteSnapshots && !stillUsed && owned {
                try db.cachedStatement(sql: "DELETE FROM snapshot WHERE snapshot_id = ?").execute(arguments: [snap.rawValue])
                result.deletedSnapshots.append(snap)
            } else {
                result.retainedSnapshots.append(snap)
            }
        }
        return result
    }

    /// How long DescribeImages answers for a deregistered image asked for by id. AWS: "Recently
    /// deregistered images appear in the returned results for a short interval and then return empty
    /// results. After all instances that reference a deregistered AMI are terminated, specifying the ID
    /// of the image will eventually return an error". AWS gives no figure: Ingot chose 15 minutes, and
    /// longer while an instance launched from it still runs.
    static let deregisteredVisibility: TimeInterval = 15 * 60

    /// Deregistered images among `ids` that DescribeImages still answers for, as the caller sees them.
    func recentlyDeregistered(_ ids: [ImageID], region: Region, _ db: Database) throws -> [Image] {
        guard !ids.isEmpty else { return [] }
        let since = Timestamp.millis(now.addingTimeInterval(-Self.deregisteredVisibility))
        return try ids.compactMap { id in
            guard let r = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT * FROM deregistered_image d WHERE d.image_id = ? AND d.region = ?
                  AND (d.deregistered_at > ? OR EXISTS (SELECT 1 FROM instance i WHERE i.image_id = d.image_id AND i.state IN ('pending', 'running', 'stopping', 'stopped')))
                """), arguments: [id.rawValue, region.code, since]) else { return nil }
            let owner = AccountID(trusted: r["owner_id"])
            let shared = (r["shared_with"] as String).split(separator: ",").map { AccountID(trusted: String($0)) }
            guard owner == caller || shared.contains(caller) else { return nil }
            return Image(id: id, region: region, ownerId: owner, name: r["name"], state: .deregistered,
                         creationDate: Timestamp.date(millis: r["creation_date"]))
        }
    }

    /// A `Version` tag in `x.y.z/b` form gives the image version when none is given.
    func versionTag(_ tags: [Tag]) -> ImageVersion? { tags[tag: "Version"].flatMap(ImageVersion.init(parsing:)) }
}
