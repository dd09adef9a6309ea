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
        case .array(let values):
            var c = encoder.unkeyedContainer()
            for v in values { try c.encode(v) }
        case .object(let values):
            var c = encoder.container(keyedBy: DynamicKey.self)
            for (k, v) in values { try c.encode(v, forKey: DynamicKey(k)) }
        case .null, .bool, .int, .double, .string:
            var c = encoder.singleValueContainer()
            switch self {
            case .bool(let b): try c.encode(b)
            case .int(let i): try c.encode(i)
            case .double(let d): try c.encode(d)
            case .string(let s): try c.encode(s)
            default: try c.encodeNil()
            }
        }
    }

    /// Parses a JSON document with the pull parser: much faster than `JSONDecoder`, which can only
    /// find a value's type by trying each and catching the errors.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        let parser = JSONPullParser(bytes: bytes)
        let value = try read(parser, depth: 0)
        guard try parser.atEnd() else { throw IngotError.invalid("json", "text after the JSON value") }
        return value
    }

    public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }

    /// Nesting deeper than this is refused, as the pull parser refuses it when skipping.
    static let maxDepth = 512

    private static func read(_ p: JSONPullParser, depth: Int) throws -> JSONValue {
        guard depth < maxDepth else { throw IngotError.invalid("json", "nested deeper than \(maxDepth) levels") }
        switch try p.peekKind() {
        case .object:
            try p.beginObject()
            var members: [String: JSONValue] = [:]
            while let key = try p.nextKey() { members[key] = try read(p, depth: depth + 1) }
            return .object(members)
        case .array:
            try p.beginArray()
            var elements: [JSONValue] = []
            while try p.nextElement() { elements.append(try read(p, depth: depth + 1)) }
            return .array(elements)
        case .string: return .string(try p.readString())
        case .bool: return .bool(try p.readBool())
        case .null:
            _ = try p.readNull()
            return .null
        case .number:
            let text = try p.readNumberText()
            if let i = Int64(text) { return .int(i) }
            guard let d = Double(text), d.isFinite else { throw IngotError.invalid("json", "'\(text)' is not a number a double can hold") }
            return .double(d)
        }
    }

    /// Compact JSON text with keys sorted (one spelling per value, as the store keeps it).
    public var text: String {
        var out: [UInt8] = []
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .double(let d): out += Array((d.isFinite ? "\(d)" : "null").utf8)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (n, v) in values.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                v.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (n, key) in members.keys.sorted().enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                members[key]?.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// This value with every object key's first letter changed by `transform`, all the way down:
    /// the AWS CLI's PascalCase (`VolumeSize`) and the API's camelCase (`volumeSize`) name the same
    /// field. Values, including strings that look like keys, are left alone.
    public func rekeyed(_ transform: (String) -> String) -> JSONValue {
        switch self {
        case .array(let values): .array(values.map { $0.rekeyed(transform) })
        case .object(let members): .object(Self.rekeyed(members, transform))
        default: self
        }
    }

    /// An object's members with their keys changed by `transform`: all the way down, or only its own
    /// keys (`deep` false) when the values are read on their own terms.
    public static func rekeyed(_ members: [String: JSONValue], deep: Bool = true, _ transform: (String) -> String) -> [String: JSONValue] {
        Dictionary(members.map { (transform($0.key), deep ? $0.value.rekeyed(transform) : $0.value) }, uniquingKeysWith: { a, _ in a })
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

    /// JSON has one kind of number: `1552` and `1552.0` are the same value (what one reader takes for an
    /// integer another may read as a double).
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): Int64(exactly: y) == x
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .string(let s): hasher.combine(s)
        case .array(let a): hasher.combine(a)
        case .object(let o): hasher.combine(o)
        case .int(let i): hasher.combine(i)
        case .double(let d):
            // A whole double hashes as the integer it equals.
            if let i = Int64(exactly: d) { hasher.combine(i) } else { hasher.combine(d) }
        }
    }

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
