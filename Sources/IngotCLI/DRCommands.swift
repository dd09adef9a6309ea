import ArgumentParser
import Foundation
import IngotAWS
import IngotCore
import IngotLocal
import IngotRollout

struct DR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dr", abstract: "Disaster recovery in another region from copied AMIs: plan, apply, drill.",
        subcommands: [DRPlanCommand.self, DRApplyCommand.self, DRDrillCommand.self])
}

/// The workloads and the DR pair, from options or `-f ingot.yaml` (options win).
struct DROptions: ParsableArguments {
    @Option(name: .customLong("source-region"), help: "Where the workloads run now.") var sourceRegion: String?
    @Option(name: .customLong("region"), help: "The DR region.") var region: String?
    @Option(help: "An Auto Scaling group of the source region; repeatable.") var group: [String] = []
    @Option(help: "A launch template of the source region (its default version); repeatable.") var template: [String] = []
    @Option(name: .shortAndLong, help: "ingot.yaml with a `dr:` section.") var file: String?
    @Option(help: "backup-restore, pilot-light (default), warm-standby or active-active.") var mode: String?
    @Option(name: .customLong("standby-capacity"), parsing: .unconditional, help: "Warm standby: instances (N) or a share of the source's desired capacity (P%; default 25%).") var standby: String?
    @Option(name: .customLong("dr-account"), help: "The account that launches in the DR region, when not yours (images are shared with it).") var drAccount: String?
    @Option(name: .customLong("kms-key-id"), help: "A KMS key in the DR region for copies of encrypted images.") var kmsKeyId: String?

    func request() throws -> DRRequest {
        let entry = try file.map { path in
            guard let dr = try YAMLFile.config(path).dr else { throw IngotError.invalid("file", "\(path) has no dr section") }
            return dr
        }
        guard let source = sourceRegion ?? entry?.sourceRegion else { throw IngotError.invalid("source-region", "give the region the workloads run in, e.g. --source-region us-east-1") }
        guard let target = region ?? entry?.region else { throw IngotError.invalid("region", "give the DR region, e.g. --region eu-west-1") }
        var workloads = group.map(DRWorkload.group) + template.map(DRWorkload.template)
        if workloads.isEmpty, let entry { workloads = entry.workloads }
        for w in workloads { if case .template(let name) = w { try validateLaunchTemplateName(name, field: "template") } }
        return DRRequest(
            sourceRegion: try Region(source), region: try Region(target), mode: try DRMode(parsing: mode ?? entry?.mode ?? "pilot-light"),
            standbyCapacity: try (standby ?? entry?.standbyCapacity).map { try StandbyCapacity(parsing: $0) },
            drAccount: try (drAccount ?? entry?.drAccount).map { try AccountID($0, field: "dr-account") }, kmsKeyId: kmsKeyId ?? entry?.kmsKeyId,
            workloads: workloads)
    }
}

enum DRReport {
    struct Step: Encodable { let action, region, resource, workload, detail: String; let estimatedSeconds: Int; let waitsFor: String? }
    struct Workload: Encodable {
        let name, kind: String; let imageStatus: DRImageStatus; let sourceImageId, drImageId: String?; let fullCapacity, standbyCapacity, runningCapacity: Int
    }
    struct Document: Encodable {
        let sourceRegion, region, mode: String
        let workloads: [Workload]
        let steps: [Step]
        let blockers, warnings: [DRFinding]
        let rtoSeconds: Int
        let rtoBreakdown: RTOBreakdown
    }

    static func document(_ p: DRPlan) -> Document {
        Document(
            sourceRegion: p.request.sourceRegion.code, region: p.request.region.code, mode: p.request.mode.rawValue,
            workloads: p.workloads.map { Workload(name: $0.workload.name, kind: $0.workload.kind, imageStatus: $0.imageStatus, sourceImageId: $0.sourceImage?.id.rawValue,
                                                  drImageId: $0.drImage?.id.rawValue, fullCapacity: $0.fullCapacity, standbyCapacity: $0.standbyCapacity,
                                                  runningCapacity: $0.runningCapacity) },
            steps: p.steps.map(step), blockers: p.blockers, warnings: p.warnings, rtoSeconds: p.rtoSeconds, rtoBreakdown: p.rtoBreakdown)
    }

    static func step(_ s: DRStep) -> Step {
        Step(action: s.name, region: s.region.code, resource: s.resource, workload: s.workload, detail: s.detail, estimatedSeconds: s.estimatedSeconds, waitsFor: s.waitsFor)
    }

    /// "copy 9m00s, setup 0s, launch 0s, boot and warm-up 6m08s".
    static func rtoParts(_ p: DRPlan) -> String {
        let b = p.rtoBreakdown
        func d(_ seconds: Int) -> String { RolloutReport.formatDuration(Double(seconds)) }
        return "copy \(d(b.copy)), setup \(d(b.setup)), launch \(d(b.launch)), boot and warm-up \(d(b.bootAndWarmup))"
    }

