/// A resource tag. Keys are 1-128 characters, values 0-256; `aws:` keys are reserved for AWS.
public struct Tag: Sendable, Hashable, Codable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case key, value }

    /// EC2's Tag.Value is optional in its model: an absent value reads as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
    }

    /// Parses `KEY=VALUE` (the value may be empty) as given on the command line.
    public init(parsing text: String, field: String = "tag") throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw IngotError.invalid(field, "'\(text)' is not KEY=VALUE")
        }
        try self.init(validating: String(text[..<eq]), value: String(text[text.index(after: eq)...]), field: field)
    }

    public init(validating key: String, value: String, field: String = "tag") throws {
        guard (1...128).contains(key.count) else {
            throw IngotError.invalid(field, "tag key '\(key)' must be 1 to 128 characters", code: "InvalidParameterValue")
        }
        guard value.count <= 256 else {
            throw IngotError.invalid(field, "tag value for '\(key)' must be at most 256 characters", code: "InvalidParameterValue")
        }
        guard !key.lowercased().hasPrefix("aws:") else {
            throw IngotError.invalid(field, "tag keys starting with 'aws:' are reserved for AWS", code: "InvalidParameterValue")
        }
        self.init(key: key, value: value)
    }
}

extension Array where Element == Tag {
    /// The value of `key`, if tagged.
    public subscript(tag key: String) -> String? { first { $0.key == key }?.value }

    /// Tags with `key` replaced or added, keeping order (AWS keeps one value per key).
    public func setting(_ tags: [Tag]) -> [Tag] {
        var result = self
        for tag in tags {
            if let i = result.firstIndex(where: { $0.key == tag.key }) { result[i] = tag } else { result.append(tag) }
        }
        return result
    }
}
