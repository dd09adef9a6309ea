import ArgumentParser
import Foundation
import IngotAWS
import IngotCore
import IngotLocal

struct Images: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "The AMI lifecycle: list, create, register, copy, share, deprecate, disable, deregister, import.",
        subcommands: [
            ImagesList.self, ImagesShow.self, ImagesCreate.self, ImagesRegister.self, ImagesCopy.self,
            ImagesShare.self, ImagesUnshare.self, ImagesDeprecate.self, ImagesUndeprecate.self,
            ImagesDisable.self, ImagesEnable.self, ImagesDeregister.self, ImagesProtect.self,
            ImagesUnprotect.self, ImagesTag.self, ImagesImport.self, ImagesBlockPublicAccess.self, ImagesPublishBase.self,
        ]
    )
}

/// An image id argument plus `--region`: what most image verbs act on.
struct ImageTarget: ParsableArguments {
    @Argument(help: "The image id (ami-...).")
    var imageId: String

    @OptionGroup var region: RegionOption

    func resolve() throws -> (Region, ImageID) { (try region.resolve(), try ImageID(imageId)) }
}

enum ImageView {
    static func print(_ images: [Image], global: GlobalOptions, now: Date) throws {
        if global.structured {
            struct List: Encodable { let images: [Image] }
            try Output.document(global.output, List(images: images))
            return
        }
        Output.table(["IMAGE ID", "NAME", "VERSION", "STATE", "CREATED", "DEPRECATION", "OWNER", "REGION"], images.map { i in
            var deprecation = Output.time(i.deprecationTime)
            if i.isDeprecated(at: now) { deprecation += " (deprecated)" }
            return [i.id.rawValue, i.name, i.imageVersion?.description ?? "", i.state.rawValue, Output.time(i.creationDate),
                    deprecation, i.ownerAlias ?? i.ownerId.rawValue, i.region.code]
        })
    }

    static func printOne(_ image: Image, global: GlobalOptions, now: Date) throws {
        if global.structured { try Output.document(global.output, image); return }
        var rows: [(String, String)] = [
            ("ImageId", image.id.rawValue), ("Name", image.name), ("Description", image.description ?? ""),
            ("Region", image.region.code), ("Owner", image.ownerId.rawValue + (image.ownerAlias.map { " (\($0))" } ?? "")),
            ("State", image.state.rawValue + (image.availableAt.map { " (available at \(Timestamp.format($0)))" } ?? "") + (image.stateReason.map { ": \($0)" } ?? "")),
            ("Created", Timestamp.format(image.creationDate)),
            ("Deprecation", image.deprecationTime.map { Timestamp.format($0) + (image.isDeprecated(at: now) ? " (deprecated)" : " (scheduled)") } ?? ""),
            ("Version", image.imageVersion?.description ?? ""), ("Architecture", image.architecture.rawValue),
            ("BootMode", image.bootMode?.rawValue ?? ""), ("RootDevice", "\(image.rootDeviceName) (\(image.rootDeviceType.rawValue))"),
            ("Public", image.isPublic ? "yes" : "no"),
            ("SharedWith", (image.launchPermissions.userIds.map(\.rawValue) + image.launchPermissions.organizationArns + image.launchPermissions.organizationalUnitArns).joined(separator: ", ")),
            ("SourceImage", image.sourceImageId.map { "\($0) (\(image.sourceImageRegion?.code ?? "?"))" } ?? ""),
            ("SourceInstance", image.sourceInstanceId?.rawValue ?? ""),
            ("DeregistrationProtection", image.deregistrationProtection.text),
            ("Tags", image.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")),
        ]
        for m in image.blockDeviceMappings {
            let enc = m.encrypted == true ? ", encrypted" + (m.kmsKeyId.map { " (\($0))" } ?? "") : ""
            rows.append(("BlockDevice", "\(m.deviceName) \(m.snapshotId?.rawValue ?? m.virtualName ?? "") \(m.volumeSize.map { "\($0) GiB" } ?? "") \(m.volumeType?.rawValue ?? "")\(enc)"))
        }
        Output.table(["FIELD", "VALUE"], rows.map { [$0.0, $0.1] })
    }
}

struct ImagesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List images (DescribeImages), newest first.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var regions: RegionsOption
    @Option(name: .customLong("image-id"), help: "Only these image ids.") var imageIds: [String] = []
    @Option(name: .customLong("owner"), help: "self, amazon, aws-marketplace or an account id; repeatable.") var owners: [String] = []
    @Option(name: .customLong("executable-by"), help: "all, self or an account id; repeatable.") var executableBy: [String] = []
    @Option(name: .customLong("name"), help: "Name pattern with * and ?; repeatable (OR).") var names: [String] = []
    @Option(name: .customLong("tag"), help: "KEY=VALUE (value may use * and ?) or KEY (present); repeat a key for any of several values; different keys must all match.") var tags: [String] = []
    @Option(help: "Only images in this state (\(ImageState.allCases.map(\.rawValue).joined(separator: ", "))).") var state: [String] = []
    @Option(help: "Only this architecture (\(Architecture.allCases.map(\.rawValue).joined(separator: ", "))).") var architecture: [String] = []
    @Option(name: .customLong("filter"), help: "An AWS filter: Name=NAME,Values=V1,V2 (name, tag:KEY, tag-key, state, architecture, is-public, image-id).") var filters: [String] = []
    @Flag(name: .customLong("include-deprecated"), help: "Include deprecated images of other owners.") var includeDeprecated = false
    @Flag(name: .customLong("include-disabled"), help: "Include disabled images.") var includeDisabled = false

