import Foundation
import Testing
import IngotCore

@Suite struct CLITests {
    @Test func imageLifecycleEndToEnd() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let created = try ingot.run("images", "create", "--region", "us-east-1", "--name", "golden-web-2.4.0", "--tag", "golden=true", "--version", "2.4.0/3", "--volume-size", "30")
        #expect(created.code == 0)
        let id = IngotRunner.firstLine(created.stdout)
        #expect(ImageID.isWellFormed(id))

        let show = try ingot.run("images", "show", id, "--region", "us-east-1", "--output", "json")
        let image = try show.decode(CLIJSON.Image.self)
        #expect(image.imageId == id)
        #expect(image.imageVersion == "2.4.0/3")
        #expect(image.creationDate == "2026-11-26T12:00:00.000Z")
        #expect(image.tags.first == CLIJSON.Tag(key: "golden", value: "true"))

        let copy = try ingot.run("images", "copy", id, "--source-region", "us-east-1", "--region", "eu-west-1")
        #expect(copy.code == 0)
        let copyID = IngotRunner.firstLine(copy.stdout)
        let listed = try ingot.run("images", "list", "--region", "eu-west-1", "--owner", "self", "--output", "json")
        let images = try listed.decode(CLIJSON.ImageList.self).images
        #expect(images.count == 1)
        #expect(images[0].imageId == copyID)
        #expect(images[0].sourceImageId == id)
        #expect(images[0].sourceImageRegion == "us-east-1")
        #expect(images[0].state == "pending")
        // The pending copy lands when the clock passes its time.
        let later = try ingot.run("images", "list", "--region", "eu-west-1", "--owner", "self", "--at", "2026-11-26T13:00:00Z")
        #expect(later.stdout.contains("available"))

