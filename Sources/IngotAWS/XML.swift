/// One element of an AWS XML response: its local name, its text, its child elements.
///
/// AWS's Query APIs answer with plain XML (no DTDs, no external entities, namespaces only as a
/// default `xmlns`), so ``XMLDocument`` parses just that: elements, attributes (skipped), text,
/// CDATA, comments, processing instructions and the predefined and numeric character references.
/// It works on bytes in one pass, which keeps a 10,000-image DescribeImages page fast.
public struct XMLElement: Sendable, Hashable {
    /// The local name (a namespace prefix is dropped).
    public var name: String
    /// The element's own text (character data directly inside it), unmodified.
    public var text: String
    public var children: [XMLElement]

    public init(name: String, text: String = "", children: [XMLElement] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// Every child named `name`.
    public func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// The element at a path of child names (`"Errors/Error/Code"`).
    public func at(_ path: String) -> XMLElement? {
        var node: XMLElement? = self
        for part in path.split(separator: "/") { node = node?.child(String(part)) }
        return node
    }

    /// The text of the child at `path`; nil when absent (an empty element gives "").
    public func string(_ path: String) -> String? { at(path)?.text }

    /// EC2's list shape: `<setName><item>...</item>...</setName>` (empty or absent: no items).
    public func items(_ setName: String) -> [XMLElement] { child(setName)?.children("item") ?? [] }

    /// Auto Scaling's list shape: `<listName><member>...</member>...</listName>`.
    public func members(_ listName: String) -> [XMLElement] { child(listName)?.children("member") ?? [] }
}

/// Parses an XML document into its root ``XMLElement``.
public enum XMLDocument {
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "malformed XML at byte \(offset): \(reason)" }
    }

    public static func parse(_ text: String) throws -> XMLElement { try parse(Array(text.utf8)) }

    public static func parse(_ bytes: [UInt8]) throws -> XMLElement {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(b: buffer)
            return try parser.document()
        }
    }

    private struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0

        init(b: UnsafeBufferPointer<UInt8>) { self.b = b }

        func fail(_ reason: String) -> SyntaxError { SyntaxError(offset: i, reason: reason) }

        mutating func document() throws -> XMLElement {
            // Open elements: name and collected text bytes and children.
            var stack: [(name: String, text: [UInt8], children: [XMLElement])] = []
            var root: XMLElement?
            while i < b.count {
                if b[i] != UInt8(ascii: "<") {
                    let start = i
                    while i < b.count, b[i] != UInt8(ascii: "<") { i += 1 }
                    if stack.isEmpty {
                        guard b[start..<i].allSatisfy(isSpace) else { throw fail("text outside the root element") }
                    } else {
                        try appendText(b[start..<i], to: &stack[stack.count - 1].text)
                    }
                    continue
                }
                if starts(with: "<?") {
                    try skip(past: "?>")
                } else if starts(with: "<!--") {
                    try skip(past: "-->")
                } else if starts(with: "<![CDATA[") {
                    guard !stack.isEmpty else { throw fail("CDATA outside the root element") }
                    i += 9
                    let start = i
                    try skip(past: "]]>")
                    stack[stack.count - 1].text.append(contentsOf: b[start..<(i - 3)])
                } else if starts(with: "<!") {
                    // A DOCTYPE: AWS sends none, and we never expand what one declares.
                    try skip(past: ">")
                } else if starts(with: "</") {
                    i += 2
                    let name = try readName()
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: ">") else { throw fail("expected '>' closing </\(name)") }
                    i += 1
                    guard let open = stack.popLast() else { throw fail("unexpected </\(name)>") }
                    guard open.name == name else { throw fail("</\(name)> closes <\(open.name)>") }
                    let element = XMLElement(name: localName(name), text: String(decoding: open.text, as: UTF8.self), children: open.children)
                    if stack.isEmpty {
                        guard root == nil else { throw fail("a second root element") }
                        root = element
                    } else {
                        stack[stack.count - 1].children.append(element)
                    }
                } else {
                    i += 1
                    let name = try readName()
                    // Attributes: skipped (AWS puts only xmlns on its elements), quoted values honoured.
                    var selfClosing = false
                    while true {
                        guard i < b.count else { throw fail("unterminated <\(name)") }
                        let c = b[i]
                        if c == UInt8(ascii: ">") { i += 1; break }
                        if c == UInt8(ascii: "/"), i + 1 < b.count, b[i + 1] == UInt8(ascii: ">") { i += 2; selfClosing = true; break }
                        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                            i += 1
                            while i < b.count, b[i] != c { i += 1 }
                            guard i < b.count else { throw fail("unterminated attribute value in <\(name)") }
                        }
                        i += 1
                    }
                    if selfClosing {
                        let element = XMLElement(name: localName(name))
                        if stack.isEmpty {
                            guard root == nil else { throw fail("a second root element") }
                            root = element
                        } else {
                            stack[stack.count - 1].children.append(element)
                        }
                    } else {
                        guard root == nil || !stack.isEmpty else { throw fail("a second root element") }
                        stack.append((name, [], []))
                    }
                }
            }
            guard stack.isEmpty else { throw fail("<\(stack[stack.count - 1].name)> is never closed") }
            guard let root else { throw fail("no root element") }
            return root
        }

        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

        func starts(with prefix: StaticString) -> Bool {
            let n = prefix.utf8CodeUnitCount
            guard i + n <= b.count else { return false }
            let p = prefix.utf8Start
            for k in 0..<n where b[i + k] != p[k] { return false }
            return true
        }

        mutating func skip(past terminator: StaticString) throws {
            while i < b.count {
                if starts(with: terminator) { i += terminator.utf8CodeUnitCount; return }
                i += 1
            }
            throw fail("missing '\(terminator)'")
        }

        mutating func skipSpace() { while i < b.count, isSpace(b[i]) { i += 1 } }

        mutating func readName() throws -> String {
            let start = i
            while i < b.count {
                let c = b[i]
                if isSpace(c) || c == UInt8(ascii: ">") || c == UInt8(ascii: "/") || c == UInt8(ascii: "=") { break }
                i += 1
            }
            guard i > start else { throw fail("expected an element name") }
            return String(decoding: b[start..<i], as: UTF8.self)
        }

        func localName(_ name: String) -> String {
            guard let colon = name.utf8.firstIndex(of: UInt8(ascii: ":")) else { return name }
            return String(name[name.utf8.index(after: colon)...])
        }

        /// Appends character data, replacing `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#N;` `&#xH;`.
        func appendText(_ s: Slice<UnsafeBufferPointer<UInt8>>, to out: inout [UInt8]) throws {
            var k = s.startIndex
            while k < s.endIndex {
                let c = s[k]
                guard c == UInt8(ascii: "&") else { out.append(c); k += 1; continue }
                guard let semi = s[k..<s.endIndex].firstIndex(of: UInt8(ascii: ";")), semi - k <= 10 else {
                    throw SyntaxError(offset: k, reason: "unterminated character reference")
                }
                let ref = String(decoding: s[(k + 1)..<semi], as: UTF8.self)
                switch ref {
                case "lt": out.append(UInt8(ascii: "<"))
                case "gt": out.append(UInt8(ascii: ">"))
                case "amp": out.append(UInt8(ascii: "&"))
                case "quot": out.append(UInt8(ascii: "\""))
                case "apos": out.append(UInt8(ascii: "'"))
                default:
                    let scalarValue: UInt32? = ref.hasPrefix("#x") || ref.hasPrefix("#X")
                        ? UInt32(ref.dropFirst(2), radix: 16) : ref.hasPrefix("#") ? UInt32(ref.dropFirst()) : nil
                    guard let v = scalarValue, let scalar = Unicode.Scalar(v) else {
                        throw SyntaxError(offset: k, reason: "unknown character reference &\(ref);")
                    }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
                k = semi + 1
            }
        }
    }
}
