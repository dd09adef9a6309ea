/// An AWS commercial region code such as `us-east-1`.
///
/// ```swift
/// let region = try Region("eu-west-1")
/// ```
public struct Region: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let code: String

    /// Every current commercial AWS region (GovCloud and China partitions excluded).
    public static let all: [String] = [
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
        "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1",
        "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
        "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
        "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    ]
    private static let known = Set(all)

    public init(_ code: String, field: String = "region") throws {
        guard Region.known.contains(code) else {
            throw IngotError.invalid(field, "unknown region '\(code)'; valid regions: \(Region.all.joined(separator: ", "))")
        }
        self.code = code
    }

    /// For codes already known valid (constants, the store's own rows).
    public init(trusted code: String) { self.code = code }

    public static let usEast1 = Region(trusted: "us-east-1")
    public static let euWest1 = Region(trusted: "eu-west-1")
    public static let apSoutheast2 = Region(trusted: "ap-southeast-2")
    public static let usWest2 = Region(trusted: "us-west-2")

    /// The region's first three Availability Zones (`us-east-1a` ...).
    public var availabilityZones: [String] { ["a", "b", "c"].map { code + $0 } }

    public var description: String { code }
    public static func < (a: Region, b: Region) -> Bool { a.code < b.code }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(code)
    }
}
