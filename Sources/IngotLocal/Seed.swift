import Foundation
import GRDB
import IngotCore

/// Amazon's public base images and the demo account, written as history (times relative to the
/// store's clock), each seed one transaction.
extension LocalCloud {
    /// A small catalog of public base images in every commercial region: the four newest releases of
    /// each ``BaseImageCatalog`` family (Amazon Linux 2023 under the alias `amazon`, Ubuntu 22.04 and
    /// 24.04 under Canonical's account; x86_64 and arm64), on the catalog's 14-day cadence, with the
    /// public SSM parameters naming the newest. Ids are stable per region and release.
    public func seedCatalog() async throws {
        let now = clock.now
        try await store.write { db in
            for family in BaseImageCatalog.families {
                let newest = family.latestRelease(atOrBefore: now)
                for release in (0..<4).reversed() {
                    try Catalog.publish(day: newest.addingTimeInterval(-Double(release * family.periodDays) * 86_400), families: [family], db)
                }
            }
        }
    }

    /// The demo account: golden-web and golden-api, a dozen weekly builds each in us-east-1, older
    /// ones deprecated, the newest copied to eu-west-1 and ap-southeast-2 (one copy still pending),
    /// one build disabled, one shared with account 210987654321, orphaned snapshots left by
    /// deregistered images.
    public func seedDemo() async throws {
        let now = clock.now
        let me = caller
        let ctx = context
        try await store.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('demo', '1')")
            let home = Region.usEast1
            let others = [Region.euWest1, Region.apSoutheast2]
            for (family, major, team) in [("golden-web", 2, "web"), ("golden-api", 1, "api")] {
                var builds: [Image] = []
                for k in 0..<12 {
                    let version = ImageVersion(major: major, minor: k / 4, patch: k % 4, build: 1)
                    let created = now.addingTimeInterval(-Double(11 - k) * 7 * 86_400 - 3 * 3600 - Double(family.count) * 60)
                    // Each build is deprecated eight weeks after it is made: the four oldest already are.
                    let image = try Seeder.image(
                        db, region: home, owner: me, alias: nil, name: "\(family)-\(version.major).\(version.minor).\(version.patch)-\(version.build)",
                        description: "\(family) \(version) (Image Builder)", created: created,
                        deprecation: created.addingTimeInterval(56 * 86_400), architecture: .x86_64, bootMode: .uefiPreferred,
                        isPublic: false, size: family == "golden-web" ? 30 : 20,
                        tags: [Tag(key: "golden", value: "true"), Tag(key: "family", value: family), Tag(key: "team", value: team),
                               Tag(key: "Version", value: version.description)],
                        version: version)
                    builds.append(image)
                }
                // Copies of the three newest builds in the other regions, landed an hour after each build.
                for region in others {
                    for image in builds.suffix(3) {
                        let pending = family == "golden-api" && region == .apSoutheast2 && image.id == builds.last?.id
                        let started = pending ? now.addingTimeInterval(-120) : image.creationDate.addingTimeInterval(600)
                        let landed = started.addingTimeInterval(ImageRules.copyDuration(totalGiB: image.totalSnapshotGiB, crossRegion: true))
                        try Seeder.image(
                            db, region: region, owner: me, alias: nil, name: image.name, description: image.description,
                            created: started, deprecation: image.deprecationTime, architecture: image.architecture,
                            bootMode: image.bootMode, isPublic: false, size: image.totalSnapshotGiB, tags: image.tags,
                            version: image.imageVersion, source: (image.id, home), availableAt: landed, snapshotState: landed > now ? .pending : .completed)
                    }
                }
            }
            // golden-web 2.2.1 failed its tests after release: disabled (private, unlaunchable) as DisableImage does it.
            if let id = try String.fetchOne(db, sql: "SELECT image_id FROM image WHERE region = ? AND name = ? AND owner_id = ?",
                                            arguments: [home.code, "golden-web-2.2.1-1", me.rawValue]) {
                try ctx.disableImage(region: home, imageId: ImageID(trusted: id), db)
            }
            // The newest golden-api is shared with the staging account.
            if let row = try Int64.fetchOne(db, sql: "SELECT id FROM image WHERE region = ? AND name = 'golden-api-1.2.3-1' AND owner_id = ?",
                                            arguments: [home.code, me.rawValue]) {
                try ImageRows.replaceLaunchPermissions(LaunchPermissions(), with: LaunchPermissions(userIds: [Seeder.stagingAccount]), image: row, db)
            }
            // Builds deregistered last year without DeleteAssociatedSnapshots: their snapshots still cost money.
            for (n, size) in [(1, 30), (2, 30), (3, 20)] {
                let started = now.addingTimeInterval(-Double(300 + n * 7) * 86_400)
                try ImageRows.insertSnapshot(Snapshot(
                    id: Seeder.snapshotID("orphan-\(n)"), region: home, ownerId: me, volumeSize: size, startTime: started,
                    description: "Created by CreateImage(i-0\(n)7f3a9c2b1d4e5f6) for golden-web-1.9.\(n)-1"), db)
            }
        }
    }

    /// The demo's launch templates and groups, on builds older than the newest golden ones: `web-lt`
    /// and `api-lt` in every demo region, `web-asg` on a numbered version and `api-asg` on `$Latest`.
    public func seedDemoFleet() async throws {
        for region in [Region.usEast1, .euWest1, .apSoutheast2] {
            for (family, template, type) in [("golden-web", "web-lt", "c7i.large"), ("golden-api", "api-lt", "m7i.large")] {
                let builds = try await describeImages(DescribeImagesRequest(region: region, owners: [.caller], filters: [.name(["\(family)-*"])], includeDeprecated: true))
                    .filter { $0.state == .available }
                guard builds.count > 1 else { continue }
                let older = builds[1]  // newest first: the build before the newest available one
                _ = try await createLaunchTemplate(CreateLaunchTemplateRequest(
                    region: region, name: template,
                    data: LaunchTemplateData(imageId: older.id.rawValue, instanceType: type, userData: Data("#!/bin/bash\nsystemctl start \(family)\n".utf8).base64EncodedString(),
                                             metadataOptions: MetadataOptions(httpTokens: "required"),
                                             tagSpecifications: [TagSpecification(resourceType: "instance", tags: [Tag(key: "team", value: String(family.dropFirst(7)))])]),
                    versionDescription: "\(older.name)"))
            }
        }
        _ = try await createAutoScalingGroup(region: .usEast1, name: "web-asg", settings: GroupSettings(
            launchTemplateName: "web-lt", launchTemplateVersion: .number(1), minSize: 2, maxSize: 12, desiredCapacity: 6, healthCheckGracePeriod: 300, defaultInstanceWarmup: 120))
        _ = try await createAutoScalingGroup(region: .usEast1, name: "api-asg", settings: GroupSettings(
            launchTemplateName: "api-lt", launchTemplateVersion: .latest, minSize: 2, maxSize: 8, desiredCapacity: 3, healthCheckGracePeriod: 300))
        // A batch workload built last week and never copied out of us-east-1: what DR has to fix.
        let batch = try await buildImage(region: .usEast1, name: try ImageName("golden-batch-1.0.0-1"), description: "golden batch 1.0.0/1",
                                         tags: [Tag(key: "golden", value: "true"), Tag(key: "team", value: "batch")],
                                         imageVersion: ImageVersion(major: 1, minor: 0, patch: 0, build: 1), volumeSize: 40)
        _ = try await createLaunchTemplate(CreateLaunchTemplateRequest(
            region: .usEast1, name: "batch-lt", data: LaunchTemplateData(imageId: batch.rawValue, instanceType: "c7i.xlarge"), versionDescription: "golden-batch-1.0.0-1"))
        _ = try await createAutoScalingGroup(region: .usEast1, name: "batch-asg", settings: GroupSettings(
            launchTemplateName: "batch-lt", launchTemplateVersion: .number(1), minSize: 0, maxSize: 20, desiredCapacity: 4, healthCheckGracePeriod: 120, defaultInstanceWarmup: 60))
    }
}

