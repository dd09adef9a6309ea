import Foundation
import GRDB
import IngotCore

/// The local cloud's SQLite file: WAL, a busy timeout so that several processes can write, and the
/// schema's history as named migrations.
public final class Store: Sendable {
    public let path: String
    let pool: DatabasePool
    /// The store's own account (chosen at `ingot init`).
    public let account: AccountID

    /// Opens an existing store, or creates one when `create` is true.
    public init(path: String, create: Bool = false, account: AccountID = .defaultLocal) throws {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create {
            throw IngotError.invalid("store", "no store at \(path); create one with `ingot init` (or pass --store / INGOT_STORE)")
        }
        if create {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        }
        var config = Configuration()
        config.busyMode = .timeout(60)
        config.prepareDatabase { db in
            // 16 KiB pages: shallower B-trees and fewer WAL frames for bulk imports (26 s vs 32 s
            // for 1M images with 4 KiB pages). Only takes effect on a new file.
            if create { try db.execute(sql: "PRAGMA page_size = 16384") }
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Up to 32 MiB of pages per connection (SQLite's default is 2 MiB): a catch-up or a
            // distribution touches the same template, parameter and image pages again and again, and
            // rereading them from the OS took about a quarter of a simulated year's time. Memory grows only as used.
            try db.execute(sql: "PRAGMA cache_size = -32768")
            // Savepoints (each operation inside a catch-up is one) journal the pages they change: in
            // memory, not in a temporary file written and read back.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            if ProcessInfo.processInfo.environment["INGOT_DEBUG_SQL_PROFILE"] != nil {
                db.trace(options: .profile) { event in
                    if case let .profile(statement, duration) = event {
                        FileHandle.standardError.write(Data("SQLPROF\t\(duration)\t\(statement.sql.replacingOccurrences(of: "\n", with: " "))\n".utf8))
                    }
                }
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // Opening an up-to-date store only reads: a long import holding the write lock must not
            // block `images list` in another process.
            let migrator = Schema.migrator
            if try !pool.read(migrator.hasCompletedMigrations) {
                do { try migrator.migrate(pool) } catch where (try? pool.read(migrator.hasCompletedMigrations)) == true {
                    // Another process migrated the store at the same moment: nothing is left to do.
                }
            }
            if let existing = try pool.read({ try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'account'") }) {
                self.account = AccountID(trusted: existing)
            } else {
                try pool.write { db in
                    try db.execute(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES ('account', ?)", arguments: [account.rawValue])
                }
                self.account = try pool.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'account'") }
                    .map(AccountID.init(trusted:)) ?? account
            }
        } catch let error as DatabaseError {
            throw IngotError.failed("store \(path): \(error.message ?? error.description)")
        }
        self.path = path
    }

    /// Runs `body` in one write transaction (IMMEDIATE: concurrent writers queue on the busy timeout).
    /// Inside ``transaction(_:)``, in a savepoint of that transaction instead.
    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        if let open = openTransaction {
            // A savepoint per operation, through statements compiled once (a catch-up runs tens of
            // thousands of operations in its transactions).
            return try mapErrorsNow {
                try Savepoint.begin("operation", open.db)
                do {
                    let result = try body(open.db)
                    try Savepoint.release("operation", open.db)
                    return result
                } catch {
                    Savepoint.rollback("operation", open.db)
                    throw error
                }
            }
        }
        return try await mapErrors { try await pool.write(body) }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        if let open = openTransaction { return try mapErrorsNow { try body(open.db) } }
        return try await mapErrors { try await pool.read(body) }
    }

    /// The write transaction `transaction(_:)` holds, when the current task runs inside one of this store's.
    private var openTransaction: OpenTransaction? {
        guard let open = OpenTransaction.current, open.store == ObjectIdentifier(self) else { return nil }
        return open
    }

    /// Runs `work` (async code over the local cloud: several operations) in one write transaction:
    /// all of it commits, or none. The operations it calls run on the transaction directly, each in a
    /// savepoint (a refused one leaves nothing behind), on the writer's thread: `work` runs there, on
    /// an executor that the transaction drains until `work` is done. `work` must not wait for anything
    /// but the local cloud (no sleeps, no network, no unstructured tasks): the writer's thread is busy
    /// running it. Inside another transaction it is a savepoint of that one.
    func transaction<T: Sendable>(_ work: @Sendable @escaping () async throws -> T) async throws -> T {
        if let open = openTransaction {
            // Nested: a savepoint of the open transaction, released or rolled back as a whole.
            try mapErrorsNow { try Savepoint.begin("nested", open.db) }
            do {
                let result = try await work()
                try mapErrorsNow { try Savepoint.release("nested", open.db) }
                return result
            } catch {
                Savepoint.rollback("nested", open.db)
                throw error
            }
        }
        let id = ObjectIdentifier(self)
        return try await mapErrors {
            try await pool.write { db in
                let executor = InlineTaskExecutor()
                let open = OpenTransaction(db: db, store: id)
                let outcome = OutcomeBox<T>()
                Task(executorPreference: executor) {
                    let result = await Result { try await OpenTransaction.$current.withValue(open) { try await work() } }
                    outcome.set(result)
                    executor.finish()
                }
                executor.drain()
                guard let result = outcome.get() else { throw IngotError.failed("store: a transaction's work did not finish") }
                return try result.get()
            }
        }
    }

    /// Synchronous write, for bulk paths that run on their own thread.
    func writeSync<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as DatabaseError { throw IngotError.failed("store: \(e.message ?? e.description)") }
    }

    /// A PRAGMA on the writing connection, outside any transaction.
    func configureWriter(_ sql: String) throws {
        do { try pool.writeWithoutTransaction { try $0.execute(sql: sql) } } catch let e as DatabaseError {
            throw IngotError.failed("store \(path): \(e.message ?? e.description)")
        }
    }

    private func mapErrorsNow<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DatabaseError {
            throw IngotError.failed("store \(path): \(e.message ?? e.description)")
        }
    }

