#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Any JSON value, kept as it was read: integers stay integers, and an object keeps every key.
/// Launch template data is held this way so that fields Ingot has no type for (and fields AWS adds
/// later) survive an import, a refresh and an export unchanged.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var values: [JSONValue] = []
            while !list.isAtEnd { values.append(try list.decode(JSONValue.self)) }
            self = .array(values)
            return
        }
        if let object = try? decoder.container(keyedBy: DynamicKey.self) {
            var values: [String: JSONValue] = [:]
            for key in object.allKeys { values[key.stringValue] = try object.decode(JSONValue.self, forKey: key) }
            self = .object(values)
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .int(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .double(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let values):
            var c = encoder.unkeyedContainer()
            for v in values { try c.encode(v) }
        case .object(let values):
            var c = encoder.container(keyedBy: DynamicKey.self)
            for (k, v) in values { try c.encode(v, forKey: DynamicKey(k)) }
        }
    }

    /// This value with every object key's first letter changed by `transform`, all the way down:
    /// the AWS CLI's PascalCase (`VolumeSize`) and the API's camelCase (`volumeSize`) name the same
    /// field. Values, including strings that look like keys, are left alone.
    public func rekeyed(_ transform: (String) -> String) -> JSONValue {
        switch self {
        case .array(let values): .array(values.map { $0.rekeyed(transform) })
        case .object(let values): .object(Dictionary(values.map { (transform($0.key), $0.value.rekeyed(transform)) }, uniquingKeysWith: { a, _ in a }))
        default: self
        }
    }

    /// `VolumeSize` -> `volumeSize`.
    public static func camelCase(_ key: String) -> String { key.prefix(1).lowercased() + key.dropFirst() }
    /// `volumeSize` -> `VolumeSize`.
    public static func pascalCase(_ key: String) -> String { key.prefix(1).uppercased() + key.dropFirst() }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var int: Int? {
        switch self {
        case .int(let i): Int(exactly: i)
        case .double(let d): Int(exactly: d)
        default: nil
        }
    }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }

    /// The JSON type's name, for messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