    func requests() throws -> [DescribeImagesRequest] {
        var list: [ImageFilter] = []
        if !names.isEmpty { list.append(.name(names)) }
        list += try TagCondition.parse(tags, field: "tag").map(\.filter)
        if !state.isEmpty { list.append(try ImageFilter(name: "state", values: state)) }
        if !architecture.isEmpty { list.append(try ImageFilter(name: "architecture", values: architecture)) }
        for f in filters { list.append(try Self.parseFilter(f)) }
        let ids = try imageIds.map { try ImageID($0) }
        if !ids.isEmpty, try regions.resolve().count > 1 {
            throw IngotError.invalid("image-id", "an image id belongs to one region: give a single --region with --image-id")
        }
        for e in executableBy where !["self", "all"].contains(e) { _ = try AccountID(e, field: "executable-by") }
        let owners = try owners.map { try ImageOwner($0) }
        return try regions.resolve().map {
            DescribeImagesRequest(region: $0, imageIds: ids, owners: owners, executableBy: executableBy, filters: list,
                                  includeDeprecated: includeDeprecated, includeDisabled: includeDisabled)
        }
    }

    /// `Name=tag:team,Values=web,api` as the AWS CLI writes it.
    static func parseFilter(_ text: String) throws -> ImageFilter {
        guard text.hasPrefix("Name="), let values = text.range(of: ",Values=") else {
            throw IngotError.invalid("filter", "'\(text)' is not Name=NAME,Values=V1[,V2...]")
        }
        let name = String(text[text.index(text.startIndex, offsetBy: 5)..<values.lowerBound])
        return try ImageFilter(name: name, values: text[values.upperBound...].split(separator: ",").map(String.init))
    }

    @OptionGroup var accounts: AccountsOptions

    struct Listed: Encodable, Sendable { let images: [Image] }

    func run() async throws {
        let requests = try requests()
        if accounts.isEnabled {
            let outcomes = try await global.inAccounts(accounts) { cloud in
                var images: [Image] = []
                for r in requests { images += try await cloud.describeImages(r) }
                return Listed(images: images)
            }
            let global = self.global
            try AccountReport.output(outcomes, global: global) { try ImageView.print($0.images, global: global, now: Date()) }
            if outcomes.contains(where: { if case .failure = $0.result { true } else { false } }) { throw CommandFailure(code: 3) }
            return
        }
        let (images, now) = try await global.withCloud { cloud, now in
            var images: [Image] = []
            for r in requests { images += try await cloud.describeImages(r) }
            return (images, now)
        }
        try ImageView.print(images, global: global, now: now)
    }
}

struct ImagesShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one image in full.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget

    func run() async throws {
        let (region, id) = try target.resolve()
        let (found, now) = try await global.withCloud { cloud, now in (try await cloud.describeImage(id, region: region), now) }
        guard let image = found else { throw IngotError.refused("InvalidAMIID.NotFound", "The image id '[\(id)]' does not exist") }
        try ImageView.printOne(image, global: global, now: now)
    }
}

