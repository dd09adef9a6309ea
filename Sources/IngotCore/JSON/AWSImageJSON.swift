#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads images in the shape the AWS CLI prints for `aws ec2 describe-images`
/// (`{"Images":[{"ImageId":..., "CreationDate":..., "Tags":[{"Key":..,"Value":..}]}]}`).
public enum AWSImageJSON {
    /// Decodes one image object at the parser's position. `region` is where the images live
    /// (describe-images output does not say). Unknown keys are skipped.
    public static func decodeImage(_ p: JSONPullParser, region: Region, index: Int) throws -> Image {
        do {
            return try decodeImageFields(p, region: region, index: index)
        } catch let e as IngotError where e.kind == .invalidInput && !e.message.hasPrefix("file: image #") {
            // Syntax errors and wrong value types name the image too.
            let detail = e.message.hasPrefix("file: ") ? String(e.message.dropFirst(6)) : e.message
            throw IngotError.invalid("file", "image #\(index + 1): \(detail)")
        }
    }

    private static func decodeImageFields(_ p: JSONPullParser, region: Region, index: Int) throws -> Image {
        func bad(_ field: String, _ why: String) -> IngotError {
            IngotError.invalid("file", "image #\(index + 1) (byte \(p.offset)): \(field) \(why)")
        }
        func string() throws -> String? { try p.readNull() ? nil : p.readString() }
        func date(_ field: String) throws -> Date? {
            guard let s = try string() else { return nil }
            guard let ms = Timestamp.parseMillis(s) else { throw bad(field, "'\(s)' is not an ISO-8601 time") }
            return Timestamp.date(millis: ms)
        }
        func enumValue<E: RawRepresentable & CaseIterable>(_ field: String, _ type: E.Type) throws -> E? where E.RawValue == String {
            guard let s = try string() else { return nil }
            guard let v = E(rawValue: s) else {
                throw bad(field, "'\(s)' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return v
        }

        var id: ImageID?
        var owner: AccountID?
        var alias: String?, name: String?, description: String?
        var state = ImageState.available
        var creation: Date?, deprecation: Date?
        var arch = Architecture.x86_64
        var virt = VirtualizationType.hvm
        var rootType = RootDeviceType.ebs
        var rootName = "/dev/xvda"
        var boot: BootMode?
        var mappings: [BlockDeviceMapping] = []
        var tags: [Tag] = []
        var isPublic = false
        var sourceImageId: ImageID?, sourceRegion: Region?, sourceInstance: InstanceID?
        var protection = DeregistrationProtection.disabled

        try p.beginObject()
        while let k = try p.nextKey(in: imageKeys) {
            let key = k >= 0 ? imageKeyNames[k] : ""
            switch key {
            case "ImageId":
                let s = try p.readString()
                guard ImageID.isWellFormed(s) else { throw bad("ImageId", "'\(s)' is not an AMI id") }
                id = ImageID(trusted: s)
            case "OwnerId":
                let s = try p.readString()
                owner = try? AccountID(s)
                if owner == nil { throw bad("OwnerId", "'\(s)' is not a 12-digit account id") }
            case "ImageOwnerAlias": alias = try string()
            case "Name": name = try string()
            case "Description": description = try string()
            case "State": state = try enumValue("State", ImageState.self) ?? .available
            case "CreationDate": creation = try date("CreationDate")
            case "DeprecationTime": deprecation = try date("DeprecationTime")
            case "Architecture": arch = try enumValue("Architecture", Architecture.self) ?? .x86_64
            case "VirtualizationType": virt = try enumValue("VirtualizationType", VirtualizationType.self) ?? .hvm
            case "RootDeviceType": rootType = try enumValue("RootDeviceType", RootDeviceType.self) ?? .ebs
            case "RootDeviceName": rootName = try string() ?? rootName
            case "BootMode": boot = try enumValue("BootMode", BootMode.self)
            case "Public": isPublic = try p.readBool()
            case "SourceImageId":
                if let s = try string() {
                    guard ImageID.isWellFormed(s) else { throw bad("SourceImageId", "'\(s)' is not an AMI id") }
                    sourceImageId = ImageID(trusted: s)
                }
            case "SourceImageRegion":
                if let s = try string() {
                    guard let r = try? Region(s) else { throw bad("SourceImageRegion", "'\(s)' is not a known region") }
                    sourceRegion = r
                }
            case "SourceInstanceId":
                if let s = try string() { sourceInstance = InstanceID.isWellFormed(s) ? InstanceID(trusted: s) : nil }
            case "DeregistrationProtection":
                if let s = try string() { protection = DeregistrationProtection(text: s) ?? .disabled }
            case "Tags":
                guard try !p.readNull() else { break }
                try p.beginArray()
                while try p.nextElement() {
                    var k: String?, v = ""
                    try p.beginObject()
                    while let tk = try p.nextKey() {
                        switch tk {
                        case "Key": k = try p.readString()
                        case "Value": v = try string() ?? ""
                        default: try p.skipValue()
                        }
                    }
                    guard let k else { throw bad("Tags", "has an entry without Key") }
                    tags.append(Tag(key: k, value: v))
                }
            case "BlockDeviceMappings":
                guard try !p.readNull() else { break }
                try p.beginArray()
                while try p.nextElement() {
                    var m = BlockDeviceMapping(deviceName: "", volumeType: nil, encrypted: nil, deleteOnTermination: nil)
                    try p.beginObject()
                    while let mk = try p.nextKey() {
                        switch mk {
                        case "DeviceName": m.deviceName = try p.readString()
                        case "VirtualName": m.virtualName = try string()
                        case "Ebs":
                            try p.beginObject()
                            while let ek = try p.nextKey() {
                                switch ek {
                                case "SnapshotId":
                                    if let s = try string() {
                                        guard SnapshotID.isWellFormed(s) else { throw bad("SnapshotId", "'\(s)' is not a snapshot id") }
                                        m.snapshotId = SnapshotID(trusted: s)
                                    }
                                case "VolumeSize": m.volumeSize = try p.readInt()
                                case "VolumeType": m.volumeType = try enumValue("VolumeType", VolumeType.self)
                                case "Encrypted": m.encrypted = try p.readBool()
                                case "KmsKeyId": m.kmsKeyId = try string()
                                case "DeleteOnTermination": m.deleteOnTermination = try p.readBool()
                                default: try p.skipValue()
                                }
                            }
                        default: try p.skipValue()
                        }
                    }
                    mappings.append(m)
                }
            default:
                try p.skipValue()
            }
        }
        guard let id else { throw bad("ImageId", "is missing") }
        guard let owner else { throw bad("OwnerId", "is missing") }
        guard let creation else { throw bad("CreationDate", "is missing") }
        return Image(
            id: id, region: region, ownerId: owner, ownerAlias: alias, name: name ?? id.rawValue, description: description,
            state: state, creationDate: creation, deprecationTime: deprecation, architecture: arch, virtualizationType: virt,
            rootDeviceType: rootType, rootDeviceName: rootName, bootMode: boot, blockDeviceMappings: mappings, tags: tags,
            launchPermissions: LaunchPermissions(isPublic: isPublic), sourceImageId: sourceImageId,
            sourceImageRegion: sourceRegion, sourceInstanceId: sourceInstance, imageVersion: version(from: tags),
            deregistrationProtection: protection)
    }

    private static let imageKeyNames = ["ImageId", "OwnerId", "ImageOwnerAlias", "Name", "Description", "State", "CreationDate", "DeprecationTime", "Architecture", "VirtualizationType", "RootDeviceType", "RootDeviceName", "BootMode", "Public", "SourceImageId", "SourceImageRegion", "SourceInstanceId", "DeregistrationProtection", "Tags", "BlockDeviceMappings"]
    private static let imageKeys = JSONPullParser.Keys(imageKeyNames)

    /// The build an image belongs to: Image Builder's ARN tag (`.../image/NAME/2.4.0/3`), else a
    /// `Version` tag in `x.y.z/b` form.
    public static func version(from tags: [Tag]) -> ImageVersion? {
        if let arn = tags[tag: "Ec2ImageBuilderArn"] {
            let parts = arn.split(separator: "/")
            if parts.count >= 2, let v = ImageVersion(parsing: "\(parts[parts.count - 2])/\(parts[parts.count - 1])") { return v }
        }
        return tags[tag: "Version"].flatMap(ImageVersion.init(parsing:))
    }

    /// Walks a describe-images document (`{"Images":[...]}` or a bare array), calling `body` per image.
    public static func forEachImage(_ p: JSONPullParser, region: Region, _ body: (Image) throws -> Void) throws {
        var index = 0
        func images() throws {
            try p.beginArray()
            while try p.nextElement() {
                try body(try decodeImage(p, region: region, index: index))
                index += 1
            }
        }
        switch try p.peekKind() {
        case .array: try images()
        case .object:
            try p.beginObject()
            var sawImages = false
            while let key = try p.nextKey() {
                if key == "Images" { sawImages = true; try images() } else { try p.skipValue() }
            }
            guard sawImages else { throw IngotError.invalid("file", "no \"Images\" array (expected the output of `aws ec2 describe-images`)") }
        default:
            throw IngotError.invalid("file", "expected the JSON output of `aws ec2 describe-images` ({\"Images\":[...]})")
        }
        guard try p.atEnd() else { throw IngotError.invalid("file", "unexpected data after the document at byte \(p.offset)") }
    }
}