        #expect(try ingot.run("images", "share", id, "--region", "us-east-1", "--account", "210987654321").code == 0)
        let shared = try ingot.run("images", "list", "--region", "us-east-1", "--caller-account", "210987654321")
        #expect(shared.stdout.contains(id))
        #expect(try ingot.run("images", "deprecate", id, "--region", "us-east-1", "--deprecate-at", "2027-01-01T00:00:29Z").stdout
                == "\(id) (us-east-1): deprecates at 2027-01-01T00:00:00.000Z\n")
        #expect(try ingot.run("images", "list", "--region", "us-east-1", "--at", "2027-02-01T00:00:00Z", env: ["INGOT_ACCOUNT": "210987654321"]).stdout.contains(id) == false)
        #expect(try ingot.run("images", "list", "--region", "us-east-1", "--at", "2027-02-01T00:00:00Z", "--include-deprecated", env: ["INGOT_ACCOUNT": "210987654321"]).stdout.contains(id))

        let deregistered = try ingot.run("images", "deregister", id, "--region", "us-east-1", "--output", "json")
        #expect(deregistered.code == 0)
        let orphans = try ingot.run("snapshots", "list", "--orphaned", "--output", "json")
        let snapshots = try orphans.decode(CLIJSON.SnapshotList.self).snapshots
        #expect(snapshots.count == 1)
        #expect(snapshots[0].volumeSize == 30)
        let snap = snapshots[0].snapshotId
        #expect(try ingot.run("snapshots", "delete", snap, "--region", "us-east-1").code == 0)
    }

    @Test func badInputExitsTwoWithOneLineNamingTheFieldAndWritesNothing() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let id = IngotRunner.firstLine(try ingot.run("images", "create", "--name", "keep-me").stdout)
        let before = FileManager.default.contents(atPath: ingot.store)
        let cases: [([String], String)] = [
            (["images", "list", "--region", "us-east-9"], "region: unknown region 'us-east-9'; valid regions:"),
            (["images", "show", "ami-XYZ"], "image-id: 'ami-XYZ' is not a valid id"),
            (["images", "create", "--name", "x"], "name: 'x' must be 3 to 128 characters long"),
            (["images", "create", "--name", "bad*name"], "name: 'bad*name' contains '*'"),
            (["images", "create", "--name", "tagged", "--tag", "novalue"], "tag: 'novalue' is not KEY=VALUE"),
            (["images", "create", "--name", "versioned", "--version", "2.4"], "version: '2.4' is not a version"),
            (["images", "deprecate", id, "--deprecate-at", "2020-01-01T00:00:00Z"], "deprecate-at: 2020-01-01T00:00:00.000Z is in the past"),
            (["images", "deprecate", id, "--deprecate-at", "2040-01-01T00:00:00Z"], "deprecate-at: 2040-01-01T00:00:00.000Z is more than 10 years ahead"),
            (["images", "deprecate", id, "--deprecate-at", "soon"], "deprecate-at: 'soon' is not an ISO-8601 time"),
            (["images", "copy", id, "--source-region", "us-east-1", "--region", "eu-west-1", "--kms-key-id", "k"], "kms-key-id: needs --encrypted"),
            (["images", "share", id, "--account", "1234"], "account: '1234' is not an AWS account id"),
            (["images", "list", "--filter", "Name=platform,Values=windows"], "filter: unknown filter 'platform'"),
            (["images", "list", "--at", "yesterday"], "at: 'yesterday' is not an ISO-8601 time"),
            (["images", "list", "--image-id", id, "--region", "us-east-1", "--region", "eu-west-1"], "image-id: an image id belongs to one region"),
            (["images", "list", "--caller-account", "abc"], "caller-account: 'abc' is not an AWS account id"),
            (["images", "list", "--output", "xml"], "output"),
            (["images", "frobnicate"], "frobnicate"),
        ]
        for (args, expected) in cases {
            let result = try ingot.run(args)
            #expect(result.code == 2, "\(args)")
            #expect(result.stderr.contains(expected), "\(args): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(args): \(result.stderr)")
            #expect(FileManager.default.contents(atPath: ingot.store) == before, "\(args) changed the store")
            // Nothing waits in the write-ahead log either (it would reach the file at a checkpoint).
            let wal = (try? FileManager.default.attributesOfItem(atPath: ingot.store + "-wal"))?[.size] as? Int ?? 0
            #expect(wal == 0, "\(args) left \(wal) bytes in the WAL")
        }
        // ingot demo never replaces a store it did not make.
        let demo = try ingot.run(["demo", "--store", ingot.store])
        #expect(demo.code == 2)
        #expect(demo.stderr.contains("is not a demo store"))
        #expect(FileManager.default.contents(atPath: ingot.store) == before)
        // An empty AWS_REGION counts as unset, as in the AWS CLI.
        #expect(try ingot.run(["images", "list"], env: ["AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-1"]).code == 0)
        let missing = try ingot.run(["images", "list"], env: ["INGOT_STORE": ingot.file("nope.sqlite")])
        #expect(missing.code == 2)
        #expect(missing.stderr.contains("store: no store at"))
        #expect(!FileManager.default.fileExists(atPath: ingot.file("nope.sqlite")))
    }

    @Test func awsRefusalsExitOneWithTheAWSErrorCode() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let missing = try ingot.run("images", "show", "ami-0123456789abcdef0")
        #expect(missing.code == 1)
        #expect(missing.stderr.contains("InvalidAMIID.NotFound"))
        let id = IngotRunner.firstLine(try ingot.run("images", "create", "--name", "protected-one").stdout)
        #expect(try ingot.run("images", "protect", id).code == 0)
        let blocked = try ingot.run("images", "deregister", id)
        #expect(blocked.code == 1)
        #expect(blocked.stderr.contains("InvalidImage.DeregistrationProtected"))
        let json = try ingot.run("images", "show", id, "--output", "json")
        let snap = try #require(try json.decode(CLIJSON.Image.self).blockDeviceMappings.first?.ebs?.snapshotId)
        let inUse = try ingot.run("snapshots", "delete", snap)
        #expect(inUse.code == 1)
        #expect(inUse.stderr.contains("InvalidSnapshot.InUse"))
        let duplicate = try ingot.run("images", "create", "--name", "protected-one")
        #expect(duplicate.code == 1)
        #expect(duplicate.stderr.contains("InvalidAMIName.Duplicate"))
    }

    @Test func demoSeedsAndShowsGoldenImagesPerRegion() throws {
        let ingot = try IngotRunner()
        let demo = try ingot.run(["demo", "--store", ingot.file("demo.sqlite")])
        #expect(demo.code == 0)
        // The loop starts from a pipeline: golden-web 2.3.0/1 is built, tested and distributed (web-lt moved with it),
        // golden-api 1.3.0/1 fails its test and leaves its AMI, which doctor reports.
        for needle in ["us-east-1", "eu-west-1", "ap-southeast-2", "golden-web 2.3.0/1: AVAILABLE", "golden-api 1.3.0/1: FAILED", "failed-build-image",
                       "1 copying", "would-create", "applied: 3 new versions", "golden-build-missing", "group-on-moving-version", "orphaned-snapshot"] {
            #expect(demo.stdout.contains(needle), "missing \(needle)")
        }
        #expect(demo.stdout.split(separator: "\n").count <= 48)
        let again = try ingot.run(["demo", "--store", ingot.file("demo.sqlite"), "--output", "json"])
        #expect(again.code == 0)
        let report = try again.decode(CLIJSON.Demo.self)
        #expect(report.resolve["golden-web"]?.regions != nil)
        #expect(report.applied.templates.filter { $0.action == "created-version" }.count == 3)
        // After the demo's refresh, a second refresh changes nothing.
        let second = try ingot.run(["templates", "refresh", "--store", ingot.file("demo.sqlite"), "--template", "web-lt", "--owner", "self",
                                    "--name", "golden-web-*", "--tag", "golden=true", "--region", "us-east-1,eu-west-1,ap-southeast-2", "--output", "json"])
        #expect(second.code == 0)
        #expect(!second.stdout.contains("created-version"))
        let doctor = try ingot.run(["doctor", "--store", ingot.file("demo.sqlite"), "--output", "json"])  // every region in use
        #expect(doctor.code == 3)
        let findings = try doctor.decode(CLIJSON.Doctor.self).findings
        #expect(Set(findings.map(\.kind)) == ["group-on-moving-version", "instance-image-drift", "orphaned-snapshot", "golden-build-missing",
                                                           "template-image-unusable", "failed-build-image"])
        // The demo's DR apply pointed eu-west-1's batch-lt at a copy that is still pending.
        #expect(findings.contains { $0.kind == "template-image-unusable" && $0.resource == "batch-lt:1" && $0.detail.contains("pending") })
        // The demo account shares one golden image with the staging account, and disabled one build.
        let staging = try ingot.run(["images", "list", "--store", ingot.file("demo.sqlite"), "--caller-account", "210987654321", "--owner", "123456789012"])
        #expect(staging.stdout.contains("golden-api-1.2.3-1"))
        let disabled = try ingot.run(["images", "list", "--store", ingot.file("demo.sqlite"), "--owner", "self", "--state", "disabled", "--include-disabled"])
        #expect(disabled.stdout.contains("golden-web-2.2.1-1"))
        let yaml = try ingot.run(["images", "list", "--store", ingot.file("demo.sqlite"), "--owner", "self", "--name", "golden-web-2.2.3-1", "--output", "yaml"])
        #expect(yaml.code == 0)
        // The JSON document's keys, sorted as --output json sorts them.
        #expect(yaml.stdout.hasPrefix("images:\n- architecture: x86_64\n") && yaml.stdout.contains("\n  imageId: ami-"))
        #expect(yaml.stdout.contains("  name: golden-web-2.2.3-1\n"))
        // Orphaned snapshots left by deregistered builds, with their size.
        let orphans = try ingot.run(["snapshots", "list", "--store", ingot.file("demo.sqlite"), "--orphaned"])
        #expect(orphans.stdout.split(separator: "\n").filter { $0.contains("(orphaned)") }.count == 3)
    }
}