struct ImagesCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an image: from a builder instance (--instance-id) or with a builder implied; prints its id.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Option(help: "The image name (3-128 characters).") var name: String
    @Option(help: "A description.") var description: String?
    @Option(name: .customLong("tag"), help: "KEY=VALUE; repeatable.") var tags: [String] = []
    @Option(help: "The build version, MAJOR.MINOR.PATCH/BUILD (e.g. 2.4.0/3).") var version: String?
    @Option(name: .customLong("volume-size"), parsing: .unconditional, help: "Root volume GiB of the implied builder (1-16384).") var volumeSize: Int = 8
    @Option(help: "x86_64 or arm64 (implied builder only).") var architecture: String = "x86_64"
    @Option(name: .customLong("instance-id"), help: "Create the image from this instance (CreateImage).") var instanceId: String?
    @Flag(name: .customLong("no-reboot"), help: "CreateImage's NoReboot (with --instance-id).") var noReboot = false
    @Flag(help: "Encrypt the image's snapshots (implied builder only).") var encrypted = false
    @Option(name: .customLong("kms-key-id"), help: "KMS key for --encrypted.") var kmsKeyId: String?

    func run() async throws {
        let region = try region.resolve()
        let name = try ImageName(name)
        let tags = try parseTags(tags)
        let version = try version.map { try ImageVersion($0, field: "version") }
        guard let arch = Architecture(rawValue: architecture) else {
            throw IngotError.invalid("architecture", "'\(architecture)' is not one of \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if kmsKeyId != nil && !encrypted { throw IngotError.invalid("kms-key-id", "needs --encrypted") }
        let instance = try instanceId.map { try InstanceID($0) }
        let cloud = try await global.cloud()
        let id: ImageID
        if let instance {
            id = try await cloud.createImage(CreateImageRequest(region: region, instanceId: instance, name: name, description: description,
                                                                noReboot: noReboot, tags: tags, imageVersion: version))
        } else {
            id = try await cloud.buildImage(region: region, name: name, description: description, tags: tags, imageVersion: version,
                                            volumeSize: volumeSize, architecture: arch, encrypted: encrypted, kmsKeyId: kmsKeyId)
        }
        try await printCreated(id, region: region, cloud: cloud, global: global)
    }
}

/// After a change to an image: one line saying what was done, or with `--output json|yaml` the image
/// as it is now (the AWS CLI prints nothing for these calls; a document is more use to scripts).
func reportImageChange(_ what: String, id: ImageID, region: Region, cloud: some Cloud, global: GlobalOptions) async throws {
    guard global.structured else { return Output.line("\(id) (\(region.code)): \(what)") }
    try reportImageChange(what, image: try await cloud.describeImage(id, region: region), id: id, region: region, global: global)
}

/// The same, with the image already read (nil: the answer listed nothing; `{}` then).
func reportImageChange(_ what: String, image: Image?, id: ImageID, region: Region, global: GlobalOptions) throws {
    guard global.structured else { return Output.line("\(id) (\(region.code)): \(what)") }
    if let image { try Output.document(global.output, image) } else { try Output.document(global.output, [String: String]()) }
}

/// Launch permissions as words: "account 210987654321, everyone (public)".
func describe(_ permissions: [LaunchPermission]) -> String {
    permissions.map { p in
        switch p {
        case .account(let a): "account \(a)"
        case .everyone: "everyone (public)"
        case .organization(let arn): "organization \(arn)"
        case .organizationalUnit(let arn): "organizational unit \(arn)"
        }
    }.joined(separator: ", ")
}

/// Prints a new image's id, or with `--output json` the image object.
func printCreated(_ id: ImageID, region: Region, cloud: some Cloud, global: GlobalOptions) async throws {
    if global.structured {
        guard let image = try await cloud.describeImage(id, region: region) else {
            throw IngotError.refused("InvalidAMIID.NotFound", "The image id '[\(id)]' does not exist")
        }
        try Output.document(global.output, image)
    } else {
        Output.line(id.rawValue)
    }
}

struct ImagesRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "register", abstract: "Register an image from snapshots (RegisterImage); prints its id.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Option(help: "The image name.") var name: String
    @Option(help: "A description.") var description: String?
    @Option(name: .customLong("root-snapshot-id"), help: "The snapshot of the root device.") var rootSnapshotId: String
    @Option(name: .customLong("root-device-name"), help: "The root device.") var rootDeviceName = "/dev/xvda"
    @Option(name: .customLong("block-device"), help: "More devices: DEVICE=SNAPSHOT[:SIZE_GIB]; repeatable.") var blockDevices: [String] = []
    @Option(help: "x86_64 or arm64.") var architecture: String = "x86_64"
    @Option(name: .customLong("boot-mode"), help: "legacy-bios, uefi or uefi-preferred.") var bootMode: String?
    @Option(name: .customLong("tag"), help: "KEY=VALUE; repeatable.") var tags: [String] = []
    @Option(help: "The build version, MAJOR.MINOR.PATCH/BUILD.") var version: String?

    func run() async throws {
        let region = try region.resolve()
        let name = try ImageName(name)
        guard let arch = Architecture(rawValue: architecture) else {
            throw IngotError.invalid("architecture", "'\(architecture)' is not one of \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let boot = try bootMode.map { b in
            guard let m = BootMode(rawValue: b) else {
                throw IngotError.invalid("boot-mode", "'\(b)' is not one of \(BootMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return m
        }
        var mappings = [BlockDeviceMapping(deviceName: rootDeviceName, snapshotId: try SnapshotID(rootSnapshotId), volumeSize: nil)]
        for spec in blockDevices {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].hasPrefix("/dev/") else {
                throw IngotError.invalid("block-device", "'\(spec)' is not DEVICE=SNAPSHOT[:SIZE_GIB] (e.g. /dev/sdf=snap-0123456789abcdef0:100)")
            }
            let snapParts = parts[1].split(separator: ":").map(String.init)
            let size = try snapParts.count > 1 ? (Int(snapParts[1]) ?? { throw IngotError.invalid("block-device", "'\(snapParts[1])' is not a size in GiB") }()) : nil
            mappings.append(BlockDeviceMapping(deviceName: parts[0], snapshotId: try SnapshotID(snapParts[0]), volumeSize: size))
        }
        let request = RegisterImageRequest(
            region: region, name: name, description: description, architecture: arch, rootDeviceName: rootDeviceName,
            bootMode: boot, blockDeviceMappings: mappings, tags: try parseTags(tags),
            imageVersion: try version.map { try ImageVersion($0, field: "version") })
        try await global.withCloud { cloud, _ in
            let id = try await cloud.registerImage(request)
            try await printCreated(id, region: region, cloud: cloud, global: global)
        }
    }
}

struct ImagesCopy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy an image to a region (CopyImage, called in the destination); prints the new id.",
        discussion: "The copy is pending until its snapshots land (minutes to hours, growing with GiB). Launch permissions are never copied; user tags only with --copy-tags.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The source image id.") var imageId: String
    @Option(name: .customLong("source-region"), help: "The source image's region.") var sourceRegion: String
    @OptionGroup var region: RegionOption
    @Option(help: "The copy's name (default the source's).") var name: String?
    @Option(help: "The copy's description (default the source's).") var description: String?
    @Flag(name: .customLong("copy-tags"), help: "Copy the source's user tags (CopyImageTags).") var copyTags = false
    @Option(name: .customLong("tag"), help: "KEY=VALUE for the copy; repeatable.") var tags: [String] = []
    @Flag(help: "Encrypt the copy's snapshots.") var encrypted = false
    @Option(name: .customLong("kms-key-id"), help: "KMS key in the destination region (needs --encrypted).") var kmsKeyId: String?

    func run() async throws {
        let source = try Region(sourceRegion)
        let destination = try region.resolve()
        if kmsKeyId != nil && !encrypted {
            throw IngotError.invalid("kms-key-id", "needs --encrypted (KmsKeyId requires Encrypted=true)", code: "InvalidParameterCombination")
        }
        let request = CopyImageRequest(
            sourceRegion: source, sourceImageId: try ImageID(imageId), region: destination, name: try name.map { try ImageName($0) },
            description: description, copyImageTags: copyTags, tags: try parseTags(tags), encrypted: encrypted, kmsKeyId: kmsKeyId)
        try await global.withCloud { cloud, _ in
            let id = try await cloud.copyImage(request)
            if global.structured { return try await printCreated(id, region: destination, cloud: cloud, global: global) }
            let copy = try await cloud.describeImage(id, region: destination)
            let lands = copy?.availableAt.map { "pending, lands at \(Output.time($0))" } ?? copy.map { $0.state.rawValue } ?? "pending"
            Output.line("\(id)")
            Output.note("copy of \(request.sourceImageId) in \(destination.code): \(lands)")
        }
    }
}