    /// A missing copy needs the source region (CopyImage reads from it): until it exists, losing that
    /// region leaves nothing to fail over to, so the copy time is time to become ready, not part of an RTO.
    static func rtoLine(_ p: DRPlan) -> String {
        let estimate = "\(RolloutReport.formatDuration(Double(p.rtoSeconds))) (\(rtoParts(p)))"
        guard p.rtoBreakdown.copy > 0 else { return "estimated RTO \(estimate)" }
        return "no failover if \(p.request.sourceRegion) is lost until the missing copies exist (CopyImage reads from it); ready in \(estimate)"
    }

    static func print(_ p: DRPlan, global: GlobalOptions) throws {
        if global.structured { try Output.document(global.output, document(p)); return }
        if global.output == .markdown { Output.line(markdown(p)); return }
        Output.line("DR plan \(p.request.sourceRegion) -> \(p.request.region), \(p.request.mode.rawValue): \(rtoLine(p))")
        Output.table(["WORKLOAD", "KIND", "SOURCE IMAGE", "DR IMAGE", "STATUS", "FULL", "STANDBY", "RUNNING"], p.workloads.map {
            [$0.workload.name, $0.workload.kind, $0.sourceImage?.id.rawValue ?? "", $0.drImage?.id.rawValue ?? "", $0.imageStatus.rawValue,
             String($0.fullCapacity), String($0.standbyCapacity), String($0.runningCapacity)]
        })
        if p.steps.isEmpty { Output.line("\nNo steps: the DR region is ready for this mode.") } else {
            Output.line("")
            Output.table(["#", "STEP", "RESOURCE", "ESTIMATE", "DETAIL"], p.steps.enumerated().map { i, s in
                [String(i + 1), s.name, s.resource, RolloutReport.formatDuration(Double(s.estimatedSeconds)), s.detail + (s.waitsFor.map { " (after \($0))" } ?? "")]
            })
        }
        for b in p.blockers { Output.line("BLOCKER  \(b.resource): \(b.reason)") }
        for w in p.warnings { Output.line("WARNING  \(w.resource): \(w.reason)") }
    }

    /// A runbook a person can follow.
    static func markdown(_ p: DRPlan) -> String {
        let r = p.request
        var md = "# DR runbook: \(r.sourceRegion) -> \(r.region) (\(r.mode.rawValue))\n\n"
        md += "Workloads: " + p.workloads.map { "\($0.workload.kind) `\($0.workload.name)`" }.joined(separator: ", ") + ". "
        md += (p.rtoBreakdown.copy > 0 ? "No failover if \(p.request.sourceRegion) is lost until the missing copies exist; ready in" : "Estimated RTO:")
            + " **\(RolloutReport.formatDuration(Double(p.rtoSeconds)))** (\(rtoParts(p))).\n\n"
        if !p.blockers.isEmpty {
            md += "## Blockers (nothing launchable in \(r.region) until they are fixed)\n\n"
            for b in p.blockers { md += "- **\(b.resource)**: \(b.reason)\n" }
            md += "\n"
        }
        md += "## Steps\n\n"
        if p.steps.isEmpty { md += "None: \(r.region) is ready.\n\n" }
        for (i, s) in p.steps.enumerated() {
            md += "\(i + 1). **\(s.name)** `\(s.resource)` in \(s.region), about \(RolloutReport.formatDuration(Double(s.estimatedSeconds))): \(s.detail)."
            if let w = s.waitsFor { md += " Wait for \(w) first." }
            md += "\n"
        }
        md += "\nRun them all, idempotently: `ingot dr apply --source-region \(r.sourceRegion) --region \(r.region) --mode \(r.mode.rawValue)"
        switch r.standbyCapacity {
        case .instances(let n)?: md += " --standby-capacity \(n)"
        case .percent(let p)?: md += " --standby-capacity \(p)%"
        case nil: break
        }
        if let account = r.drAccount { md += " --dr-account \(account.rawValue)" }
        if let key = r.kmsKeyId { md += " --kms-key-id \(key)" }
        md += p.workloads.map { " --\($0.workload.kind) \($0.workload.name)" }.joined() + "`\n"
        if !p.warnings.isEmpty {
            md += "\n## Warnings\n\n"
            for w in p.warnings { md += "- \(w.resource): \(w.reason)\n" }
        }
        md += "\n## At failover\n\n"
        for w in p.workloads where w.workload.isGroup {
            md += "- Scale `\(w.workload.name)` in \(r.region) to \(w.fullCapacity): `aws autoscaling set-desired-capacity --region \(r.region) --auto-scaling-group-name \(w.workload.name) --desired-capacity \(w.fullCapacity)`\n"
        }
        md += "- Point traffic at \(r.region) (DNS failover or your global load balancer).\n"
        return md
    }
}

