#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An EC2 instance, as far as image building needs one (RunInstances-lite).
public struct Instance: Sendable, Hashable {
    public var id: InstanceID
    public var region: Region
    public var ownerId: AccountID
    public var imageId: ImageID?
    public var instanceType: String
    public var availabilityZone: String
    public var state: InstanceState
    public var launchTime: Date
    /// The instance's EBS volumes, root first; CreateImage snapshots each.
    public var volumes: [BlockDeviceMapping]

    public init(
        id: InstanceID, region: Region, ownerId: AccountID, imageId: ImageID?, instanceType: String,
        availabilityZone: String, state: InstanceState, launchTime: Date, volumes: [BlockDeviceMapping]
    ) {
        self.id = id
        self.region = region
        self.ownerId = ownerId
        self.imageId = imageId
        self.instanceType = instanceType
        self.availabilityZone = availabilityZone
        self.state = state
        self.launchTime = launchTime
        self.volumes = volumes
    }
}

public enum InstanceState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, running, stopping, stopped, shuttingDown = "shutting-down", terminated
}
