import ArgumentParser
import Foundation
import IngotAWS
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
    @OptionGroup var accounts: AccountsOptions

    struct Report: Encodable, Sendable {
        let findings: [Doctor.Finding]
        let orphanedSnapshotGiB: Int
        let orphanedSnapshotMonthlyCostUSD: Double
        init(_ findings: [Doctor.Finding]) {
            let orphans = Doctor.orphanedSnapshotCost(findings)
            (self.findings, orphanedSnapshotGiB, orphanedSnapshotMonthlyCostUSD) = (findings, orphans.gib, orphans.monthlyUSD)
        }
    }

    func run() async throws {
        let given = regions.regions.isEmpty ? nil : try regions.resolve()
        let golden = selector.isEmpty ? Doctor.defaultGolden : try selector.resolve()
        if given == nil, try global.cloudKind == .aws {
            throw IngotError.invalid("region", "with --cloud aws, name the regions to examine (--region, repeatable)")
        }
        if accounts.isEnabled {
            let regions = given ?? []
            let outcomes = try await global.inAccounts(accounts) { cloud in
                Report(try await Doctor.examine(regions: regions, golden: golden, cloud: cloud, now: Date()))
            }
            try AccountReport.output(outcomes, global: global) { Self.table($0, regions: regions) }
            let found = outcomes.contains { if case .success(let r) = $0.result { !r.findings.isEmpty } else { true } }
            if found { throw CommandFailure(code: 3) }
            return
        }
        let fallback = try Region(RegionOption.defaultCode)
        let (regions, findings) = try await global.withCloud { cloud, now in
            // Without --region: every region where the store holds something of yours.
            var regions = given ?? []
            if given == nil, let local = cloud as? LocalCloud { regions = try await local.regionsInUse() }
            if regions.isEmpty { regions = [fallback] }
            var findings = try await Doctor.examine(regions: regions, golden: golden, cloud: cloud, now: now)
            if let local = cloud as? LocalCloud { findings += try await local.failedBuildFindings(regions: regions) }
            return (regions, findings)
        }
        let report = Report(findings)
        if global.structured { try Output.document(global.output, report) } else { Self.table(report, regions: regions) }
        if !findings.isEmpty { throw CommandFailure(code: 3) }
    }

    static func table(_ report: Report, regions: [Region]) {
        guard !report.findings.isEmpty else { return Output.line("nothing found in \(regions.map(\.code).joined(separator: ", "))") }
        Output.findings(report.findings)
        if report.orphanedSnapshotGiB > 0 {
            Output.line("\norphaned snapshots: \(report.orphanedSnapshotGiB) GiB, about $\(Doctor.dollars(report.orphanedSnapshotMonthlyCostUSD))/month at $\(Doctor.snapshotPricePerGiBMonth)/GiB-month")
        }
    }
}

extension SelectorOptions {
    /// No selector given at all.
    var isEmpty: Bool {
        file == nil && names.isEmpty && tags.isEmpty && owners.isEmpty && architecture == nil && rootDeviceType == nil && versionRange == nil
            && launchableBy == nil && excludeTags.isEmpty && maxAge == nil && order == nil
    }
}