enum Seeder {
    /// The demo's second account, with which one golden image is shared.
    static let stagingAccount = AccountID(trusted: "210987654321")

    @discardableResult
    static func image(
        _ db: Database, region: Region, owner: AccountID, alias: String?, name: String, description: String?, created: Date,
        deprecation: Date?, architecture: Architecture, rootDevice: String = "/dev/xvda", bootMode: BootMode?, isPublic: Bool,
        size: Int, tags: [Tag] = [], version: ImageVersion? = nil, source: (ImageID, Region)? = nil, availableAt: Date? = nil,
        snapshotState: SnapshotState = .completed
    ) throws -> Image {
        let key = "\(region.code)/\(owner.rawValue)/\(name)"
        let snapshot = Snapshot(id: snapshotID(key), region: region, ownerId: owner, volumeSize: size, state: snapshotState,
                                startTime: created, description: "Created by CreateImage for \(name)")
        try ImageRows.insertSnapshot(snapshot, availableAt: snapshotState == .pending ? availableAt : nil, db)
        let pending = availableAt.map { $0 > created } ?? false
        let image = Image(
            id: ImageID(trusted: "ami-" + hex17(key)), region: region, ownerId: owner, ownerAlias: alias, name: name,
            description: description, state: pending ? .pending : .available, creationDate: created, deprecationTime: deprecation,
            architecture: architecture, rootDeviceName: rootDevice, bootMode: bootMode,
            blockDeviceMappings: [BlockDeviceMapping(deviceName: rootDevice, snapshotId: snapshot.id, volumeSize: size, volumeType: .gp3, encrypted: false)],
            tags: tags, launchPermissions: LaunchPermissions(isPublic: isPublic), sourceImageId: source?.0,
            sourceImageRegion: source?.1, imageVersion: version, availableAt: pending ? availableAt : nil)
        try ImageRows.insert(image, db)
        return image
    }

    static func snapshotID(_ key: String) -> SnapshotID { SnapshotID(trusted: "snap-" + hex17("snap:" + key)) }

    /// 17 hex digits from FNV-1a hashes of `key`: stable ids across stores.
    static func hex17(_ key: String) -> String {
        func fnv(_ seed: UInt64) -> UInt64 {
            var h = seed
            for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
            return h
        }
        let hi = String(fnv(0xcbf29ce484222325), radix: 16)
        let lo = String(fnv(0x84222325cbf29ce4) & 0xf, radix: 16)
        return String(repeating: "0", count: 16 - hi.count) + hi + lo
    }
}
