/// A streaming JSON reader over bytes that arrive in chunks: it holds one chunk, never the document,
/// so a 560 MB `describe-images` file is read in constant memory. Foundation's JSON decoders need
/// the whole document (and several times its size) in memory, and no package in our set streams.
///
/// ```swift
/// let p = JSONPullParser(chunkSize: 1 << 20) { buffer in fread(buffer.baseAddress, 1, buffer.count, file) }
/// try p.beginObject()
/// while let key = try p.nextKey() { if key == "Images" { ... } else { try p.skipValue() } }
/// ```
public final class JSONPullParser {
    public typealias Fill = (UnsafeMutableRawBufferPointer) throws -> Int

    private var buffer: UnsafeMutableRawBufferPointer
    private var pos = 0
    private var end = 0
    private var eof = false
    private let fill: Fill
    /// Bytes consumed before the current buffer, for error positions and progress.
    public private(set) var offsetBase = 0
    private var scratch: [UInt8] = []
    /// After `beginObject`/`beginArray`, whether the next member is the first (no comma before it).
    private var first: [Bool] = []

    public init(chunkSize: Int = 1 << 20, fill: @escaping Fill) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 64), alignment: 8)
        self.fill = fill
    }

    /// Parses an in-memory document.
    public convenience init(bytes: [UInt8]) {
        var offset = 0
        self.init(chunkSize: max(bytes.count, 64)) { out in
            let n = min(out.count, bytes.count - offset)
            for i in 0..<n { out[i] = bytes[offset + i] }
            offset += n
            return n
        }
    }

    deinit { buffer.deallocate() }

    public var offset: Int { offsetBase + pos }

    // MARK: Bytes

    @inline(__always)
    private func refill() throws -> Bool {
        if eof { return false }
        offsetBase += end
        pos = 0
        end = try fill(buffer)
        if end <= 0 { end = 0; eof = true; return false }
        return true
    }

    @inline(__always)
    private func peekRaw() throws -> UInt8? {
        if pos < end { return buffer[pos] }
        return try refill() ? buffer[pos] : nil
    }

    // Hot loops copy `buffer`, `pos` and `end` into locals: each access to a class property pays a
    // dynamic exclusivity check.
    @inline(__always)
    private func peek() throws -> UInt8? {
        while true {
            let buf = buffer, e = end
            var i = pos
            while i < e {
                let c = buf[i]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1; continue }
                pos = i
                return c
            }
            pos = i
            if try !refill() { return nil }
        }
    }

    /// The last key read (by name, or by its place in a `Keys` set), to name the field in errors.
    private var lastKeyText: String?
    private var lastKeyNames: [[UInt8]] = []
    private var lastKeyIndex = -1

    /// Malformed input is the input's fault: exit 2, as any bad input. The message names the field
    /// whose value was being read, where one was.
    private func fail(_ what: String) -> IngotError {
        var field = lastKeyText
        if field == nil, lastKeyNames.indices.contains(lastKeyIndex) { field = String(decoding: lastKeyNames[lastKeyIndex], as: UTF8.self) }
        return IngotError.invalid("file", "malformed JSON at byte \(offset)\(field.map { " (field \"\($0)\")" } ?? ""): \(what)")
    }

    private func expect(_ c: UInt8) throws {
        guard let b = try peek(), b == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
        pos += 1
    }

    // MARK: Structure

    public func beginObject() throws { try expect(UInt8(ascii: "{")); first.append(true) }
    public func beginArray() throws { try expect(UInt8(ascii: "[")); first.append(true) }

    /// The next key of the current object, or nil after its closing brace.
    public func nextKey() throws -> String? {
        guard try nextMember(closing: UInt8(ascii: "}")) else { return nil }
        let key = try readString()
        try expect(UInt8(ascii: ":"))
        lastKeyText = key
        return key
    }

    /// A fixed set of keys to match without allocating a string per key.
    public struct Keys: Sendable {
        let keys: [[UInt8]]
        let index: [String: Int]
        public init(_ keys: [String]) {
            self.keys = keys.map { Array($0.utf8) }
            index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        }
    }

    /// The next key of the current object as its position in `keys` (-1 when not among them),
    /// or nil after the closing brace.
    public func nextKey(in keys: Keys) throws -> Int? {
        guard try nextMember(closing: UInt8(ascii: "}")) else { return nil }
        guard let c = try peek(), c == UInt8(ascii: "\"") else { throw fail("expected a key") }
        let buf = buffer, e = end
        var i = pos + 1
        while i < e, buf[i] != UInt8(ascii: "\""), buf[i] != UInt8(ascii: "\\") { i += 1 }
        let found: Int
        if i < e, buf[i] == UInt8(ascii: "\"") {
            let start = pos + 1, count = i - start
            var match = -1
            let slice = UnsafeRawBufferPointer(rebasing: buf[start..<i])
            for (n, key) in keys.keys.enumerated() where key.count == count && key.elementsEqual(slice) {
                match = n
                break
            }
            pos = i + 1
            found = match
        } else {
            found = keys.index[try readString()] ?? -1
        }
        try expect(UInt8(ascii: ":"))
        lastKeyText = nil
        lastKeyNames = keys.keys
        lastKeyIndex = found
        return found
    }

    /// Whether the current array has another element (positioned on it), false after its `]`.
    public func nextElement() throws -> Bool { try nextMember(closing: UInt8(ascii: "]")) }

    private func nextMember(closing: UInt8) throws -> Bool {
        guard let c = try peek() else { throw fail("unexpected end of input") }
        if c == closing {
            pos += 1
            first.removeLast()
            return false
        }
        if first[first.count - 1] {
            first[first.count - 1] = false
        } else {
            guard c == UInt8(ascii: ",") else { throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))'") }
            pos += 1
        }
        return true
    }

    public enum Kind { case object, array, string, number, bool, null }

    public func peekKind() throws -> Kind {
        switch try peek() {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        case .some: .number
        case nil: throw fail("unexpected end of input")
        }
    }

    // MARK: Scalars

    public func readString() throws -> String {
        try expect(UInt8(ascii: "\""))
        // Fast path: the whole string, without escapes, inside the buffer.
        let buf = buffer, e = end, start = pos
        var i = start
        while i < e {
            let c = buf[i]
            if c == UInt8(ascii: "\"") {
                pos = i + 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            i += 1
        }
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard let c = try peekRaw() else { throw fail("unterminated string") }
            pos += 1
            if c == UInt8(ascii: "\"") { return String(decoding: scratch, as: UTF8.self) }
            if c != UInt8(ascii: "\\") { scratch.append(c); continue }
            guard let e = try peekRaw() else { throw fail("unterminated escape") }
            pos += 1
            switch e {
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard try peekRaw() == UInt8(ascii: "\\") else { throw fail("lone surrogate") }
                    pos += 1
                    guard try peekRaw() == UInt8(ascii: "u") else { throw fail("lone surrogate") }
                    pos += 1
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("lone surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw fail("bad \\u escape") }
                scratch.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: scratch.append(e)
            }
        }
    }

    /// Consumes a string without building it.
    private func skipString() throws {
        try expect(UInt8(ascii: "\""))
        while true {
            let buf = buffer, e = end
            var i = pos
            while i < e {
                let c = buf[i]
                i += 1
                if c == UInt8(ascii: "\"") { pos = i; return }
                if c == UInt8(ascii: "\\") {
                    pos = i
                    guard try peekRaw() != nil else { throw fail("unterminated escape") }
                    pos += 1
                    return try skipStringRest()
                }
            }
            pos = i
            if try !refill() { throw fail("unterminated string") }
        }
    }

    /// The rest of a string after an escape (rare): byte by byte.
    private func skipStringRest() throws {
        while let c = try peekRaw() {
            pos += 1
            if c == UInt8(ascii: "\"") { return }
            if c == UInt8(ascii: "\\") {
                guard try peekRaw() != nil else { throw fail("unterminated escape") }
                pos += 1
            }
        }
        throw fail("unterminated string")
    }

    private func hex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = try peekRaw() else { throw fail("bad \\u escape") }
            pos += 1
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            default: throw fail("bad \\u escape")
            }
            v = v << 4 | d
        }
        return v
    }

    /// A number as text (JSON grammar characters), for the caller to convert.
    public func readNumberText() throws -> String {
        guard try peek() != nil else { throw fail("unexpected end of input") }
        scratch.removeAll(keepingCapacity: true)
        while let c = try peekRaw() {
            switch c {
            case 0x30...0x39, UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                scratch.append(c)
                pos += 1
            default:
                guard !scratch.isEmpty else { throw fail("expected a value") }
                return String(decoding: scratch, as: UTF8.self)
            }
        }
        guard !scratch.isEmpty else { throw fail("expected a value") }
        return String(decoding: scratch, as: UTF8.self)
    }

    public func readInt() throws -> Int {
        let text = try readNumberText()
        if let v = Int(text) { return v }
        if let d = Double(text), d.rounded() == d, abs(d) < 9e15 { return Int(d) }
        throw fail("'\(text)' is not an integer")
    }

    public func readBool() throws -> Bool {
        switch try peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: throw fail("expected true or false")
        }
    }

    /// Consumes `null` and returns true, or returns false leaving the value in place.
    public func readNull() throws -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private func literal(_ word: StaticString) throws {
        let bytes = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for b in bytes {
            guard try peekRaw() == b else { throw fail("expected \(word)") }
            pos += 1
        }
    }

    /// Skips one value of any kind.
    public func skipValue() throws {
        switch try peekKind() {
        case .object:
            try beginObject()
            guard first.count <= Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
            while try nextKey() != nil { try skipValue() }
        case .array:
            try beginArray()
            guard first.count <= Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
            while try nextElement() { try skipValue() }
        case .string: try skipString()
        case .number: _ = try readNumberText()
        case .bool: _ = try readBool()
        case .null: _ = try readNull()
        }
    }

    /// True when only whitespace remains.
    public func atEnd() throws -> Bool { try peek() == nil }

    /// Deeper documents are refused rather than recursed into (the stack is finite).
    public static let maxDepth = 512
}
