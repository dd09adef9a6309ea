import Foundation
import GRDB
import IngotCore
import Logging

/// The outcome of `ingot images import`.
public struct ImageImportResult: Sendable, Hashable, Encodable {
    public var imported: Int
    /// Images already in the store (matched by id), left as they are.
    public var skipped: Int
    public var snapshots: Int
}

extension LocalCloud {
    /// Loads the JSON that `aws ec2 describe-images` prints into `region`, streaming: the file is
    /// parsed in 1 MiB chunks on one thread while batches of `batchSize` images are written on
    /// another, each batch one transaction. A kill leaves whole batches only; a malformed file
    /// removes what this import wrote and throws (nothing written).
    public func importImages(
        from path: String, region: Region, batchSize: Int = 200_000,
        progress: (@Sendable (_ images: Int, _ bytes: Int) -> Void)? = nil
    ) async throws -> ImageImportResult {
        let store = store
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try ImageImport(store: store, path: path, region: region, batchSize: batchSize, progress: progress).run()
                })
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

struct ImageImport {
    let store: Store
    let path: String
    let region: Region
    let batchSize: Int
    let progress: (@Sendable (Int, Int) -> Void)?
    let logger = Logger(label: "ingot.import")

    func run() throws -> ImageImportResult {
        guard batchSize > 0 else { throw IngotError.invalid("batch-size", "must be at least 1") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw IngotError.invalid("file", "cannot read \(path)")
        }
        // Chunks of at most 10,000 images cross from the parser to the writer; a transaction holds
        // `batchSize` images, so memory stays small while commits (and their WAL writes) stay few.
        let chunkSize = min(batchSize, 10_000)
        let queue = BatchQueue<ImportBatch>(capacity: 2)
        // Written chunks go back to the parsing thread to be freed there: freeing a million images'
        // strings is work the writing thread (the bottleneck) should not do.
        let written = BatchQueue<ImportBatch>(capacity: .max)
        let importID = Int64.random(in: 1...Int64.max)
        let account = store.account
        // Parse on a thread of its own; the calling thread writes.
        let parser = Thread { [path] in
            guard let file = fopen(path, "rb") else {
                queue.finish(error: IngotError.invalid("file", "cannot open \(path): \(String(cString: strerror(errno)))"))
                return
            }
            defer { fclose(file) }
            let p = JSONPullParser(chunkSize: 1 << 20) { buf in fread(buf.baseAddress, 1, buf.count, file) }
            var chunk: [Image] = []
            var inBatch = 0
            chunk.reserveCapacity(chunkSize)
            do {
                try AWSImageJSON.forEachImage(p, region: region) { parsed in
                    // Another owner's private image in the file was visible to whoever described it:
                    // it stays visible to the store's account.
                    var image = parsed
                    if image.ownerId != account && !image.isPublic { image.launchPermissions.userIds.append(account) }
                    chunk.append(image)
                    inBatch += 1
                    // A chunk never straddles two transactions.
                    if chunk.count == chunkSize || inBatch == batchSize {
                        _ = written.drain()
                        guard queue.send(ImportBatch(chunk, region: region, endsTransaction: inBatch == batchSize, bytesRead: p.offset)) else { throw CancellationError() }
                        chunk.removeAll(keepingCapacity: true)
                        if inBatch == batchSize { inBatch = 0 }
                    }
                }
                if !chunk.isEmpty { _ = queue.send(ImportBatch(chunk, region: region, endsTransaction: true, bytesRead: p.offset)) }
                queue.finish(error: nil)
            } catch {
                queue.finish(error: error)
            }
        }
        parser.stackSize = 8 << 20
        parser.start()

        var result = ImageImportResult(imported: 0, skipped: 0, snapshots: 0)
        defer { queue.cancel() }  // a writer that stops early must not leave the parser blocked
        do {
            // Image ids, snapshot ids and names are random keys: every transaction dirties pages all
            // over their indexes, and each commit writes those pages to the WAL and back. Large
            // transactions and a page cache that holds the indexes keep that write amplification
            // down. 320 MiB measured best: 160 MiB thrashes (24 s), 640 MiB pays more in page faults.
            try store.configureWriter("PRAGMA cache_size = -327680")
            defer { try? store.configureWriter("PRAGMA cache_size = -2000") }
            // Each transaction's first chunk is awaited before taking the write lock, and a short
            // pause after each commit lets other processes' writes in (SQLite's busy handler retries
            // every 100 ms at most): a long import never starves `images create` elsewhere.
            var next = try queue.receive()
            while let first = next {
                var bytes = 0
                var pending: ImportBatch? = first
                let counts = try store.writeSync { db -> (Int, Int, Int) in
                    var total = (0, 0, 0)
                    while let chunk = try pending ?? queue.receive() {
                        pending = nil
                        let c = try insert(chunk, importID: importID, db)
                        total = (total.0 + c.0, total.1 + c.1, total.2 + c.2)
                        bytes = chunk.bytesRead
                        let ends = chunk.endsTransaction
                        _ = written.send(chunk)
                        if ends { break }
                    }
                    return total
                }
                result.imported += counts.0
                result.skipped += counts.1
                result.snapshots += counts.2
                logger.debug("committed \(counts.0) images (\(counts.1) already present), \(bytes) bytes read")
                progress?(result.imported + result.skipped, bytes)
                next = try queue.receive()
                if next != nil { Thread.sleep(forTimeInterval: 0.1) }
            }
        } catch {
            queue.cancel()
            // Malformed input found mid-file: take back the batches already committed. Snapshots
            // another image has come to use since are left alone.
            do {
                try store.writeSync { db in
                    for table in ["image_tag", "snapshot_use", "launch_permission"] {
                        try db.execute(sql: "DELETE FROM \(table) WHERE image IN (SELECT id FROM image WHERE import_id = ?)", arguments: [importID])
                    }
                    try db.execute(sql: "DELETE FROM image WHERE import_id = ?", arguments: [importID])
                    try db.execute(sql: """
                        DELETE FROM snapshot WHERE import_id = ?
                        AND NOT EXISTS (SELECT 1 FROM snapshot_use u WHERE u.snapshot_id = snapshot.snapshot_id)
                        """, arguments: [importID])
                }
            } catch let cleanup {
                throw IngotError.failed("\(error); removing what this import wrote also failed: \(cleanup)")
            }
            throw error
        }
        try? store.configureWriter("PRAGMA optimize")  // planner statistics: nice to have, never a failure
        return result
    }