@Suite struct ResolveCLITests {
    @Test func resolvesPerRegionExplainsAndExitsThreeWhenARegionHasNothing() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let old = IngotRunner.firstLine(try ingot.run("images", "create", "--name", "golden-web-1.0.0", "--tag", "golden=true", "--version", "1.0.0/1", "--at", "2026-11-01T00:00:00Z").stdout)
        let new = IngotRunner.firstLine(try ingot.run("images", "create", "--name", "golden-web-1.1.0", "--tag", "golden=true", "--version", "1.1.0/1", "--at", "2026-11-20T00:00:00Z").stdout)
        #expect(try ingot.run("images", "deprecate", old, "--deprecate-at", "2026-11-25T00:00:00Z", "--at", "2026-11-21T00:00:00Z").code == 0)
        let copy = IngotRunner.firstLine(try ingot.run("images", "copy", new, "--source-region", "us-east-1", "--region", "eu-west-1", "--copy-tags").stdout)

        let json = try ingot.run("resolve", "--owner", "self", "--name", "golden-web-*", "--tag", "golden=true",
                                 "--region", "us-east-1", "--region", "eu-west-1", "--explain", "--output", "json")
        #expect(json.code == 3)  // the eu-west-1 copy is still pending at 12:00
        let regions = try json.decode(CLIJSON.Resolve.self).regions
        #expect(regions.map(\.region) == ["us-east-1", "eu-west-1"])
        #expect(regions[0].image?.imageId == new)
        // --explain lists the candidates newer than the choice (none here) and counts the others by rule.
        #expect(regions[0].rejected == [])
        #expect(regions[0].olderByRule == ["deprecated": 1])
        #expect(regions[1].image == nil)  // "image": null (the decoder requires the key)
        // Nothing chosen: every candidate is explained.
        #expect(regions[1].rejected?.first?.reason.hasPrefix("pending (copy lands at") == true)
        #expect(regions[1].olderByRule == [:])
        // --explain-all lists every one.
        let all = try ingot.run("resolve", "--owner", "self", "--name", "golden-web-*", "--tag", "golden=true",
                                "--region", "us-east-1", "--explain-all", "--output", "json")
        let rejected = try #require(try all.decode(CLIJSON.Resolve.self).regions[0].rejected)
        #expect(rejected == [CLIJSON.Resolve.Rejection(imageId: old, name: "golden-web-1.0.0", reason: "deprecated since 2026-11-25T00:00:00.000Z")])
        #expect(try all.decode(CLIJSON.Resolve.self).regions[0].olderByRule == nil)
        let table = try ingot.run("resolve", "--owner", "self", "--name", "golden-web-*", "--tag", "golden=true", "--region", "us-east-1", "--explain")
        #expect(table.stdout.contains("us-east-1: 0 rejected candidates newer than \(new)"))
        #expect(table.stdout.contains("older: 1 deprecated (--explain-all lists them)"))
        // Without --explain the document counts the rejections by rule instead of listing them.
        let brief = try ingot.run("resolve", "--owner", "self", "--name", "golden-web-*", "--tag", "golden=true",
                                  "--region", "us-east-1", "--region", "eu-west-1", "--output", "json")
        let briefRegions = try brief.decode(CLIJSON.Resolve.self).regions
        #expect(briefRegions[0].rejected == nil && briefRegions[0].rejectedCount == 1)  // the key absent (the decoder refuses null)
        #expect(briefRegions[0].rejectedByRule == ["deprecated": 1])
        #expect(briefRegions[1].rejectedByRule == ["pending": 1])

