#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AWS's rules for AMIs that both backends (and the CLI's validation) share. Pure functions.
public enum ImageRules {
    /// EnableImageDeprecation's DeprecateAt: rounded to the nearest minute, now or later, at most
    /// 10 years ahead, and for a public image at most 2 years after its creation date.
    public static func deprecationTime(_ requested: Date, now: Date, image: Image? = nil) throws -> Date {
        let seconds = requested.timeIntervalSince1970
        let rounded = Date(timeIntervalSince1970: (seconds / 60).rounded(.toNearestOrAwayFromZero) * 60)
        // "You can't specify a date in the past": now (deprecate immediately) is allowed, even when the
        // minute it rounds to has begun.
        guard requested.timeIntervalSince(now) > -1 else {
            throw IngotError.invalid(
                "deprecate-at", "\(Timestamp.format(requested)) is in the past (now is \(Timestamp.format(now)))",
                code: "InvalidParameterValue")
        }
        let tenYears = Calendar.utc.date(byAdding: .year, value: 10, to: now) ?? now.addingTimeInterval(10 * 365.25 * 86_400)
        guard rounded <= tenYears else {
            throw IngotError.invalid(
                "deprecate-at", "\(Timestamp.format(rounded)) is more than 10 years ahead (latest: \(Timestamp.format(tenYears)))",
                code: "InvalidParameterValue")
        }
        if let image, image.isPublic {
            let limit = Calendar.utc.date(byAdding: .year, value: 2, to: image.creationDate) ?? image.creationDate
            guard rounded <= limit else {
                throw IngotError.invalid(
                    "deprecate-at", "a public image can be deprecated at most 2 years after its creation (latest: \(Timestamp.format(limit)))",
                    code: "InvalidParameterValue")
            }
        }
        return rounded
    }

    /// How long a CopyImage stays pending: never under 5 minutes, then about 45 s per GiB of
    /// snapshot data (an 8 GiB image lands in ~11 minutes, 1 TiB in ~13 hours).
    public static func copyDuration(totalGiB: Int, crossRegion: Bool) -> TimeInterval {
        let perGiB: TimeInterval = crossRegion ? 45 : 20
        return 300 + perGiB * TimeInterval(max(totalGiB, 0))
    }

    /// The AWS-managed EBS key used when a copy is encrypted without a KmsKeyId.
    public static let defaultEBSKey = KMSKeyReference.awsManagedEBSAlias

    /// "By default, the deprecation date of all public AMIs is set to two years from the AMI creation
    /// date. You can set the deprecation date to earlier than two years." (EC2 user guide, Deprecate an AMI.)
    public static func publicDeprecationTime(_ image: Image) -> Date {
        let twoYears = Calendar.utc.date(byAdding: .year, value: 2, to: image.creationDate) ?? image.creationDate
        // Deprecation times are whole minutes (DeprecateAt is rounded to the minute).
        let limit = Date(timeIntervalSince1970: (twoYears.timeIntervalSince1970 / 60).rounded(.down) * 60)
        return min(image.deprecationTime ?? limit, limit)
    }

    /// "To cancel the deprecation date, or to move the deprecation to a later date, you must make the AMI
    /// private by only sharing it with specific AWS accounts." AWS names no error code: Ingot uses
    /// EC2's OperationNotPermitted.
    public static func publicDeprecationRefusal(_ image: Image) -> IngotError {
        .refused("OperationNotPermitted", "Image \(image.id) is public: to cancel its deprecation date or move it later, make it private first (ingot images unshare \(image.id) --public)")
    }

    /// Why `image` cannot be shared with another account (nil: it can). EC2 user guide, Share an AMI:
    /// "You can't share AMIs that are backed by snapshots that are encrypted with the default AWS
    /// managed key." `isAWSManaged` says whether a device's key is an AWS managed key (a device
    /// encrypted without a key id uses the default one). AWS documents no error code; it answers
    /// `InvalidParameter` ("Snapshots encrypted with the AWS Managed CMK can't be shared").
    public static func sharingRefusal(_ image: Image, isAWSManaged: (BlockDeviceMapping) -> Bool) -> IngotError? {
        guard let device = image.blockDeviceMappings.first(where: { $0.encrypted == true && isAWSManaged($0) }) else { return nil }
        return .refused("InvalidParameter", "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot: \(image.id)'s \(device.snapshotId?.rawValue ?? device.deviceName) is encrypted with the AWS managed key; copy the image with --kms-key-id of a customer managed key and share the copy")
    }

    /// Making an image public while block public access for AMIs is on: AWS answers
    /// `OperationNotPermitted` (its API reference names no code).
    public static func blockPublicAccessRefusal(_ image: Image) -> IngotError {
        .refused("OperationNotPermitted", "You can't publicly share this image because block public access for AMIs is enabled for this account. To publicly share the image, you must call the DisableImageBlockPublicAccess API (ingot images block-public-access disable). (\(image.id))")
    }
}

extension Calendar {
    static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC") ?? c.timeZone
        return c
    }()
}

/// AWS filter wildcards: `*` any run of characters, `?` exactly one.
public struct WildcardPattern: Sendable, Hashable {
    public let text: String
    private let scalars: [Unicode.Scalar]

    public init(_ text: String) {
        self.text = text
        scalars = Array(text.unicodeScalars)
    }

    public var hasWildcards: Bool { scalars.contains("*") || scalars.contains("?") }

    public func matches(_ value: String) -> Bool {
        let v = Array(value.unicodeScalars)
        var p = 0, s = 0, star = -1, mark = 0
        while s < v.count {
            if p < scalars.count, scalars[p] == "?" || (scalars[p] != "*" && scalars[p] == v[s]) {
                p += 1; s += 1
            } else if p < scalars.count, scalars[p] == "*" {
                star = p; mark = s; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; s = mark
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }
}