struct DRPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "What the DR region needs for the workloads, as ordered steps with an RTO estimate; exit 3 with blockers.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var dr: DROptions
    @OptionGroup var accounts: AccountsOptions

    /// One account's plan, as `--output json` writes it.
    struct Planned: Encodable, Sendable {
        let plan: DRPlan
        func encode(to encoder: any Encoder) throws { try DRReport.document(plan).encode(to: encoder) }
    }

    func run() async throws {
        let request = try dr.request()
        try request.validate()
        if accounts.isEnabled {
            // Each account's own standby: the same workloads, source and DR regions in every account.
            let outcomes = try await global.inAccounts(accounts) { cloud in Planned(plan: try await DRPlanner.plan(request, cloud: cloud, now: Date())) }
            let global = self.global
            try AccountReport.output(outcomes, global: global) { try DRReport.print($0.plan, global: global) }
            if outcomes.contains(where: { if case .success(let p) = $0.result { !p.plan.blockers.isEmpty } else { true } }) { throw CommandFailure(code: 3) }
            return
        }
        let plan = try await global.withCloud { cloud, now in try await DRPlanner.plan(request, cloud: cloud, now: now) }
        try DRReport.print(plan, global: global)
        if !plan.blockers.isEmpty { throw CommandFailure(code: 3) }
    }
}

struct DRApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Carry out the plan's steps, each one transaction; a second run does nothing. Stops at the first failing step, saying what was done.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var dr: DROptions

    func run() async throws {
        let request = try dr.request()
        try request.validate()
        let outcome: DRApplier.Outcome
        do {
            let fixed = try global.cloudKind == .local ? try global.clock() : VirtualClock.wall
            outcome = try await global.withCloud { cloud, _ in try await DRApplier.apply(request, cloud: cloud, now: { fixed.now }) }
        } catch let failure as DRApplier.StepFailed {
            throw IngotError.failed(failure.description)
        }
        let left = outcome.remaining
        if global.structured {
            struct Applied: Encodable { let done: [DRReport.Step]; let remaining: DRReport.Document }
            try Output.document(global.output, Applied(done: outcome.done.map(DRReport.step), remaining: DRReport.document(left)))
        } else {
            if outcome.done.isEmpty { Output.line("Nothing to do.") }
            for s in outcome.done { Output.line("done     \(s.name) \(s.resource) (\(s.region)): \(s.detail)") }
            for s in left.steps { Output.line("waiting  \(s.name) \(s.resource): after \(s.waitsFor ?? "an earlier step"); run `ingot dr apply` again then") }
            for b in left.blockers { Output.line("BLOCKER  \(b.resource): \(b.reason)") }
            Output.line(DRReport.rtoLine(left))
        }
        if !left.blockers.isEmpty || !left.steps.isEmpty { throw CommandFailure(code: 3) }
    }
}

