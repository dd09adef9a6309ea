#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An EBS snapshot, with the images whose block devices use it.
public struct Snapshot: Sendable, Hashable {
    public var id: SnapshotID
    public var region: Region
    public var ownerId: AccountID
    public var volumeSize: Int
    public var encrypted: Bool
    public var kmsKeyId: String?
    public var state: SnapshotState
    public var startTime: Date
    public var description: String?
    /// Images registered from this snapshot; empty for an orphan that keeps costing money.
    public var imageIds: [ImageID]

    public init(
        id: SnapshotID, region: Region, ownerId: AccountID, volumeSize: Int, encrypted: Bool = false,
        kmsKeyId: String? = nil, state: SnapshotState = .completed, startTime: Date,
        description: String? = nil, imageIds: [ImageID] = []
    ) {
        self.id = id
        self.region = region
        self.ownerId = ownerId
        self.volumeSize = volumeSize
        self.encrypted = encrypted
        self.kmsKeyId = kmsKeyId
        self.state = state
        self.startTime = startTime
        self.description = description
        self.imageIds = imageIds
    }
}

public enum SnapshotState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, completed, error, recoverable, recovering
}
