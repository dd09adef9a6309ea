import ArgumentParser
import Foundation
import IngotCore
import IngotLocal

struct Snapshots: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots", abstract: "EBS snapshots behind images, and the orphans deregistration leaves.",
        subcommands: [SnapshotsList.self, SnapshotsDelete.self])
}

struct SnapshotsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List your snapshots (DescribeSnapshots) and the images using each.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var regions: RegionsOption
    @Flag(help: "Only snapshots no image uses.") var orphaned = false
    @Option(name: .customLong("snapshot-id"), help: "Only these snapshot ids.") var snapshotIds: [String] = []

    func run() async throws {
        let regions = try regions.resolve()
        let ids = try snapshotIds.map { try SnapshotID($0) }
        let snapshots = try await global.withCloud { cloud, _ in
            var snapshots: [Snapshot] = []
            for region in regions {
                snapshots += try await cloud.describeSnapshots(DescribeSnapshotsRequest(region: region, snapshotIds: ids, orphanedOnly: orphaned))
            }
            return snapshots
        }
        if global.structured {
            struct List: Encodable { let snapshots: [Snapshot] }
            try Output.document(global.output, List(snapshots: snapshots))
            return
        }
        Output.table(["SNAPSHOT ID", "SIZE", "ENCRYPTED", "STATE", "STARTED", "USED BY", "REGION"], snapshots.map { s in
            [s.id.rawValue, "\(s.volumeSize) GiB", s.encrypted ? "yes" : "no", s.state.rawValue, Output.time(s.startTime),
             s.imageIds.isEmpty ? "(orphaned)" : s.imageIds.map(\.rawValue).joined(separator: ","), s.region.code]
        })
    }
}

struct SnapshotsDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a snapshot (refused while an image uses it).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The snapshot id (snap-...).") var snapshotId: String
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        let id = try SnapshotID(snapshotId)
        try await global.withCloud { c, _ in try await c.deleteSnapshot(region: region, snapshotId: id) }
    }
}

struct Instances: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances", abstract: "Builder instances (RunInstances-lite) to create images from.",
        subcommands: [InstancesRun.self, InstancesList.self, InstancesTerminate.self])
}

struct InstancesRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Launch a builder instance; prints its id.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Option(name: .customLong("image-id"), help: "The image to launch from (default: a bare builder).") var imageId: String?
    @Option(name: .customLong("instance-type"), help: "The instance type.") var instanceType = "t3.micro"
    @Option(name: .customLong("volume-size"), parsing: .unconditional, help: "Root volume GiB.") var volumeSize: Int?

    func run() async throws {
        let region = try region.resolve()
        let image = try imageId.map { try ImageID($0) }
        if let v = volumeSize, !(1...16_384).contains(v) { throw IngotError.invalid("volume-size", "\(v) is out of range; accepted: 1 to 16384 GiB") }
        let instances = try await global.cloud().runInstances(RunInstancesRequest(region: region, imageId: image, instanceType: instanceType, rootVolumeSize: volumeSize))
        if global.structured { try Output.document(global.output, instances[0]) } else { Output.line(instances[0].id.rawValue) }
    }
}

struct InstancesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List your instances.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var regions: RegionsOption

    func run() async throws {
        let regions = try regions.resolve()
        let cloud = try await global.cloud()
        var list: [Instance] = []
        for r in regions { list += try await cloud.describeInstances(region: r, instanceIds: []) }
        if global.structured {
            struct List: Encodable { let instances: [Instance] }
            try Output.document(global.output, List(instances: list))
            return
        }
        Output.table(["INSTANCE ID", "IMAGE", "TYPE", "STATE", "ZONE", "LAUNCHED"], list.map {
            [$0.id.rawValue, $0.imageId?.rawValue ?? "", $0.instanceType, $0.state.rawValue, $0.availabilityZone, Output.time($0.launchTime)]
        })
    }
}

struct InstancesTerminate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "terminate", abstract: "Terminate instances.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Instance ids.") var instanceIds: [String]
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        let ids = try instanceIds.map { try InstanceID($0) }
        try await global.cloud().terminateInstances(region: region, instanceIds: ids)
        if global.structured {
            // TerminateInstances' answer, in camelCase.
            struct Change: Encodable { let instanceId: String; let currentState: String }
            struct Terminated: Encodable { let terminatingInstances: [Change] }
            try Output.document(global.output, Terminated(terminatingInstances: ids.map { Change(instanceId: $0.rawValue, currentState: "terminated") }))
        } else {
            for id in ids { Output.line("\(id) terminated") }
        }
    }
}
