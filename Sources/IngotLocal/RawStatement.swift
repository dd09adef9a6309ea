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
/// SQLite's per-statement cost dominates for index-table rows of three columns.
struct BulkInsert {
    private let db: Database
    private let prefix: String
    private let columns: Int
    private let chunk: Int
    private var full: RawStatement?
    private var rows: [[Value]] = []

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
        rows.reserveCapacity(chunk)
    }

    private func sql(rows n: Int) -> String {
        let one = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        return prefix + " VALUES " + Array(repeating: one, count: n).joined(separator: ",")
    }

    /// Adds a row; returns how many rows the statements run so far changed.
    @discardableResult
    mutating func add(_ row: [Value]) throws -> Int {
        rows.append(row)
        return rows.count == chunk ? try flush() : 0
    }

    /// Writes what is pending; returns the rows changed.
    @discardableResult
    mutating func flush() throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let statement: RawStatement
        if rows.count == chunk {
            if full == nil { full = try RawStatement(db, sql(rows: chunk)) }
            statement = try full ?? RawStatement(db, sql(rows: chunk))
        } else {
            statement = try RawStatement(db, sql(rows: rows.count))
        }
        var i: Int32 = 1
        for row in rows {
            for value in row { value.bind(statement, i); i += 1 }
        }
        try statement.step()
        rows.removeAll(keepingCapacity: true)
        return db.changesCount
    }
}
