import Foundation
import Testing

/// `ingot simulate rollout`, `strategies list`, `groups refresh|refreshes` through the built binary.
@Suite struct RolloutCLITests {
    @Test func simulatesARollingRefreshWithTheDocumentedSummaryKeys() throws {
        let ingot = try IngotRunner()
        let r = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--strategy", "rolling", "--output", "json")
        #expect(r.code == 0, "\(r.stderr)")
        // Decoding requires strategy, status, durationSeconds, minInService, maxInService, desiredCapacity, launched,
        // terminated, replaced, failedLaunches, checkpointsReached and events.
        let s = try r.decode(CLIJSON.Rollout.self)
        #expect(s.strategy == "Rolling" && s.status == "Successful")
        #expect(s.minInService == 9 && s.launched == 10)
    }

    @Test func sameSeedSameTimelineFileByteForByte() throws {
        let ingot = try IngotRunner()
        for name in ["a", "b"] {
            let r = try ingot.run("simulate", "rollout", "--fleet-size", "40", "--launch-failure-rate", "0.1", "--unhealthy-rate", "0.1",
                                  "--seed", "9", "--timeline", ingot.file("\(name).json"), "--svg", ingot.file("\(name).svg"))
            #expect(r.code == 0, "\(r.stderr)")
        }
        let a = try #require(FileManager.default.contents(atPath: ingot.file("a.json")))
        #expect(a == FileManager.default.contents(atPath: ingot.file("b.json")))
        // Decoding requires every event's time to be a number.
        let events = try JSONDecoder().decode(CLIJSON.Timeline.self, from: a).events
        #expect(events.contains { $0.event == "launch-failed" })
        let svg = String(decoding: try #require(FileManager.default.contents(atPath: ingot.file("a.svg"))), as: UTF8.self)
        #expect(svg.hasPrefix("<svg") && svg.contains("</svg>") && svg.contains("MinHealthy floor"))
    }

    @Test func standbyAndProtectedValuesAreListedPerPreference() throws {
        let ingot = try IngotRunner()
        let standby = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--standby-instances", "x")
        #expect(standby.code == 2 && standby.stderr.contains("Terminate, Ignore, Wait") && !standby.stderr.contains("Refresh"), "\(standby.stderr)")
        let protected = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--scale-in-protected-instances", "x")
        #expect(protected.code == 2 && protected.stderr.contains("Refresh, Ignore, Wait") && !protected.stderr.contains("Terminate"), "\(protected.stderr)")
    }

    /// A single-run output asked of a Monte Carlo run: the same exit and wording in both commands.
    @Test func svgWithRunsIsRefusedTheSameWayInSimulateAndDrill() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        let simulate = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--runs", "20", "--svg", ingot.file("x.svg"))
        let drill = try ingot.run("dr", "drill", "--source-region", "us-east-1", "--region", "eu-west-1", "--group", "web-asg", "--runs", "20", "--svg", ingot.file("x.svg"))
        #expect(simulate.code == 2 && drill.code == 2)
        #expect(simulate.stderr == drill.stderr && simulate.stderr.contains("--svg draws a single run"), "\(simulate.stderr) / \(drill.stderr)")
    }

    /// The README: "Exit 3 when the refresh fails, rolls back or is cancelled" holds for Monte Carlo runs
    /// too, and the summary keeps the reasons.
    @Test func monteCarloExitsThreeWhenAnyRunFailsAndListsTheReasons() throws {
        let ingot = try IngotRunner()
        let failing = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--unhealthy-rate", "1", "--runs", "10", "--output", "json")
        #expect(failing.code == 3, "\(failing.stderr)")
        let doc = try failing.decode(CLIJSON.MonteCarlo.self)
        #expect(doc.problemRuns == 10)
        let reasons = doc.reasons
        #expect(reasons.count == 1 && reasons[0].runs == 10 && reasons[0].status == "Failed")
        #expect(reasons[0].reason.contains("no instance was replaced for an hour"))
        let table = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--unhealthy-rate", "1", "--auto-rollback", "--runs", "10")
        #expect(table.code == 3 && table.stdout.contains("10 of 10 runs did not succeed") && table.stdout.contains("RollbackSuccessful"), "\(table.stdout)")
        let healthy = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--runs", "10")
        #expect(healthy.code == 0)
    }