/// `--account`, `--public`, `--organization-arn`, `--organizational-unit-arn`: launch permissions to change.
struct PermissionOptions: ParsableArguments {
    @Option(name: .customLong("account"), help: "An AWS account id; repeatable.") var accounts: [String] = []
    @Flag(name: .customLong("public"), help: "Everyone (Group=all).") var isPublic = false
    @Option(name: .customLong("organization-arn"), help: "An AWS Organizations organization ARN; repeatable.") var organizations: [String] = []
    @Option(name: .customLong("organizational-unit-arn"), help: "An OU ARN; repeatable.") var units: [String] = []

    func resolve() throws -> [LaunchPermission] {
        var list: [LaunchPermission] = try accounts.map { .account(try AccountID($0, field: "account")) }
        if isPublic { list.append(.everyone) }
        list += try organizations.map { try LaunchPermission.organization(parsing: $0) }
        list += try units.map { try LaunchPermission.organizationalUnit(parsing: $0) }
        guard !list.isEmpty else {
            throw IngotError.invalid("account", "give at least one of --account, --public, --organization-arn, --organizational-unit-arn")
        }
        return list
    }
}

struct ImagesShare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "share", abstract: "Add launch permissions (ModifyImageAttribute).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    @OptionGroup var permissions: PermissionOptions

    func run() async throws {
        let (region, id) = try target.resolve()
        let add = try permissions.resolve()
        try await global.withCloud { c, _ in
            try await c.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: region, imageId: id, add: add))
            try await reportImageChange("shared with \(describe(add))", id: id, region: region, cloud: c, global: global)
        }
    }
}

