import ArgumentParser
import Foundation
import IngotCore
import IngotLocal

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Find what will bite: moving template versions, dead images, drifted instances, lagging regions, orphaned snapshots.",
        discussion: "Without --region it looks at every region where you own images, templates or groups. The golden selector (for lagging regions) defaults to --owner self --tag golden=true. Exit 3 when anything is found.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var regions: RegionsOption
    @OptionGroup var selector: SelectorOptions

    func run() async throws {
        let given = regions.regions.isEmpty ? nil : try regions.resolve()
        let golden = selector.isEmpty ? ImageSelector(tags: ["golden": ["true"]], owners: ["self"]) : try selector.resolve()
        if given == nil, try global.cloudKind == .aws {
            throw IngotError.invalid("region", "with --cloud aws, name the regions to examine (--region, repeatable)")
        }
        let fallback = try Region(RegionOption.defaultCode)
        let (regions, findings, orphanGiB) = try await global.withCloud { cloud, now in
            // Without --region: every region where the store holds something of yours.
            var regions = given ?? []
            if given == nil, let local = cloud as? LocalCloud { regions = try await local.regionsInUse() }
            if regions.isEmpty { regions = [fallback] }
            let findings = try await Doctor.examine(regions: regions, golden: golden, cloud: cloud, now: now)
            let orphanGiB = findings.filter { $0.kind == .orphanedSnapshot }.count > 0
                ? try await regions.asyncReduce(0) { sum, r in sum + (try await cloud.describeSnapshots(DescribeSnapshotsRequest(region: r, orphanedOnly: true))).reduce(0) { $0 + $1.volumeSize } }
                : 0
            return (regions, findings, orphanGiB)
        }
        let cost = Double(orphanGiB) * Doctor.snapshotPricePerGiBMonth
        if global.structured {
            struct Entry: Encodable { let kind, region, resource, detail: String }
            struct Report: Encodable { let findings: [Entry]; let orphanedSnapshotGiB: Int; let orphanedSnapshotMonthlyCostUSD: Double }
            try Output.document(global.output, Report(
                findings: findings.map { Entry(kind: $0.kind.rawValue, region: $0.region.code, resource: $0.resource, detail: $0.detail) },
                orphanedSnapshotGiB: orphanGiB, orphanedSnapshotMonthlyCostUSD: (cost * 100).rounded() / 100))
        } else if findings.isEmpty {
            Output.line("nothing found in \(regions.map(\.code).joined(separator: ", "))")
        } else {
            Output.table(["FINDING", "REGION", "RESOURCE", "DETAIL"], findings.map { [$0.kind.rawValue, $0.region.code, $0.resource, $0.detail] })
            if orphanGiB > 0 { Output.line("\norphaned snapshots: \(orphanGiB) GiB, about $\(Doctor.dollars(cost))/month at $\(Doctor.snapshotPricePerGiBMonth)/GiB-month") }
        }
        if !findings.isEmpty { throw CommandFailure(code: 3) }
    }
}

extension SelectorOptions {
    /// No selector given at all.
    var isEmpty: Bool {
        file == nil && names.isEmpty && tags.isEmpty && owners.isEmpty && architecture == nil && rootDeviceType == nil && versionRange == nil
            && launchableBy == nil && excludeTags.isEmpty && maxAge == nil && order == nil
    }
}

extension Sequence {
    func asyncReduce<R>(_ initial: R, _ next: (R, Element) async throws -> R) async rethrows -> R {
        var result = initial
        for e in self { result = try await next(result, e) }
        return result
    }
}
