/// An Image Builder style semantic version with a build number: `2.4.0/3`.
public struct ImageVersion: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    public var build: Int

    public init(major: Int, minor: Int, patch: Int, build: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.build = build
    }

    /// Parses `x.y.z/build` given by a user; the error names `field`.
    public init(_ text: String, field: String = "version") throws {
        guard let v = ImageVersion(parsing: text) else {
            throw IngotError.invalid(field, "'\(text)' is not a version of the form MAJOR.MINOR.PATCH/BUILD (e.g. 2.4.0/3)")
        }
        self = v
    }

    /// Lenient parse used on data read from elsewhere: nil when `text` is not `x.y.z/b`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let build = Int(parts[1]), build >= 0 else { return nil }
        let nums = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard nums.count == 3, let a = Int(nums[0]), let b = Int(nums[1]), let c = Int(nums[2]),
              a >= 0, b >= 0, c >= 0 else { return nil }
        self.init(major: a, minor: b, patch: c, build: build)
    }

    public var description: String { "\(major).\(minor).\(patch)/\(build)" }

    public static func < (l: ImageVersion, r: ImageVersion) -> Bool {
        (l.major, l.minor, l.patch, l.build) < (r.major, r.minor, r.patch, r.build)
    }

    public init(from decoder: any Decoder) throws { try self.init(decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(description) }
}