    private func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as DatabaseError {
            throw IngotError.failed("store \(path): \(e.message ?? e.description)")
        }
    }

    /// Whether `seedDemo` made the store at `path` (so `ingot demo` may replace it). Opens it read-only:
    /// a pool would write on open (GRDB makes sure the WAL file is not empty).
    public static func isDemo(path: String) -> Bool {
        var config = Configuration()
        config.readonly = true
        guard let queue = try? DatabaseQueue(path: path, configuration: config) else { return false }
        return (try? queue.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'demo'") }) == "1"
    }

    /// A consistent copy of the store at `path` (`VACUUM INTO`), e.g. to try something on it.
    /// - Parameter path: where the copy goes; it must not exist.
    public func copy(to path: String) throws {
        do { try pool.writeWithoutTransaction { try $0.execute(sql: "VACUUM INTO ?", arguments: [path]) } } catch let e as DatabaseError {
            throw IngotError.failed("store \(self.path): cannot copy to \(path): \(e.message ?? e.description)")
        }
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }
}

/// The write transaction of `Store.transaction`, for the task that runs inside it. `Database` is
/// not Sendable: it is only used on the writer's thread, where that task's jobs run.
final class OpenTransaction: @unchecked Sendable {
    @TaskLocal static var current: OpenTransaction?
    let db: Database
    let store: ObjectIdentifier

    init(db: Database, store: ObjectIdentifier) {
        self.db = db
        self.store = store
    }
}

/// Savepoints inside ``Store/transaction(_:)``, through statements compiled once per connection.
/// Savepoints of one name nest: RELEASE and ROLLBACK TO act on the innermost of that name.
enum Savepoint {
    static func begin(_ name: StaticString, _ db: Database) throws {
        try db.cachedStatement(sql: "SAVEPOINT \(name)").execute()
    }

    static func release(_ name: StaticString, _ db: Database) throws {
        try db.cachedStatement(sql: "RELEASE SAVEPOINT \(name)").execute()
    }

    /// Undoes the innermost savepoint `name` and ends it (nothing to undo after an error that
    /// already rolled the whole transaction back).
    static func rollback(_ name: StaticString, _ db: Database) {
        try? db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT \(name)").execute()
        try? db.cachedStatement(sql: "RELEASE SAVEPOINT \(name)").execute()
    }
}

/// Runs the jobs of the tasks that prefer it on the thread that calls `drain()`, until `finish()`.
final class InlineTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [UnownedJob] = []
    private var finished = false
    private let ready = DispatchSemaphore(value: 0)

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        lock.withLock { jobs.append(unowned) }
        ready.signal()
    }

    func finish() {
        lock.withLock { finished = true }
        ready.signal()
    }

    func drain() {
        while true {
            ready.wait()
            while let job = lock.withLock({ jobs.isEmpty ? nil : jobs.removeFirst() }) {
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
            if lock.withLock({ finished && jobs.isEmpty }) { return }
        }
    }
}

/// A result handed from the transaction's task to the thread that waits for it.
final class OutcomeBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?

    func set(_ result: Result<T, any Error>) { lock.withLock { value = result } }
    func get() -> Result<T, any Error>? { lock.withLock { value } }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
