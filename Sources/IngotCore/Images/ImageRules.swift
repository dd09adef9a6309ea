#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AWS's rules for AMIs that both backends (and the CLI's validation) share. Pure functions.
public enum ImageRules {
    /// EnableImageDeprecation's DeprecateAt: rounded to the nearest minute, in the future, at most
    /// 10 years ahead, and for a public image at most 2 years after its creation date.
    public static func deprecationTime(_ requested: Date, now: Date, image: Image? = nil) throws -> Date {
        let seconds = requested.timeIntervalSince1970
        let rounded = Date(timeIntervalSince1970: (seconds / 60).rounded(.toNearestOrAwayFromZero) * 60)
        guard rounded > now else {
            throw IngotError.invalid(
                "deprecate-at", "\(Timestamp.format(rounded)) is not in the future (now is \(Timestamp.format(now)))",
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
    public static let defaultEBSKey = "alias/aws/ebs"
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