        // An hour later the copy has landed: both regions resolve, and --consistent agrees.
        let later = try ingot.run("resolve", "--owner", "self", "--name", "golden-web-*", "--region", "us-east-1,eu-west-1",
                                  "--consistent", "--at", "2026-11-26T13:00:00Z")
        #expect(later.code == 0)
        #expect(later.stdout.contains(new) && later.stdout.contains(copy))
        #expect(!later.stdout.contains("lagging"))
        // Before it lands, --consistent falls back to nothing common and names the lagging region.
        let lag = try ingot.run("resolve", "--owner", "self", "--name", "golden-web-*", "--region", "us-east-1,eu-west-1", "--consistent")
        #expect(lag.code == 3)
        #expect(lag.stdout.contains("lagging: eu-west-1 lacks 1.1.0/1 (\(new) in us-east-1)"))

        let selector = ingot.file("golden.yaml")
        try Data("selector:\n  names: [\"golden-web-*\"]\n  tags: {golden: \"true\"}\n  owners: [self]\n  version: \">=1.0.0 <1.1.0\"\n".utf8)
            .write(to: URL(fileURLWithPath: selector))
        let ranged = try ingot.run("resolve", "--selector", selector, "--explain", "--at", "2026-11-22T00:00:00Z")
        #expect(ranged.code == 0)
        #expect(ranged.stdout.contains(old))
        #expect(ranged.stdout.contains("version 1.1.0/1 out of range"))

        let bad = try ingot.run("resolve", "--name", "x*", "--version-range", "about two")
        #expect(bad.code == 2)
        #expect(bad.stderr.contains("version-range: 'about' is not a constraint"))
        #expect(try ingot.run("resolve").code == 2)
    }
}