struct DRDrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Simulate the failover in virtual time: the source region lost, the DR groups scaled from standby to full; time to 50/90/100 % capacity.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var dr: DROptions
    @Option(name: .customLong("launch-failure-rate"), help: "Share of launches that fail, 0-1.") var launchFailureRate = 0.0
    @Option(name: .customLong("unhealthy-rate"), help: "Share of new instances failing health checks, 0-1.") var unhealthyRate = 0.0
    @Option(name: .customLong("launch-rate"), help: "RunInstances refill per second (default 2).") var launchRate = 2.0
    @Option(name: .customLong("launch-burst"), help: "RunInstances bucket size (default 1000).") var launchBurst = 1000.0
    @Option(help: "Seed (same seed, same drill).") var seed: UInt64 = 1
    @Option(help: "Runs with derived seeds, for percentiles.") var runs = 1
    @Option(help: "Draw the capacity ramp to FILE.svg.") var svg: String?

    func run() async throws {
        guard (1...RunOptions.maxRuns).contains(runs) else { throw IngotError.invalid("runs", "\(runs) must be between 1 and \(RunOptions.maxRuns)") }
        if runs > 1 && svg != nil { throw IngotError.invalid("runs", RunOptions.oneRunOnly("--svg")) }
        let request = try dr.request()
        try request.validate()
        let plan = try await global.withCloud { cloud, now in try await DRPlanner.plan(request, cloud: cloud, now: now) }
        guard let failover = FailoverDrill.Failover(plan: plan) else {
            throw IngotError.invalid("group", "nothing to drill: give groups with capacity (--group NAME)")
        }
        let faults = FailoverDrill.Faults(launchFailureRate: launchFailureRate, unhealthyRate: unhealthyRate, launchRatePerSecond: launchRate, launchBurst: launchBurst)
        let (full, standby) = (failover.full, failover.standby)
        func time(_ v: Double?) -> String { v.map { RolloutReport.formatDuration($0) } ?? "never" }
        if runs == 1 {
            let c = try FailoverDrill.compare(failover, faults: faults, seed: seed)
            let r = c.baked
            if let svg {
                var markers = [RolloutChart.Marker(time: Double(plan.rtoSeconds), label: "estimated RTO", kind: .status)]
                for (t, label) in [(r.secondsToHalfCapacity, "50 %"), (r.secondsToNinetyPercent, "90 %"), (r.secondsToFullCapacity, "100 %")] {
                    if let t { markers.append(RolloutChart.Marker(time: t, label: label, kind: .checkpoint)) }
                }
                let chart = RolloutChart.svg(samples: r.samples, markers: markers, title: "DR drill: \(request.sourceRegion) lost, \(request.region) scales to \(full)",
                                             subtitle: "\(request.mode.rawValue), standby \(standby), seed \(seed)", previousLabel: "source region", newLabel: "DR region",
                                             timeAxis: "time since the source region was lost")
                try Data(chart.utf8).write(to: URL(fileURLWithPath: svg), options: .atomic)
            }
            struct Report: Encodable {
                let sourceRegion, region, mode: String; let fullCapacity, standbyCapacity: Int
                let secondsToHalfCapacity, secondsToNinetyPercent, secondsToFullCapacity: Double?
                let estimatedRtoSeconds: Int; let launched, failedLaunches: Int
                let userDataSecondsToFullCapacity: Double?; let bakedImageSavesSeconds: Double?
            }
            let report = Report(sourceRegion: request.sourceRegion.code, region: request.region.code, mode: request.mode.rawValue, fullCapacity: full, standbyCapacity: standby,
                                secondsToHalfCapacity: r.secondsToHalfCapacity.map(round), secondsToNinetyPercent: r.secondsToNinetyPercent.map(round),
                                secondsToFullCapacity: r.secondsToFullCapacity.map(round), estimatedRtoSeconds: plan.rtoSeconds, launched: r.launched,
                                failedLaunches: r.failedLaunches, userDataSecondsToFullCapacity: c.userData.secondsToFullCapacity.map(round),
                                bakedImageSavesSeconds: c.bakedImageSavesSeconds.map(round))
            if global.structured { try Output.document(global.output, report); return }
            Output.fields([
                ("Failover", "\(request.sourceRegion) lost; \(request.region) from \(standby) to \(full) instances (\(request.mode.rawValue))"),
                ("50 % capacity", time(r.secondsToHalfCapacity)), ("90 % capacity", time(r.secondsToNinetyPercent)), ("100 % capacity", time(r.secondsToFullCapacity)),
                ("Estimated RTO", RolloutReport.formatDuration(Double(plan.rtoSeconds))),
                ("Launches", "\(r.launched), \(r.failedLaunches) failed"),
                ("User-data boot", "100 % at \(time(c.userData.secondsToFullCapacity)): the baked AMI saves \(report.bakedImageSavesSeconds.map { RolloutReport.formatDuration($0) } ?? "-")"),
            ])
            return
        }
        let summary = try await FailoverDrill.summarize(failover, faults: faults, runs: runs, seed: seed)
        struct Report: Encodable {
            let runs: Int; let seed: UInt64; let fullCapacity, standbyCapacity, estimatedRtoSeconds: Int
            let secondsToHalfCapacity, secondsToNinetyPercent, secondsToFullCapacity, userDataSecondsToFullCapacity: FailoverDrill.Percentiles
        }
        if global.structured {
            try Output.document(global.output, Report(runs: runs, seed: seed, fullCapacity: full, standbyCapacity: standby, estimatedRtoSeconds: plan.rtoSeconds,
                                                      secondsToHalfCapacity: summary.secondsToHalfCapacity, secondsToNinetyPercent: summary.secondsToNinetyPercent,
                                                      secondsToFullCapacity: summary.secondsToFullCapacity, userDataSecondsToFullCapacity: summary.userDataSecondsToFullCapacity))
            return
        }
        Output.table(["CAPACITY", "P50", "P95", "P99"], [
            ("50 %", summary.secondsToHalfCapacity), ("90 %", summary.secondsToNinetyPercent), ("100 %", summary.secondsToFullCapacity),
            ("100 % (user-data boot)", summary.userDataSecondsToFullCapacity),
        ].map { label, p in [label, time(p.p50), time(p.p95), time(p.p99)] })
        Output.line("\(runs) drills from seed \(seed); estimated RTO \(RolloutReport.formatDuration(Double(plan.rtoSeconds)))")
    }
}
