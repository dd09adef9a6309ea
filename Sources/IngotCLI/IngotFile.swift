import Foundation
import IngotCore
import Yams

/// Reads YAML files into the library's configuration types (`IngotConfig`, `SelectorSpec.File`), which
/// check their own keys and values; a file that is not YAML of that shape is exit 2 naming `field`.
enum YAMLFile {
    static func decode<T: Decodable>(_ type: T.Type, path: String, field: String, what: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else { throw IngotError.invalid(field, "cannot read \(path)") }
        do {
            return try YAMLDecoder().decode(type, from: String(decoding: data, as: UTF8.self))
        } catch let e as IngotError {
            throw e
        } catch DecodingError.dataCorrupted(let context) where context.underlyingError is IngotError {
            // Yams wraps what a value's init(from:) throws: the library's own message is the one to show.
            throw context.underlyingError as? IngotError ?? IngotError.invalid(field, "\(path) is not \(what)")
        } catch {
            throw IngotError.invalid(field, "\(path) is not \(what): \(error)")
        }
    }

    /// `ingot.yaml` (`-f`).
    static func config(_ path: String) throws -> IngotConfig {
        try decode(IngotConfig.self, path: path, field: "file", what: "an ingot.yaml")
    }

    /// A selector file (`--selector`).
    static func selector(_ path: String) throws -> ImageSelector {
        try decode(SelectorSpec.File.self, path: path, field: "selector", what: "a selector").spec.selector(field: "selector")
    }
}

/// A JSON option as the AWS CLI takes one: the JSON itself, a file, or `file://FILE`.
enum JSONArgument {
    static func read(_ text: String, field: String, what: String) throws -> JSONValue {
        let path = text.hasPrefix("file://") ? String(text.dropFirst("file://".count)) : text
        let json = FileManager.default.fileExists(atPath: path) ? (FileManager.default.contents(atPath: path) ?? Data()) : Data(text.utf8)
        guard let value = try? JSONValue.parse(Array(json)) else {
            throw IngotError.invalid(field, "is not JSON (\(what)), nor a file holding it")
        }
        return value
    }
}