    /// RefreshPreferences, AutoRollback: a rollback is not supported when "The Auto Scaling group has a launch
    /// template that uses an Amazon Web Services Systems Manager parameter instead of an AMI ID for the ImageId property."
    @Test func autoRollbackIsRefusedForATemplateOnAnSSMParameter() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        let listed = try ingot.run("images", "list", "--owner", "self", "--region", "us-east-1", "--name", "golden-web-*", "--output", "json").decode(CLIJSON.ImageList.self)
        let image = try #require(listed.images.first { $0.state == "available" }?.imageId)
        #expect(try ingot.run("ssm", "put", "/golden/web", "--value", image, "--region", "us-east-1", "--data-type", "aws:ec2:image").code == 0)
        #expect(try ingot.run("templates", "create", "ssm-lt", "--region", "us-east-1", "--image-id", "resolve:ssm:/golden/web", "--instance-type", "t3.micro").code == 0)
        #expect(try ingot.run("groups", "create", "ssm-asg", "--region", "us-east-1", "--launch-template", "ssm-lt:1", "--min-size", "1", "--max-size", "4",
                              "--desired-capacity", "2").code == 0)
        let refused = try ingot.run("groups", "refresh", "--group", "ssm-asg", "--region", "us-east-1", "--desired-version", "1", "--auto-rollback")
        #expect(refused.code == 1 && refused.stderr.contains("IrreversibleInstanceRefresh") && refused.stderr.contains("Systems Manager parameter"), "\(refused.stderr)")
        #expect(try ingot.run("groups", "refreshes", "--group", "ssm-asg", "--region", "us-east-1", "--output", "json").stdout.contains("\"instanceRefreshes\" : [\n\n  ]")
                || !(try ingot.run("groups", "refreshes", "--group", "ssm-asg", "--region", "us-east-1", "--output", "json").stdout.contains("instanceRefreshId")))
        // Without AutoRollback the same refresh runs.
        #expect(try ingot.run("groups", "refresh", "--group", "ssm-asg", "--region", "us-east-1", "--desired-version", "1").code == 0)
    }

    @Test func aRolledBackCanarySaysWhatWasReplacedAndRolledBack() throws {
        let ingot = try IngotRunner()
        let r = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--strategy", "canary", "--alarm-at", "20m", "--output", "json")
        #expect(r.code == 3)
        let s = try r.decode(CLIJSON.Rollout.self)
        #expect(s.status == "RollbackSuccessful")
        #expect(s.percentageComplete == 0)
        #expect(s.replaced >= 1 && s.rolledBack >= 1, "\(s)")
        let table = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--strategy", "canary", "--alarm-at", "20m")
        #expect(table.stdout.contains("rolled back") && table.stdout.contains("Complete     0%"), "\(table.stdout)")
    }

    @Test func aFailedOrRolledBackRefreshExitsThree() throws {
        let ingot = try IngotRunner()
        let r = try ingot.run("simulate", "rollout", "--fleet-size", "10", "--unhealthy-rate", "1", "--auto-rollback")
        #expect(r.code == 3)
        #expect(r.stdout.contains("RollbackSuccessful"))
    }

    @Test func badPreferencesExitTwoNamingTheField() throws {
        let ingot = try IngotRunner()
        for (args, field) in [(["--min-healthy-percentage", "50", "--max-healthy-percentage", "200"], "max-healthy-percentage"),
                              (["--checkpoint-percentages", "50,20"], "checkpoint-percentages"),
                              (["--strategy", "Zigzag"], "strategy"),
                              (["--strategy", "canary", "--param", "bake=1m"], "param"),
                              (["--instance-warmup", "soon"], "instance-warmup"),
                              (["--az-outage", "mars-1a@5m"], "az-outage"),
                              // RefreshPreferences: "If you specify MaxHealthyPercentage, you must also specify MinHealthyPercentage".
                              (["--max-healthy-percentage", "110"], "max-healthy-percentage"),
                              (["--min-healthy-percentage", "-1"], "min-healthy-percentage"),
                              (["--checkpoint-percentages", ""], "checkpoint-percentages"),
                              (["--checkpoint-percentages", "20,,100"], "checkpoint-percentages"),
                              // ScaleInProtectedInstances takes Refresh|Ignore|Wait; StandbyInstances Terminate|Ignore|Wait.
                              (["--scale-in-protected-instances", "Terminate"], "scale-in-protected-instances"),
                              (["--standby-instances", "Refresh"], "standby-instances"),
                              (["--runs", "0"], "runs"),
                              // A preference the strategy replaces is refused rather than ignored (issue 20).
                              (["--strategy", "AllAtOnce", "--min-healthy-percentage", "50"], "AllAtOnce"),
                              (["--strategy", "ReplaceRootVolume", "--min-healthy-percentage", "90", "--max-healthy-percentage", "150"], "ReplaceRootVolume"),
                              (["--strategy", "BlueGreen", "--checkpoint-percentages", "50,100"], "BlueGreen"),
                              (["--svg", "/missing-dir/x.svg"], "svg")] {
            let r = try ingot.run(["simulate", "rollout", "--fleet-size", "10"] + args)
            #expect(r.code == 2, "\(args)")
            #expect(r.stderr.hasPrefix("error:") && r.stderr.contains(field) && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
    }

    @Test func monteCarloReportsPercentilesAndShares() throws {
        let ingot = try IngotRunner()
        let r = try ingot.run("simulate", "rollout", "--fleet-size", "30", "--runs", "40", "--launch-failure-rate", "0.05", "--output", "json")
        #expect(r.code == 0, "\(r.stderr)")
        let m = try r.decode(CLIJSON.MonteCarlo.self)
        #expect(m.runs == 40)
        let duration = m.durationSeconds
        #expect(duration.p50 <= duration.p95 && duration.p95 <= duration.p99)
        #expect(m.failedShare == 0)
        // The same seed gives the same statistics.
        #expect(try ingot.run("simulate", "rollout", "--fleet-size", "30", "--runs", "40", "--launch-failure-rate", "0.05", "--output", "json").stdout == r.stdout)
    }

    @Test func listsTheStrategiesFromTheirFoldersAndOnesOnPath() throws {
        let ingot = try IngotRunner()
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/python-strategy").path
        let path = examples + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let r = try ingot.run(["strategies", "list"], env: ["PATH": path])
        for name in ["Rolling", "ReplaceRootVolume", "Canary", "BlueGreen", "RollingBlueGreen", "AllAtOnce", "halfway"] {
            #expect(r.stdout.contains(name), "\(name)")
        }
        let halfway = try ingot.run(["simulate", "rollout", "--fleet-size", "20", "--strategy", "halfway", "--output", "json"], env: ["PATH": path])
        #expect(halfway.code == 0, "\(halfway.stderr)")
        let s = try halfway.decode(CLIJSON.Rollout.self)
        #expect(s.strategy == "halfway" && s.status == "Successful" && s.minInService == 10)
    }

    @Test func groupRefreshMovesTheInstancesAndRecordsTheRefresh() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        let before = try ingot.run("groups", "show", "web-asg", "--region", "us-east-1", "--output", "json").decode(CLIJSON.Group.self)
        let oldImages = Set(before.instances.map(\.imageId))
        // The demo already refreshed web-asg; refresh api-asg (on $Latest) onto version 2, Canary, with AutoRollback.
        // AWS refuses AutoRollback without a desired configuration, or with $Latest/$Default (IrreversibleInstanceRefresh).
        for extra in [[], ["--desired-version", "$Latest"]] {
            let refused = try ingot.run(["groups", "refresh", "--group", "api-asg", "--region", "us-east-1", "--auto-rollback"] + extra)
            #expect(refused.code == 1 && refused.stderr.contains("IrreversibleInstanceRefresh"), "\(refused.stderr)")
        }
        let r = try ingot.run("groups", "refresh", "--group", "api-asg", "--region", "us-east-1", "--strategy", "canary", "--desired-version", "2", "--output", "json")
        #expect(r.code == 0, "\(r.stderr)")
        let record = try r.decode(CLIJSON.InstanceRefresh.self)
        #expect(record.status == "Successful" && record.desiredLaunchTemplateVersion == 2)
        let group = try ingot.run("groups", "show", "api-asg", "--region", "us-east-1", "--output", "json").decode(CLIJSON.Group.self)
        let instances = group.instances
        #expect(instances.count == 3 && instances.allSatisfy { $0.launchTemplateVersion == "2" })
        #expect(group.launchTemplate.version == "2")
        let refreshes = try ingot.run("groups", "refreshes", "--group", "api-asg", "--region", "us-east-1", "--output", "json").decode(CLIJSON.InstanceRefreshes.self)
            .instanceRefreshes
        #expect(refreshes.count == 1 && refreshes[0].instanceRefreshId == record.instanceRefreshId)
        #expect(!oldImages.isEmpty)
    }

    @Test func aRefreshThatScalesOrRollsBackLeavesTheGroupAsTheSimulationEnded() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        let before = try ingot.run("groups", "show", "api-asg", "--region", "us-east-1", "--output", "json").decode(CLIJSON.Group.self)
        let oldImages = Set(before.instances.map(\.imageId))
        // A bad image: rolled back, and the instances launched during the rollback run the image the group ran.
        let bad = try ingot.run("groups", "refresh", "--group", "api-asg", "--region", "us-east-1", "--desired-version", "2", "--auto-rollback", "--unhealthy-rate", "1")
        #expect(bad.code == 3 && bad.stdout.contains("RollbackSuccessful"), "\(bad.stdout)\(bad.stderr)")
        // The note names the status as AWS spells it.
        #expect(bad.stderr.contains(": RollbackSuccessful; `ingot groups refreshes api-asg` lists it"), "\(bad.stderr)")
        let after = try ingot.run("groups", "show", "api-asg", "--region", "us-east-1", "--output", "json").decode(CLIJSON.Group.self)
        #expect(Set(after.instances.map(\.imageId)) == oldImages)
        // Scaling out during the refresh: the group keeps the new desired capacity, its instances all on the new version.
        let scaled = try ingot.run("groups", "refresh", "--group", "api-asg", "--region", "us-east-1", "--desired-version", "2", "--scale", "5m=5")
        #expect(scaled.code == 0, "\(scaled.stderr)")
        let group = try ingot.run("groups", "show", "api-asg", "--region", "us-east-1", "--output", "json").decode(CLIJSON.Group.self)
        #expect(group.desiredCapacity == 5)
        #expect(group.instances.count == 5)
    }

    /// The Auto Scaling user guide, Replace root volumes: "Your Auto Scaling group must use a mixed
    /// instances policy"; "You can't start an instance refresh with Replace Root Volume if the EC2 Auto
    /// Scaling group ... uses the $Latest or $Default launch template version."
    @Test func replaceRootVolumeNeedsAMixedInstancesPolicyOnAVersionNumber() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        // api-asg launches api-lt:$Latest without a policy: refused by simulate and refresh alike, nothing written.
        for command in [["simulate", "rollout", "--group", "api-asg", "--region", "us-east-1", "--strategy", "ReplaceRootVolume", "--desired-version", "2"],
                        ["groups", "refresh", "--group", "api-asg", "--region", "us-east-1", "--strategy", "ReplaceRootVolume", "--desired-version", "2"]] {
            let r = try ingot.run(command)
            #expect(r.code == 2 && r.stderr.contains("must use a mixed instances policy"), "\(command): \(r.stderr)")
        }
        let listed = try ingot.run("groups", "refreshes", "--group", "api-asg", "--region", "us-east-1", "--output", "json")
        #expect(try listed.decode(CLIJSON.InstanceRefreshes.self).instanceRefreshes.isEmpty, "\(listed.stdout)")
        let versions = try ingot.run("templates", "versions", "api-lt", "--region", "us-east-1", "--output", "json").decode(CLIJSON.TemplateVersions.self)
            .launchTemplateVersions
        let v1 = try #require(versions.first { $0.versionNumber == 1 }?.launchTemplateData.imageId)
        let v2 = try #require(versions.first { $0.versionNumber == 2 }?.launchTemplateData.imageId)
        let policy = FileManager.default.temporaryDirectory.appendingPathComponent("mip-\(UUID().uuidString).json")
        try Data("""
            {"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "api-lt", "Version": "1"},
              "Overrides": [{"InstanceType": "c7i.large", "ImageId": "\(v1)"}, {"InstanceType": "m7i.large", "ImageId": "\(v1)"}]}}
            """.utf8).write(to: policy)
        let created = try ingot.run("groups", "create", "rrv-asg", "--region", "us-east-1", "--mixed-instances-policy", "file://\(policy.path)",
                                    "--min-size", "0", "--max-size", "4", "--desired-capacity", "3")
        #expect(created.code == 0, "\(created.stderr)")
        let show = { try ingot.run("groups", "show", "rrv-asg", "--region", "us-east-1", "--output", "json").decode(CLIJSON.Group.self) }
        let before = try show()
        #expect(before.instances.count == 3 && before.instances.allSatisfy { $0.imageId == v1 && $0.instanceType == "c7i.large" })
        let r = try ingot.run("groups", "refresh", "--group", "rrv-asg", "--region", "us-east-1", "--strategy", "ReplaceRootVolume", "--desired-version", "2")
        #expect(r.code == 0, "\(r.stderr)")
        let after = try show()
        #expect(Set(after.instances.map(\.instanceId)) == Set(before.instances.map(\.instanceId)))
        #expect(after.instances.allSatisfy { $0.imageId == v2 && $0.launchTemplateVersion == "2" })
        #expect(after.mixedInstancesPolicy?.launchTemplate.overrides.allSatisfy { $0.imageId == v2 } == true)
        // Both --launch-template and --mixed-instances-policy: AWS takes one or the other.
        let both = try ingot.run("groups", "create", "both-asg", "--region", "us-east-1", "--launch-template", "api-lt", "--mixed-instances-policy", "file://\(policy.path)")
        #expect(both.code == 2 && both.stderr.contains("mixed-instances-policy"))
    }
}