struct ImagesUnshare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unshare", abstract: "Remove launch permissions (ModifyImageAttribute).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    @OptionGroup var permissions: PermissionOptions

    func run() async throws {
        let (region, id) = try target.resolve()
        let remove = try permissions.resolve()
        try await global.withCloud { c, _ in
            try await c.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: region, imageId: id, remove: remove))
            try await reportImageChange("no longer shared with \(describe(remove))", id: id, region: region, cloud: c, global: global)
        }
    }
}

struct ImagesDeprecate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deprecate",
        abstract: "Deprecate an image at a time (EnableImageDeprecation): rounded to the minute, future, at most 10 years ahead.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    @Option(name: .customLong("deprecate-at"), help: "When, ISO-8601 (e.g. 2027-01-01T00:00:00Z), or now.") var deprecateAt: String

    func run() async throws {
        let (region, id) = try target.resolve()
        let clock = try global.clock()
        let when = deprecateAt == "now" ? clock.now : try parseTime(deprecateAt, field: "deprecate-at")
        _ = try ImageRules.deprecationTime(when, now: clock.now)  // bounds checked before the store is touched
        let time = try await global.withCloud { c, _ in try await c.enableImageDeprecation(region: region, imageId: id, deprecateAt: when) }
        if global.structured { try Output.document(global.output, ["imageId": id.rawValue, "deprecationTime": Timestamp.format(time)]) }
        else { Output.line("\(id) (\(region.code)): deprecates at \(Timestamp.format(time))") }
    }
}

struct ImagesUndeprecate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "undeprecate", abstract: "Cancel deprecation (DisableImageDeprecation).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    func run() async throws {
        let (region, id) = try target.resolve()
        try await global.withCloud { c, _ in
            try await c.disableImageDeprecation(region: region, imageId: id)
            try await reportImageChange("deprecation cancelled", id: id, region: region, cloud: c, global: global)
        }
    }
}

struct ImagesDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable an image: private and unlaunchable (DisableImage).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    func run() async throws {
        let (region, id) = try target.resolve()
        try await global.withCloud { c, _ in
            try await c.disableImage(region: region, imageId: id)
            try await reportImageChange("disabled: private and unlaunchable; its sharing is removed for good", id: id, region: region, cloud: c, global: global)
        }
    }
}

