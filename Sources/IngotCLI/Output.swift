import Foundation
import IngotCore
import Yams

/// The one table renderer and the one JSON printer of the CLI.
enum Output {
    /// `--output json` (pretty, AWS's names in camelCase) or `--output yaml` (the same document, as
    /// the AWS CLI's yaml output does it).
    static func document<T: Encodable>(_ format: OutputFormat, _ value: T) throws {
        switch format {
        case .yaml:
            // Through the JSON document, so that YAML says the same thing with the same numbers
            // (3453.435, not Yams' 3.453435e+3) and the same (sorted) keys.
            let encoder = Self.encoder
            encoder.outputFormatting = [.sortedKeys]
            let tree = try JSONValue.parse(Array(try encoder.encode(value)))
            FileHandle.standardOutput.write(Data(try Yams.serialize(node: tree.yamlNode).utf8))
        case .json, .table, .markdown:
            let encoder = Self.encoder
            encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes, .sortedKeys]
            var data = try encoder.encode(value)
            data.append(0x0A)
            FileHandle.standardOutput.write(data)
        }
    }

    /// Times as ISO-8601 with milliseconds, as every document Ingot writes has them.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Timestamp.format(date))
        }
        return encoder
    }

    /// Doctor's findings as a table.
    static func findings(_ findings: [Doctor.Finding]) {
        table(["FINDING", "REGION", "RESOURCE", "DETAIL"], findings.map { [$0.kind.rawValue, $0.region.code, $0.resource, $0.detail] })
    }

    /// "1 warning", "2 warnings".
    static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(n) \(n == 1 ? noun : plural ?? noun + "s")"
    }

    /// The terminal's width when standard output is one, else nil (pipes and files get whole lines).
    static let terminalWidth: Int? = {
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init)
    }()

    /// Splits `text` into lines of at most `width` characters at spaces (a longer word gets its own line).
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0, text.count > width else { return [text] }
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        lines.append(current)
        return lines
    }

    /// Aligned columns under upper-case headers; empty cells print as "-". On a terminal the last
    /// column wraps at its width, continuing under itself; elsewhere it is printed whole.
    static func table(_ headers: [String], _ rows: [[String]]) {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        var out = ""
        let indent = widths.dropLast().reduce(0) { $0 + $1 + 2 }
        let lastWidth = terminalWidth.map { max(20, $0 - indent - 1) }
        func line(_ cells: [String]) {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                let text = cell.isEmpty ? "-" : cell
                parts.append(i == cells.count - 1 ? text : text.padding(toLength: widths[i], withPad: " ", startingAt: 0))
            }
            guard let lastWidth, cells.count == headers.count, let last = parts.last, last.count > lastWidth else {
                out += parts.joined(separator: "  ") + "\n"
                return
            }
            let wrapped = wrap(last, width: lastWidth)
            out += (parts.dropLast() + [wrapped[0]]).joined(separator: "  ") + "\n"
            for more in wrapped.dropFirst() { out += String(repeating: " ", count: indent) + more + "\n" }
        }
        line(headers)
        for row in rows { line(row) }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// One labelled value per line, labels aligned (a summary rather than a table).
    static func fields(_ pairs: [(String, String)]) {
        let width = pairs.map(\.0.count).max() ?? 0
        line(pairs.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + ($0.1.isEmpty ? "-" : $0.1) }.joined(separator: "\n"))
    }

    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A time as AWS writes it, `2026-11-26T12:00:00.000Z`.
    static func time(_ date: Date?) -> String {
        // One format everywhere: AWS's own (as in CreationDate), the same in tables, reasons and JSON.
        date.map(Timestamp.format) ?? ""
    }
}

extension JSONValue {
    /// This document as a YAML node, numbers written as JSON wrote them and keys sorted.
    var yamlNode: Node {
        switch self {
        case .null: Node("null", Tag(.null))
        case .bool(let b): Node(b ? "true" : "false", Tag(.bool))
        case .int(let i): Node(String(i), Tag(.int))
        case .double(let d): Node("\(d)", Tag(.float))
        case .string(let s):
            // Quoted when a YAML reader would take the plain text for something else (a number, a date, true).
            Resolver.default.resolveTag(of: Node(s)) == .str ? Node(s, Tag(.str)) : Node(s, Tag(.str), .singleQuoted)
        case .array(let items): Node(items.map(\.yamlNode))
        case .object(let members): Node(members.keys.sorted().map { (Node($0, Tag(.str)), members[$0]?.yamlNode ?? Node("null", Tag(.null))) })
        }
    }
}
