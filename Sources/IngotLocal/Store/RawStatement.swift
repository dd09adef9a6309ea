import GRDB
import GRDBSQLite

/// Binds and steps a cached GRDB statement through SQLite's C API: the store's write paths insert
/// millions of rows on import, and building `StatementArguments` per row costs more than the insert.
struct RawStatement {
    let handle: OpaquePointer
    let db: Database

    init(_ db: Database, _ sql: String) throws {
        self.db = db
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    func bind(_ i: Int32, _ value: String?) {
        guard let value else { sqlite3_bind_null(handle, i); return }
        var v = value
        v.withUTF8 { buf in
            _ = buf.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                    sqlite3_bind_text(handle, i, $0, Int32(buf.count), Self.transient)
                }
            } ?? sqlite3_bind_text(handle, i, "", 0, Self.transient)
        }
    }

    func bind(_ i: Int32, _ value: Int64?) {
        guard let value else { sqlite3_bind_null(handle, i); return }
        sqlite3_bind_int64(handle, i, value)
    }

    func bind(_ i: Int32, _ value: Int?) { bind(i, value.map(Int64.init)) }
    func bind(_ i: Int32, _ value: Bool?) { bind(i, value.map { $0 ? Int64(1) : 0 }) }

    /// Runs the statement to completion and resets it for the next row.
    func step() throws {
        let rc = sqlite3_step(handle)
        defer { sqlite3_reset(handle); sqlite3_clear_bindings(handle) }
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}

/// Inserts many narrow rows with one multi-row `INSERT ... VALUES (...), (...)` per `chunk` rows:
/// SQLite's per-statement cost dominates for index-table rows of three columns. Values wait in one
/// flat array (no allocation per row).
struct BulkInsert {
    private let db: Database
    private let prefix: String
    private let columns: Int
    private let chunk: Int
    private var full: RawStatement?
    private var values: [Value] = []

    enum Value {
        case text(String?)
        case int(Int64?)

        func bind(_ s: RawStatement, _ i: Int32) {
            switch self {
            case .text(let v): s.bind(i, v)
            case .int(let v): s.bind(i, v)
            }
        }
    }

    /// `prefix` is everything up to `VALUES`, e.g. `INSERT OR IGNORE INTO image_tag (key, value, image)`.
    init(_ db: Database, _ prefix: String, columns: Int, chunk: Int = 64) {
        self.db = db
        self.prefix = prefix
        self.columns = columns
        self.chunk = chunk
        values.reserveCapacity(chunk * columns)
    }

    private func sql(rows n: Int) -> String {
        let one = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        return prefix + " VALUES " + Array(repeating: one, count: n).joined(separator: ",")
    }

    /// Adds the next value of the current row.
    mutating func append(_ value: Value) { values.append(value) }

    /// Ends a row (after `columns` appends); returns how many rows the statements run so far changed.
    @discardableResult
    mutating func endRow() throws -> Int {
        values.count == chunk * columns ? try flush() : 0
    }

    /// Writes what is pending; returns the rows changed.
    @discardableResult
    mutating func flush() throws -> Int {
        guard !values.isEmpty else { return 0 }
        let rows = values.count / columns
        let statement: RawStatement
        if rows == chunk {
            if full == nil { full = try RawStatement(db, sql(rows: chunk)) }
            statement = try full ?? RawStatement(db, sql(rows: chunk))
        } else {
            statement = try RawStatement(db, sql(rows: rows))
        }
        for (i, value) in values.enumerated() { value.bind(statement, Int32(i + 1)) }
        try statement.step()
        values.removeAll(keepingCapacity: true)
        return db.changesCount
    }
}

/// Reads the rows of a cached GRDB statement through SQLite's C API (GRDB validates and binds the
/// arguments). GRDB's row cursors index every column by its lowercased name at each fetch, which
/// costs more than a narrow query by key itself: the catch-up's hottest reads (images by id,
/// templates and their versions, parameters, Image Builder rows) run thousands of times.
enum RawQuery {
    /// Calls `body` for each row, then resets the statement (also when `body` or a step throws).
    /// `body` must not run SQL of its own: it reads the row in place.
    static func forEach(_ db: Database, _ sql: String, _ arguments: StatementArguments, _ body: (RawRow) throws -> Void) throws {
        try rows(db, sql, arguments) { try body($0); return true }
    }

    /// The rows, each made by `row`.
    static func all<T>(_ db: Database, _ sql: String, _ arguments: StatementArguments, _ row: (RawRow) throws -> T) throws -> [T] {
        var out: [T] = []
        try forEach(db, sql, arguments) { out.append(try row($0)) }
        return out
    }

    /// The first row, made by `row` (nil: none).
    static func first<T>(_ db: Database, _ sql: String, _ arguments: StatementArguments, _ row: (RawRow) throws -> T) throws -> T? {
        var found: T?
        try rows(db, sql, arguments) { found = try row($0); return false }
        return found
    }

    /// Steps through the rows while `body` answers true, then resets the statement.
    private static func rows(_ db: Database, _ sql: String, _ arguments: StatementArguments, _ body: (RawRow) throws -> Bool) throws {
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let rc = sqlite3_step(handle)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
            }
            guard try body(RawRow(handle: handle)) else { return }
        }
    }
}

/// The current row of a ``RawQuery``: columns by position, valid only inside its closure.
struct RawRow {
    let handle: OpaquePointer

    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }

    /// The column's text ("" for NULL).
    func text(_ i: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, i) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, i))), as: UTF8.self)
    }

    func optionalText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }
    func int64(_ i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }
    func optionalInt64(_ i: Int32) -> Int64? { isNull(i) ? nil : int64(i) }
    func int(_ i: Int32) -> Int { Int(int64(i)) }
    func optionalInt(_ i: Int32) -> Int? { isNull(i) ? nil : int(i) }
    func bool(_ i: Int32) -> Bool { int64(i) != 0 }
}
