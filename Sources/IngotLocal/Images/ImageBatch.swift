import IngotCore

/// Images made ready for insertion away from the writing thread: row JSON encoded, index entries
/// sorted by key (SQLite's BINARY order is UTF-8 byte order, which is Swift's scalar order).
struct ImageBatch: Sendable {
    struct Row: Sendable {
        let image: Image
        let tagsJSON: String
        let blockDevicesJSON: String
        let permissionsJSON: String
    }

    struct TagEntry: Sendable {
        let key: String
        let value: String
        let index: Int
    }

    struct SnapshotUse: Sendable {
        let snapshotId: String
        let index: Int
    }

    let rows: [Row]
    let tags: [TagEntry]
    let snapshotUses: [SnapshotUse]

    init(_ images: [Image]) {
        rows = images.map {
            Row(image: $0, tagsJSON: RowJSON.tags($0.tags), blockDevicesJSON: RowJSON.blockDevices($0.blockDeviceMappings),
                permissionsJSON: RowJSON.permissions($0.launchPermissions))
        }
        var tags: [TagEntry] = []
        var uses: [SnapshotUse] = []
        for (i, image) in images.enumerated() {
            for t in image.tags { tags.append(TagEntry(key: t.key, value: t.value, index: i)) }
            for s in image.snapshotIds { uses.append(SnapshotUse(snapshotId: s.rawValue, index: i)) }
        }
        if images.count > 1 {
            tags.sort { ($0.key, $0.value, $0.index) < ($1.key, $1.value, $1.index) }
            uses.sort { ($0.snapshotId, $0.index) < ($1.snapshotId, $1.index) }
        }
        self.tags = tags
        snapshotUses = uses
    }
}
