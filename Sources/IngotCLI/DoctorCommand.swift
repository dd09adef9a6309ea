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
        let golden = selector.isEmpty ? Doctor.defaultGolden : try selector.resolve()
        if given == nil, try global.cloudKind == .aws {
            throw IngotError.invalid("region", "with --cloud aws, name the regions to examine (--region, repeatable)")
        }
        let fallback = try Region(RegionOption.defaultCode)
        let (regions, findings) = try await global.withCloud { cloud, now in
            // Without --region: every region where the store holds something of yours.
            var regions = given ?? []
            if given == nil, let local = cloud as? LocalCloud { regions = try await local.regionsInUse() }
            if regions.isEmpty { regions = [fallback] }
            return (regions, try await Doctor.examine(regions: regions, golden: golden, cloud: cloud, now: now))
        }
        let orphans = Doctor.orphanedSnapshotCost(findings)
        if global.structured {
            struct Report: Encodable { let findings: [Doctor.Finding]; let orphanedSnapshotGiB: Int; let orphanedSnapshotMonthlyCostUSD: Double }
            try Output.document(global.output, Report(findings: findings, orphanedSnapshotGiB: orphans.gib, orphanedSnapshotMonthlyCostUSD: orphans.monthlyUSD))
        } else if findings.isEmpty {
            Output.line("nothing found in \(regions.map(\.code).joined(separator: ", "))")
        } else {
            Output.findings(findings)
            if orphans.gib > 0 { Output.line("\norphaned snapshots: \(orphans.gib) GiB, about $\(Doctor.dollars(orphans.monthlyUSD))/month at $\(Doctor.snapshotPricePerGiBMonth)/GiB-month") }
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
