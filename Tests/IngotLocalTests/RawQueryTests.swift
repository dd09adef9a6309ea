import Foundation
import GRDB
import Testing
import IngotCore
@testable import IngotLocal

/// The C-API reader the hot paths use instead of GRDB rows: what it returns must be what GRDB's rows
/// return (the oracle here), and a statement it stopped must run again from the start.
@Suite struct RawQueryTests {
    @Test func columnsReadByPositionMatchGRDBsRowsNullsIncluded() async throws {
        let f = try await Fixture()
        let sql = "SELECT key, value, NULL, 42, -7 FROM meta ORDER BY key"
        let (raw, grdb) = try await f.cloud.store.read { db in
            (try RawQuery.all(db, sql, []) { r in [r.text(0), r.optionalText(1) ?? "nil", r.optionalText(2) ?? "nil", "\(r.int(3))", "\(r.optionalInt64(4) ?? 0)", "\(r.isNull(2))"] },
             try Row.fetchAll(db, sql: sql).map { r in [r[0] as String, (r[1] as String?) ?? "nil", (r[2] as String?) ?? "nil", "\(r[3] as Int)", "\(r[4] as Int64)", "\(r[2] as String? == nil)"] })
        }
        #expect(!raw.isEmpty)
        #expect(raw == grdb)
    }

    @Test func aBodyThatThrowsStopsTheQueryAndTheStatementRunsAgainFromTheStart() async throws {
        let f = try await Fixture()
        struct Stop: Error {}
        let sql = "SELECT key FROM meta ORDER BY key"
        let (all, again) = try await f.cloud.store.write { db in
            let all = try RawQuery.all(db, sql, []) { $0.text(0) }
            #expect(throws: Stop.self) { try RawQuery.forEach(db, sql, []) { _ in throw Stop() } }
            // The same cached statement, stopped at its first row, reads from the start again (with the
            // row written since).
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('zz-raw-query-test', 'x')")
            return (all, try RawQuery.all(db, sql, []) { $0.text(0) })
        }
        #expect(again == all + ["zz-raw-query-test"])
    }

    @Test func firstIsNilWithoutRowsAndSQLErrorsAreThrown() async throws {
        let f = try await Fixture()
        let none = try await f.cloud.store.read { db in try RawQuery.first(db, "SELECT key FROM meta WHERE key = ?", ["no such key"]) { $0.text(0) } }
        #expect(none == nil)
        await #expect(throws: (any Error).self) {
            _ = try await f.cloud.store.read { db in try RawQuery.first(db, "SELECT CAST(? AS INTEGER) / 0 + abs(-9223372036854775808)", [1]) { $0.int(0) } }
        }
    }
}
