import ArgumentParser
import Foundation
import IngotCore
import IngotLocal

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Seed a fresh demo store and show the golden images per region.",
        discussion: "The demo store is recreated on every run (default .ingot/demo.sqlite); explore it afterwards with --store.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let clock = try global.clock()
        let path = global.store ?? GlobalOptions.environment["INGOT_DEMO_STORE"] ?? ".ingot/demo.sqlite"
        if FileManager.default.fileExists(atPath: path), !Store.isDemo(path: path) {
            throw IngotError.invalid("store", "\(path) is not a demo store; refusing to replace it (pick another --store)")
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try Store(path: path, create: true)
        let cloud = LocalCloud(store: store, clock: clock)
        try await cloud.seedCatalog()
        try await cloud.seedDemo()
        let regions = [Region.usEast1, .euWest1, .apSoutheast2]
        var rows: [[String]] = []
        struct Entry: Encodable { let region: String; let family: String; let image: Image? }
        var entries: [Entry] = []
        for region in regions {
            for family in ["golden-web", "golden-api"] {
                let images = try await cloud.describeImages(DescribeImagesRequest(
                    region: region, owners: ["self"], filters: [.name(["\(family)-*"]), .tag(key: "golden", values: ["true"])]))
                // The newest available, non-deprecated build (the resolver issue generalises this).
                let newest = images.first { $0.state == .available && !$0.isDeprecated(at: clock.now) }
                entries.append(Entry(region: region.code, family: family, image: newest))
                let pending = images.filter { $0.state == .pending }.map { "\($0.imageVersion?.description ?? $0.name) copying" }
                let deprecated = images.filter { $0.isDeprecated(at: clock.now) }.count
                rows.append([region.code, family, newest?.id.rawValue ?? "(none)", newest?.imageVersion?.description ?? "",
                             "\(images.count) builds, \(deprecated) deprecated" + (pending.isEmpty ? "" : ", " + pending.joined(separator: ", "))])
            }
        }
        if global.structured {
            struct Report: Encodable { let store: String; let golden: [Entry] }
            try Output.document(global.output, Report(store: path, golden: entries))
            return
        }
        Output.line("Demo store: \(path) (account \(store.account), now \(Timestamp.format(clock.now)))\n")
        Output.line("Golden images per region (newest available, non-deprecated):")
        Output.table(["REGION", "FAMILY", "IMAGE", "VERSION", "NOTES"], rows)
        let orphans = try await cloud.describeSnapshots(DescribeSnapshotsRequest(region: .usEast1, orphanedOnly: true))
        Output.line("\nOrphaned snapshots in us-east-1: \(orphans.count) (\(orphans.reduce(0) { $0 + $1.volumeSize }) GiB still billed)")
        Output.line("Next: ingot images list --store \(path) --owner self --include-deprecated --include-disabled")
    }
}