struct ImagesEnable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Re-enable a disabled image (sharing is not restored).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    func run() async throws {
        let (region, id) = try target.resolve()
        try await global.withCloud { c, _ in
            try await c.enableImage(region: region, imageId: id)
            try await reportImageChange("enabled (sharing is not restored)", id: id, region: region, cloud: c, global: global)
        }
    }
}

struct ImagesDeregister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deregister",
        abstract: "Deregister an image; its snapshots stay (and keep costing) unless --delete-snapshots.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    @Flag(name: .customLong("delete-snapshots"), help: "Also delete its snapshots no other image uses (DeleteAssociatedSnapshots).") var deleteSnapshots = false

    func run() async throws {
        let (region, id) = try target.resolve()
        let result = try await global.withCloud { c, _ in try await c.deregisterImage(region: region, imageId: id, deleteAssociatedSnapshots: deleteSnapshots) }
        if global.structured { try Output.document(global.output, result); return }
        Output.line("\(id) (\(region.code)): deregistered")
        for s in result.deletedSnapshots { Output.line("deleted \(s)") }
        for s in result.retainedSnapshots { Output.line("kept \(s)") }
    }
}

struct ImagesProtect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "protect", abstract: "Turn on deregistration protection.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    @Flag(name: .customLong("with-cooldown"), help: "Keep protection for 24 hours after it is turned off.") var withCooldown = false
    func run() async throws {
        let (region, id) = try target.resolve()
        try await global.withCloud { c, _ in
            try await c.enableImageDeregistrationProtection(region: region, imageId: id, withCooldown: withCooldown)
            try await reportImageChange("deregistration protection on\(withCooldown ? " (with a 24-hour cooldown once turned off)" : "")", id: id, region: region, cloud: c, global: global)
        }
    }
}

struct ImagesUnprotect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unprotect", abstract: "Turn off deregistration protection (a cooldown may still apply).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    func run() async throws {
        let (region, id) = try target.resolve()
        try await global.withCloud { c, _ in
            try await c.disableImageDeregistrationProtection(region: region, imageId: id)
            // One read serves both the cooldown in the line and the document.
            let image = try await c.describeImage(id, region: region)
            var what = "deregistration protection off"
            if case .disabledUntil(let t)? = image?.deregistrationProtection { what += "; the cooldown keeps it until \(Output.time(t))" }
            try reportImageChange(what, image: image, id: id, region: region, global: global)
        }
    }
}

struct ImagesTag: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Add or replace tags on an image (CreateTags).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: ImageTarget
    @Option(name: .customLong("tag"), help: "KEY=VALUE; repeatable.") var tags: [String] = []
    func run() async throws {
        let (region, id) = try target.resolve()
        let tags = try parseTags(tags)
        guard !tags.isEmpty else { throw IngotError.invalid("tag", "give at least one --tag KEY=VALUE") }
        try await global.withCloud { c, _ in
            try await c.createTags(region: region, imageId: id, tags: tags)
            try await reportImageChange("tagged \(tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))", id: id, region: region, cloud: c, global: global)
        }
    }
}

struct ImagesImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load `aws ec2 describe-images` JSON into the store, streaming (images already present are skipped).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The JSON file ({\"Images\":[...]}).") var file: String
    @OptionGroup var region: RegionOption
    @Option(name: .customLong("batch-size"), help: "Images per transaction.") var batchSize = 200_000

    func run() async throws {
        let region = try region.resolve()
        guard batchSize >= 1 else { throw IngotError.invalid("batch-size", "must be at least 1") }
        guard FileManager.default.isReadableFile(atPath: file) else { throw IngotError.invalid("file", "cannot read \(file)") }
        let cloud = try await global.cloud()
        let tty = isatty(STDERR_FILENO) == 1
        let started = Date()
        let size = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0
        let result = try await cloud.importImages(from: file, region: region, batchSize: batchSize) { count, bytes in
            guard tty, size > 0 else { return }
            FileHandle.standardError.write(Data("\rimported \(Output.count(count, "image")) (\(bytes * 100 / size)% of \(size >> 20) MiB)...".utf8))
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if global.structured { try Output.document(global.output, result); return }
        let seconds = Date().timeIntervalSince(started)
        Output.line("imported \(Output.count(result.imported, "image")) (\(result.skipped) already present, \(Output.count(result.snapshots, "snapshot"))) into \(region) in \(String(format: "%.1f", seconds)) s")
    }
}