    private func insert(_ batch: ImportBatch, importID: Int64, _ db: Database) throws -> (Int, Int, Int) {
        let rows = try ImageRows.insert(batch.images, importID: importID, db)
        let snapshots = try ImageRows.insertSnapshots(batch.snapshots.filter { rows[$0.1] != nil }.map(\.0),
                                                      ignoreExisting: true, importID: importID, db)
        let imported = rows.count { $0 != nil }
        return (imported, rows.count - imported, snapshots)
    }
}

/// A batch of parsed images with the snapshots they imply, sorted by id, prepared on the parsing thread.
struct ImportBatch: Sendable {
    let images: ImageBatch
    let snapshots: [(Snapshot, Int)]
    /// The writer commits after this chunk.
    let endsTransaction: Bool
    /// How far into the file the parser was when it cut this chunk.
    let bytesRead: Int

    init(_ unsorted: [Image], region: Region, endsTransaction: Bool, bytesRead: Int) {
        self.bytesRead = bytesRead
        // Sorted by id, the unique image-id index is filled in key order.
        let list = unsorted.sorted { $0.id.rawValue < $1.id.rawValue }
        self.endsTransaction = endsTransaction
        images = ImageBatch(list)
        var snaps: [(Snapshot, Int)] = []
        for (i, image) in list.enumerated() {
            for m in image.blockDeviceMappings {
                guard let id = m.snapshotId else { continue }
                // describe-images does not say how the snapshot was made: no description is invented.
                snaps.append((Snapshot(id: id, region: region, ownerId: image.ownerId, volumeSize: m.volumeSize ?? 8,
                                       encrypted: m.encrypted ?? false, kmsKeyId: m.kmsKeyId, startTime: image.creationDate), i))
            }
        }
        snaps.sort { $0.0.id.rawValue < $1.0.id.rawValue }
        snapshots = snaps
    }
}

/// A bounded hand-off between the parsing thread and the writing thread.
final class BatchQueue<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [T] = []
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// False when the consumer has gone away.
    func send(_ item: T) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    func finish(error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Takes whatever is queued without waiting.
    func drain() -> [T] {
        condition.lock()
        defer { condition.unlock() }
        let all = items
        items.removeAll()
        return all
    }

    /// The next item, nil at the end, or the producer's error.
    func receive() throws -> T? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if !items.isEmpty {
            let item = items.removeFirst()
            condition.broadcast()
            return item
        }
        if let failure { throw failure }
        return nil
    }
}
