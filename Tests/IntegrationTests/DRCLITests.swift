import Foundation
import Testing

/// `ingot dr plan|apply|drill` through the built binary, on the demo store.
@Suite struct DRCLITests {
    @Test func planBlocksOnAMissingCopyApplyFixesItAndDrillReportsTheRamp() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        // The demo already applied its own plan to eu-west-1: plan ap-southeast-2, where batch's build is missing.
        let args = ["--source-region", "us-east-1", "--region", "ap-southeast-2", "--group", "batch-asg", "--group", "web-asg", "--mode", "warm-standby", "--standby-capacity", "50%"]
        let plan = try ingot.run(["dr", "plan", "--output", "json"] + args)
        #expect(plan.code == 3, "\(plan.stderr)")
        // Decoding requires sourceRegion, region, mode, steps, blockers, warnings and rtoSeconds, and each step's
        // estimatedSeconds (an Int) and resource (a String).
        let doc = try plan.decode(CLIJSON.DRPlan.self)
        let steps = doc.steps
        #expect(steps.first?.action == "copy-image")
        #expect(steps.allSatisfy { $0.region == "ap-southeast-2" })
        #expect(doc.blockers.first?.reason.contains("no copy in ap-southeast-2") == true)

        let markdown = try ingot.run(["dr", "plan", "--output", "markdown"] + args)
        #expect(markdown.stdout.hasPrefix("# DR runbook: us-east-1 -> ap-southeast-2 (warm-standby)") && markdown.stdout.contains("## Blockers"))

        let applied = try ingot.run(["dr", "apply"] + args)
        // The copy is still pending: scaling batch-asg waits for it (exit 3), the rest is done.
        #expect(applied.code == 3, "\(applied.stderr)")
        #expect(applied.stdout.contains("done     copy-image") && applied.stdout.contains("waiting  scale-group batch-asg"))
        let again = try ingot.run(["dr", "apply"] + args)
        #expect(again.stdout.hasPrefix("Nothing to do."))
        let later = try ingot.run(["dr", "apply", "--at", "2026-11-27T12:00:00Z"] + args)
        #expect(later.code == 0, "\(later.stdout)\(later.stderr)")
        #expect(try ingot.run(["dr", "plan", "--at", "2026-11-27T12:00:00Z"] + args).stdout.contains("No steps"))

        let drill = try ingot.run(["dr", "drill", "--at", "2026-11-27T12:00:00Z", "--output", "json", "--seed", "3", "--svg", ingot.file("drill.svg")] + args)
        #expect(drill.code == 0, "\(drill.stderr)")
        let d = try drill.decode(CLIJSON.Drill.self)  // decoding requires estimatedRtoSeconds
        for (key, value) in [("secondsToHalfCapacity", d.secondsToHalfCapacity), ("secondsToNinetyPercent", d.secondsToNinetyPercent),
                             ("secondsToFullCapacity", d.secondsToFullCapacity)] {
            #expect(value != nil, "missing \(key)")
        }
        #expect((d.userDataSecondsToFullCapacity ?? 0) > (d.secondsToFullCapacity ?? .infinity))
        #expect(try ingot.run(["dr", "drill", "--at", "2026-11-27T12:00:00Z", "--output", "json", "--seed", "3"] + args).stdout == drill.stdout)
        #expect(String(decoding: FileManager.default.contents(atPath: ingot.file("drill.svg")) ?? Data(), as: UTF8.self).contains("</svg>"))
        let runs = try ingot.run(["dr", "drill", "--at", "2026-11-27T12:00:00Z", "--output", "json", "--runs", "20"] + args).decode(CLIJSON.DrillRuns.self)
        #expect(runs.secondsToFullCapacity.p95 != nil)
    }

    /// The Quick start copies a build to eu-west-1 and deregisters the source, as teams do. DescribeImages
    /// then answers InvalidAMIID.NotFound for the source's id; a plan that walks a copy's lineage must end
    /// the walk there (exit 0 or 3), never fail (exit 1).
    @Test func aDeregisteredSourceEndsTheLineageWalkAndNeverFailsThePlan() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        let created = try ingot.run("images", "create", "--region", "us-east-1", "--name", "golden-web-9.9.9", "--tag", "golden=true", "--version", "9.9.9/1", "--volume-size", "30")
        #expect(created.code == 0, "\(created.stderr)")
        let id = try #require(created.stdout.split(whereSeparator: \.isWhitespace).first.map(String.init))
        #expect(try ingot.run("images", "copy", id, "--source-region", "us-east-1", "--region", "eu-west-1", "--copy-tags").code == 0)
        #expect(try ingot.run("images", "deregister", id, "--region", "us-east-1").code == 0)
        let args = ["--source-region", "us-east-1", "--region", "eu-west-1", "--group", "web-asg"]
        for at in [[], ["--at", "2027-06-01T00:00:00Z"]] {
            for command in [["dr", "plan"], ["dr", "apply"], ["dr", "drill"]] {
                let r = try ingot.run(command + args + at)
                #expect(r.code == 0 || r.code == 3, "\(command) \(at): exit \(r.code) \(r.stderr)")
                #expect(!r.stderr.contains("InvalidAMIID.NotFound"), "\(command): \(r.stderr)")
            }
        }
    }

    @Test func badInputExitsTwoNamingTheField() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        for (args, field) in [(["--region", "eu-west-1", "--group", "g"], "source-region"),
                              (["--source-region", "us-east-1", "--region", "us-east-1", "--group", "g"], "region"),
                              (["--source-region", "us-east-1", "--region", "eu-west-1", "--group", "g", "--mode", "hot"], "mode"),
                              (["--source-region", "us-east-1", "--region", "eu-west-1", "--group", "g", "--standby-capacity", "5"], "standby-capacity"),
                              (["--source-region", "us-east-1", "--region", "eu-west-1"], "group")] {
            let r = try ingot.run(["dr", "plan"] + args)
            #expect(r.code == 2 && r.stderr.contains(field) && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
    }

    @Test func readsTheDRPairFromIngotYaml() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        let file = ingot.file("ingot.yaml")
        try "dr:\n  sourceRegion: us-east-1\n  region: eu-west-1\n  mode: pilot-light\n  groups: [web-asg, api-asg, batch-asg]\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try ingot.run("dr", "plan", "-f", file, "--at", "2026-11-27T12:00:00Z", "--output", "json")
        #expect(r.code == 0, "\(r.stdout)\(r.stderr)")
        #expect(try r.decode(CLIJSON.DRPlan.self).steps.isEmpty)
        try "dr:\n  source: us-east-1\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try ingot.run("dr", "plan", "-f", file)
        #expect(bad.code == 2 && bad.stderr.contains("unknown key 'source'"))
    }
}