/// The documentation's examples, run as a newcomer would on the demo store.
@Suite struct ReadmeExampleTests {
    @Test func theExampleIngotYamlWorksOnTheDemoStore() throws {
        let file = Self.readme.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Examples/ingot.yaml").path
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        let refresh = try ingot.run("templates", "refresh", "-f", file, "--dry-run")
        #expect(refresh.code == 0 && refresh.stdout.contains("web-lt") && refresh.stdout.contains("api-lt"), "\(refresh.stdout)\(refresh.stderr)")
        let plan = try ingot.run("dr", "plan", "-f", file, "--output", "json")
        #expect(plan.code == 0 || plan.code == 3, "\(plan.stderr)")
    }

    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/resolve-and-templates.md")

    @Test func theSelectorFileResolvesOnTheDemoStore() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        // The first ```yaml block that declares a selector.
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```").first ?? "" }
        let yaml = try #require(blocks.first { $0.hasPrefix("selector:") })
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        try yaml.write(toFile: ingot.file("golden.yaml"), atomically: true, encoding: .utf8)
        let r = try ingot.run("resolve", "--selector", ingot.file("golden.yaml"), "--region", "us-east-1,eu-west-1", "--consistent", "--output", "json")
        #expect(r.code == 0, "\(r.stdout)\(r.stderr)")
        // The demo's pipeline distributed golden-web 2.3.0/1 to both regions.
        #expect(r.stdout.contains("golden-web-2.3.0-1"), "\(r.stdout)")
    }
}

/// Small things a newcomer trips over on the Quick-start path.
@Suite struct NewcomerTests {
    @Test func initLogsNothingBelowTheChosenLevel() throws {
        let ingot = try IngotRunner()
        let r = try ingot.run(["init", "--demo"], env: ["INGOT_LOG_LEVEL": "error"])
        #expect(r.code == 0 && r.stderr.isEmpty, "\(r.stderr)")
    }

    /// A protection turned off with a cooldown still blocks deregistration: the message says until when.
    @Test func deregisteringDuringTheCooldownSaysWhenItEnds() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let created = try ingot.run("images", "create", "--region", "us-east-1", "--name", "golden-web-1.0.0", "--version", "1.0.0/1")
        let id = try #require(created.stdout.split(whereSeparator: \.isWhitespace).first.map(String.init))
        #expect(try ingot.run("images", "protect", id, "--region", "us-east-1", "--with-cooldown").code == 0)
        #expect(try ingot.run("images", "unprotect", id, "--region", "us-east-1").code == 0)
        let r = try ingot.run("images", "deregister", id, "--region", "us-east-1")
        #expect(r.code == 1 && r.stderr.contains("cooldown that ends at") && !r.stderr.contains("disable it first"), "\(r.stderr)")
    }

    /// Every mutating command says what it did, and with --output json prints a document that parses.
    @Test func mutatingCommandsReportWhatTheyDidAndPrintJSON() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let created = try ingot.run("images", "create", "--region", "us-east-1", "--name", "golden-web-1.0.0", "--version", "1.0.0/1")
        let id = try #require(created.stdout.split(whereSeparator: \.isWhitespace).first.map(String.init))
        let at = ["--at", "2027-01-01T00:00:00Z"]
        let commands: [[String]] = [
            ["images", "share", id, "--account", "210987654321"], ["images", "unshare", id, "--account", "210987654321"],
            ["images", "deprecate", id, "--deprecate-at", "2027-06-01T00:00:00Z"], ["images", "undeprecate", id],
            ["images", "tag", id, "--tag", "golden=true"], ["images", "protect", id], ["images", "unprotect", id],
            ["images", "disable", id], ["images", "enable", id],
        ]
        for command in commands {
            let table = try ingot.run(command + ["--region", "us-east-1"] + at)
            #expect(table.code == 0 && table.stdout.hasPrefix("\(id) (us-east-1): "), "\(command): \(table.stdout)\(table.stderr)")
        }
        for command in commands {
            let json = try ingot.run(command + ["--region", "us-east-1", "--output", "json"] + at)
            #expect(json.code == 0, "\(command): \(json.stderr)")
            #expect((try? json.decode([String: JSONValue].self)) != nil, "\(command): \(json.stdout)")
        }
        let copy = try ingot.run("images", "copy", id, "--source-region", "us-east-1", "--region", "eu-west-1")
        #expect(copy.code == 0 && copy.stderr.contains("pending, lands at"), "\(copy.stderr)")
        #expect(try ingot.run("ssm", "put", "/golden/web", "--value", id, "--region", "us-east-1").code == 0)
        let instance = try ingot.run("instances", "run", "--region", "us-east-1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let terminated = try ingot.run("instances", "terminate", instance, "--region", "us-east-1", "--output", "json")
        #expect(terminated.code == 0 && terminated.stdout.contains("\"instanceId\" : \"\(instance)\""), "\(terminated.stdout)\(terminated.stderr)")
        let label = try ingot.run("ssm", "label", "/golden/web", "--version", "1", "--label", "prod", "--region", "us-east-1", "--output", "json")
        #expect(label.code == 0 && (try? label.decode([String: JSONValue].self)) != nil, "\(label.stdout)\(label.stderr)")
    }

    @Test func globalOptionsGoBeforeOrAfterTheSubcommandAndTyposGetASuggestion() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let before = try ingot.run("--output", "json", "images", "list", "--owner", "amazon", "--region", "eu-west-1")
        let after = try ingot.run("images", "list", "--owner", "amazon", "--region", "eu-west-1", "--output", "json")
        #expect(before.code == 0 && before.stdout == after.stdout)
        let typo = try ingot.run("image", "list")
        #expect(typo.code == 2 && typo.stderr.contains("did you mean 'images'"), "\(typo.stderr)")
        let markdown = try ingot.run("images", "list", "--output", "markdown")
        #expect(markdown.code == 2 && markdown.stderr.contains("dr plan"), "\(markdown.stderr)")
        let version = try ingot.run("--version")
        #expect(version.code == 0 && version.stdout.split(separator: ".").count == 3)
    }

    /// `--output yaml` is the JSON document, numbers as JSON writes them (3453.435, not 3.453435e+3), and
    /// strings that look like numbers or dates stay strings: checked by PyYAML (the AWS CLI's own YAML
    /// library) against the JSON output.
    @Test func yamlSaysWhatJSONSays() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        for command in [["simulate", "rollout", "--fleet-size", "10"], ["images", "list", "--owner", "amazon", "--region", "eu-west-1"]] {
            let yaml = try ingot.run(command + ["--output", "yaml"]), json = try ingot.run(command + ["--output", "json"])
            #expect(yaml.code == 0 && json.code == 0)
            #expect(!yaml.stdout.contains("e+"), "\(yaml.stdout.prefix(400))")
            try yaml.stdout.write(toFile: ingot.file("out.yaml"), atomically: true, encoding: .utf8)
            try json.stdout.write(toFile: ingot.file("out.json"), atomically: true, encoding: .utf8)
            let check = try python("import json,sys,yaml; a=yaml.safe_load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a == b else 1)",
                                   [ingot.file("out.yaml"), ingot.file("out.json")])
            #expect(check.code == 0, "\(command): the YAML and JSON documents differ")
        }
    }

    /// `--tag` means one thing in every command, AWS's filter semantics (EC2 API reference, Filter): "If you
    /// specify multiple values for a filter, the values are joined with an OR, and the request returns all
    /// results that match any of the specified values"; several filters must all match (AND).
    @Test func tagMeansTheSameInImagesListAndResolve() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        func count(_ args: [String]) throws -> Int {
            let r = try ingot.run(["images", "list", "--owner", "self", "--region", "us-east-1", "--output", "json"] + args)
            return try r.decode(CLIJSON.ImageList.self).images.count
        }
        let web = try count(["--tag", "team=web"]), api = try count(["--tag", "team=api"])
        #expect(web > 0 && api > 0)
        #expect(try count(["--tag", "team=web", "--tag", "team=api"]) == web + api)
        #expect(try count(["--tag", "team=web", "--tag", "golden=true"]) == web)
        let resolved = try ingot.run("resolve", "--owner", "self", "--name", "golden-*", "--tag", "team=web", "--tag", "team=api", "--region", "us-east-1")
        #expect(resolved.code == 0 && (resolved.stdout.contains("golden-web") || resolved.stdout.contains("golden-api")), "\(resolved.stdout)")
    }

    @Test func theDemoPrintsWholeDoctorDetailsAndItsWarnings() throws {
        let ingot = try IngotRunner()
        let r = try ingot.run("demo", "--store", ingot.store)
        #expect(r.code == 0)
        // Not a terminal: every line whole.
        #expect(r.stdout.contains("what runs can drift from what was tested, and an instance refresh cannot roll back to it"), "\(r.stdout)")
        #expect(!r.stdout.contains("1 warnings") && !r.stdout.contains("1 blockers"))
        if r.stdout.contains("1 warning") { #expect(r.stdout.contains("   warning: ")) }
    }
}
