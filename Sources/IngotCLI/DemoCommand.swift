import ArgumentParser
import Foundation
import IngotCore
import IngotLocal
import IngotRollout
import Yams

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The golden-image loop on a fresh demo store: a pipeline builds, tests and distributes, then resolve, refresh, doctor, rollout and DR.",
        discussion: """
            The demo store is recreated on every run: --store, else INGOT_DEMO_STORE, else .ingot/demo.sqlite. INGOT_STORE is ignored here, so that the demo never replaces your own store (it also refuses to replace any store it did not make). Explore it afterwards with --store.
            """)
    @OptionGroup var global: GlobalOptions

    static let families = [("golden-web", "web-lt"), ("golden-api", "api-lt")]
    static let regions = [Region.usEast1, .euWest1, .apSoutheast2]

    static func selector(_ family: String) -> ImageSelector {
        ImageSelector(names: ["\(family)-*"], tags: ["golden": ["true"]], owners: [.caller])
    }

    func run() async throws {
        global.bootstrapLogging()
        let clock = try global.clock()
        let path = global.store ?? GlobalOptions.env("INGOT_DEMO_STORE") ?? ".ingot/demo.sqlite"
        if FileManager.default.fileExists(atPath: path), !Store.isDemo(path: path) {
            throw IngotError.invalid("store", "\(path) is not a demo store; refusing to replace it (pick another --store)")
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try Store(path: path, create: true)
        let cloud = LocalCloud(store: store, clock: clock)
        try await cloud.seedCatalog()
        try await cloud.seedDemo()
        let now = clock.now
        // 0. Three hours ago a new Amazon Linux 2023 appeared and the pipelines ran (golden-api's test
        // fails); the launch templates and groups were there before.
        let started = now.addingTimeInterval(-3 * 3600)
        try await cloud.at(.at(started.addingTimeInterval(-1800))).seedDemoFleet()
        let pipelines = try await Self.runPipelines(cloud.at(.at(started)))
        try await cloud.catchUp()
        let web = try await cloud.imageBuild(pipelines.web.arn.description)
        let api = try await cloud.imageBuild(pipelines.api.arn.description)

        var resolutions: [(String, [RegionResolution])] = []
        for (family, _) in Self.families {
            resolutions.append((family, try await GoldenImageResolver.resolve(Self.selector(family), regions: Self.regions, cloud: cloud, now: now)))
        }
        let jobs = Self.families.map { family, template in
            TemplateRefresher.Job(templates: [template], regions: Self.regions, selector: Self.selector(family), options: .init(setDefault: true, dryRun: true))
        }
        let plan = try await TemplateRefresher.refresh(jobs: jobs, cloud: cloud, now: now)
        let applied = try await TemplateRefresher.refresh(jobs: jobs.map { var j = $0; j.options.dryRun = false; return j }, cloud: cloud, now: now)
        let findings = try await Doctor.examine(regions: Self.regions, golden: Doctor.defaultGolden, cloud: cloud, now: now)
            + cloud.failedBuildFindings(regions: Self.regions)

        // 4. Roll web-asg (pinned to web-lt:1) onto the template's new default version, as an instance refresh.
        var preferences = RefreshPreferences()
        preferences.checkpointPercentages = [50, 100]
        preferences.checkpointDelay = 300
        preferences.autoRollback = true
        // AutoRollback needs a DesiredConfiguration pinned to a number: the template's default version.
        let defaultVersion = try await cloud.describeLaunchTemplates(region: .usEast1, names: ["web-lt"]).first?.defaultVersionNumber ?? 1
        let refresh = try await GroupRefresh.run(cloud: cloud, region: .usEast1, group: "web-asg", desiredVersion: .number(defaultVersion), preferences: preferences,
                                                 strategy: try StrategyRegistry.linked.make("Rolling", parameters: [:]), seed: 1, record: true, now: now)
        let (fleet, rollout) = (refresh.fleet, refresh.result)
        let chart = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("demo-rollout.svg")
        var runOptions = try RunOptions.parse([])
        runOptions.svg = chart
        try RolloutReport.write(rollout, spec: fleet.spec, options: runOptions)

        // 5. DR: a pilot light in eu-west-1 for the three groups; batch's build was never copied there.
        let drRequest = DRRequest(sourceRegion: .usEast1, region: .euWest1, mode: .pilotLight, workloads: [.group("web-asg"), .group("api-asg"), .group("batch-asg")])
        let drBefore = try await DRPlanner.plan(drRequest, cloud: cloud, now: now)
        let drApplied = try await DRApplier.apply(drRequest, cloud: cloud, now: { now })
        let drAfter = drApplied.remaining
        guard let failover = FailoverDrill.Failover(plan: drAfter) else { throw IngotError.failed("the demo's DR plan has no group to drill") }
        let drFull = failover.full
        let drill = try FailoverDrill.run(failover, world: World(), seed: 1)
        var bootstrapWorld = World()
        bootstrapWorld.boot = .userData
        let drillUserData = try FailoverDrill.run(failover, world: bootstrapWorld, seed: 1)

        if global.structured {
            struct Report: Encodable {
                let store: String; let resolve: [String: ResolveReport]; let plan: RefreshReport; let applied: RefreshReport; let doctor: [Doctor.Finding]
                let rollout: RolloutReport.Summary; let rolloutChart: String
                let drPlan: DRReport.Document; let drApplied: [DRReport.Step]; let drPlanAfter: DRReport.Document
                let drillSecondsToFullCapacity: Double?
                let pipelineBuilds: [ImageDocument]
            }
            try Output.document(global.output, Report(
                store: path, resolve: Dictionary(uniqueKeysWithValues: resolutions.map { ($0.0, ResolveReport($0.1, lagging: nil, explain: .all, order: Self.selector($0.0).order)) }),
                plan: RefreshReport(templates: plan), applied: RefreshReport(templates: applied),
                doctor: findings,
                rollout: RolloutReport.summary(rollout), rolloutChart: chart, drPlan: DRReport.document(drBefore), drApplied: drApplied.done.map(DRReport.step),
                drPlanAfter: DRReport.document(drAfter), drillSecondsToFullCapacity: drill.secondsToFullCapacity,
                pipelineBuilds: [ImageDocument(web, at: now), ImageDocument(api, at: now)]))
            return
        }
        Output.line("Demo store \(path): account \(store.account), now \(Timestamp.format(now))\n")
        Output.line("0. Pipelines (EC2 Image Builder, simulated) from \(Timestamp.format(started)), after \(pipelines.base) appeared:")
        for build in [web, api] {
            let outputs = Set(build.outputs.map(\.region.code)).sorted().joined(separator: ", ")
            let detail = build.status == .available ? "distributed to \(outputs)"
                : "\(build.timeline.failure.map { "\($0.stepName) failed in \($0.phaseName) of \($0.componentArn.split(separator: "/").dropLast(2).last ?? "")" } ?? ""); nothing distributed, its AMI \(build.imageId?.rawValue ?? "-") stays"
            Output.line("   \(build.name) \(build.version): \(build.status.rawValue) at \(Timestamp.format(build.history.last?.at ?? now)); \(detail)")
        }
        Output.line("   web-lt: a new default version in every region through the distribution; next: ingot pipelines schedule --until +30d --dry-run --store \(path)\n")
        Output.line("1. Golden image per region (newest available, non-deprecated, launchable):")
        Output.table(["FAMILY", "REGION", "IMAGE", "VERSION", "WHY NOT THE OTHERS"], resolutions.flatMap { family, results in
            results.map { r in
                let reasons = Dictionary(grouping: r.rejected, by: { Self.reasonKind($0.reason) }).map { "\($0.value.count) \($0.key)" }.sorted()
                return [family, r.region.code, r.image?.id.rawValue ?? "(none)", r.image?.imageVersion?.description ?? "", reasons.joined(separator: ", ")]
            }
        })
        Output.line("\n2. Launch template refresh, the plan (--dry-run):")
        Output.table(["TEMPLATE", "REGION", "ACTION", "FROM", "TO"], plan.map {
            [$0.launchTemplateName, $0.region.code, $0.action.rawValue, $0.previousImageId ?? "", $0.imageId?.rawValue ?? ""]
        })
        let created = applied.filter { $0.action == .createdVersion }
        Output.line("\n   applied: \(Output.count(created.count, "new version")), set as default; a second run would change nothing.")
        Output.line("\n3. Doctor:")
        Output.findings(findings)
        let r = RolloutReport.summary(rollout)
        Output.line("\n4. Instance refresh of web-asg (us-east-1) onto web-lt:\(fleet.desiredVersion), Rolling, checkpoints 50,100, AutoRollback:")
        Output.line("   \(r.status) in \(RolloutReport.formatDuration(r.durationSeconds)) of virtual time; in service \(r.minInService)-\(r.maxInService) of \(r.desiredCapacity) "
            + "(floor \(r.healthyFloor)); launched \(r.launched), terminated \(r.terminated); checkpoints \(r.checkpointsReached.map { "\($0)%" }.joined(separator: ", "))")
        Output.line("   chart: \(chart); the record: ingot groups refreshes web-asg --store \(path)")
        func t(_ v: Double?) -> String { v.map { RolloutReport.formatDuration($0) } ?? "never" }
        Output.line("\n5. DR pilot light us-east-1 -> eu-west-1 for web-asg, api-asg, batch-asg:")
        for b in drBefore.blockers { Output.line("   blocker: \(b.resource): \(b.reason)") }
        Output.line("   apply: " + drApplied.done.map { "\($0.name) \($0.resource)" }.joined(separator: ", "))
        Output.line("   then: \(Output.count(drAfter.blockers.count, "blocker")), \(Output.count(drAfter.warnings.count, "warning")); \(DRReport.rtoLine(drAfter))")
        for w in drAfter.warnings { Output.line("   warning: \(w.resource): \(w.reason)") }
        Output.line("   drill (us-east-1 lost, 0 -> \(drFull) instances): 50 % at \(t(drill.secondsToHalfCapacity)), 90 % at \(t(drill.secondsToNinetyPercent)), "
            + "100 % at \(t(drill.secondsToFullCapacity)); with user-data bootstrap instead of the baked AMI: \(t(drillUserData.secondsToFullCapacity))")
        Output.line("\nExplore: ingot resolve --store \(path) --owner self --name 'golden-api-*' --region us-east-1,eu-west-1,ap-southeast-2 --explain --consistent")
    }

    /// Applies the demo's pipelines and starts both at the cloud's time, after a new base image.
    static func runPipelines(_ cloud: LocalCloud) async throws -> (base: String, web: ImageBuild, api: ImageBuild) {
        let config = try YAMLDecoder().decode(IngotConfig.self, from: DemoPipelines.yaml)
        guard let definitions = config.imageBuilder else { throw IngotError.failed("the demo's pipelines do not decode") }
        _ = try await cloud.applyImageBuilder(definitions, defaultRegion: .usEast1, dryRun: false)
        let base: String
        do {
            base = try await cloud.publishBaseImages(families: ["amazon-linux-2023-x86"]).first?.name ?? "a new base image"
        } catch let e as IngotError where e.code == "InvalidAMIName.Duplicate" {
            // A catalog release day: today's Amazon Linux is already out (seeded with the catalog).
            base = "today's Amazon Linux 2023 release"
        }
        let web = try await cloud.startPipelineExecution("golden-web", region: .usEast1)
        let api = try await cloud.startPipelineExecution("golden-api", region: .usEast1, faults: BuildPlanner.Faults(failSteps: ["api-smoke/test/HealthCheck"]))
        return (base, web, api)
    }

    static func reasonKind(_ r: RejectionReason) -> String {
        switch r {
        case .deprecated: "deprecated"
        case .disabled: "disabled"
        case .notAvailable(let s, _): s == .pending ? "copying" : s.rawValue
        case .supersededBy: "older"
        default: "other"
        }
    }
}
