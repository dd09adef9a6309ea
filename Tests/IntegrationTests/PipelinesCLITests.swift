import Foundation
import IngotCore
import Testing

/// `ingot pipelines` as a user runs it: bad definitions refused before anything is written, and a
/// schedule killed with SIGKILL half-way resumes to the same world as an uninterrupted run.
@Suite struct PipelinesCLITests {
    static let yaml = """
        imageBuilder:
          region: us-east-1
          components:
            - name: web-server
              semanticVersion: 1.0.0
              platform: Linux
              data: |
                schemaVersion: 1.0
                phases:
                  - name: build
                    steps:
                      - name: Install
                        action: ExecuteBash
                        inputs:
                          commands: ["dnf install -y nginx"]
                  - name: test
                    steps:
                      - name: Curl
                        action: ExecuteBash
                        inputs:
                          commands: ["curl -fsS localhost"]
          imageRecipes:
            - name: golden-web
              semanticVersion: 2.3.0
              parentImage: arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x
              components:
                - componentArn: web-server/1.x.x
          infrastructureConfigurations:
            - name: builders
              instanceProfileName: EC2InstanceProfileForImageBuilder
          distributionConfigurations:
            - name: web
              distributions:
                - region: us-east-1
                  amiDistributionConfiguration: {name: "golden-web-{{ imagebuilder:buildDate }}", amiTags: {golden: "true"}}
                  launchTemplateConfigurations: [{launchTemplateId: web-lt, setDefaultVersion: true}]
                  ssmParameterConfigurations: [{parameterName: /golden/web/latest}]
                - region: eu-west-1
                  amiDistributionConfiguration: {name: "golden-web-{{ imagebuilder:buildDate }}"}
          imagePipelines:
            - name: golden-web
              imageRecipeArn: golden-web/2.3.0
              infrastructureConfigurationArn: builders
              distributionConfigurationArn: web
              schedule:
                scheduleExpression: cron(0 6 ? * MON,THU *)
                pipelineExecutionStartCondition: EXPRESSION_MATCH_ONLY
        """

    /// A store with web-lt on the newest Amazon Linux and the pipeline applied.
    static func prepared() async throws -> IngotRunner {
        let ingot = try IngotRunner()
        #expect(try await ingot.run("init").code == 0)
        let resolved = try await ingot.run("resolve", "--owner", "amazon", "--name", "al2023-ami-*-x86_64", "--output", "json")
        let base = try #require(try resolved.decode(CLIJSON.Resolve.self).regions.first?.image?.imageId)
        #expect(try await ingot.run("templates", "create", "web-lt", "--image-id", base).code == 0)
        try yaml.write(toFile: ingot.file("ingot.yaml"), atomically: true, encoding: .utf8)
        let applied = try await ingot.run("pipelines", "apply", "-f", ingot.file("ingot.yaml"))
        #expect(applied.code == 0, "\(applied.stderr)")
        return ingot
    }

    @Test func badDefinitionsExitTwoNamingTheFieldAndWriteNothing() async throws {
        let ingot = try IngotRunner()
        #expect(try await ingot.run("init").code == 0)
        // The first pool to open a new store settles its WAL: compare from after that.
        #expect(try await ingot.run("imagebuilder", "list", "pipelines").code == 0)
        let cases: [(String, String, String)] = [
            ("cron(0 6 ? * MON,THU *)", "cron(0 6 * * MON *)", "imageBuilder.imagePipelines[0].schedule.scheduleExpression:"),
            ("componentArn: web-server/1.x.x", "componentArn: web-server/x.1.x", "imageBuilder.imageRecipes[0].components[0].componentArn:"),
            ("action: ExecuteBash", "action: ExecuteBsh", "imageBuilder.components[0].data.phases[0].steps[0].action:"),
            ("instanceProfileName:", "instanceProfile:", "imageBuilder.infrastructureConfigurations[0]: unknown key 'instanceProfile'"),
        ]
        for (good, bad, field) in cases {
            let text = Self.yaml.replacingOccurrences(of: good, with: bad)
            #expect(text != Self.yaml, "\(good) is not in the file")
            try text.write(toFile: ingot.file("bad.yaml"), atomically: true, encoding: .utf8)
            let before = FileManager.default.contents(atPath: ingot.store)
            let r = try await ingot.run("pipelines", "apply", "-f", ingot.file("bad.yaml"))
            #expect(r.code == 2, "\(bad): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: \(field)") || r.stderr.contains(field), "\(bad): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(FileManager.default.contents(atPath: ingot.store) == before, "\(bad) changed the store")
        }
        // Refused inside the transaction (the recipe's component does not exist, which only the store
        // knows): rolled back, so the components created before it are not there either. (The file
        // itself may change: opening a store makes SQLite's WAL, see Store.isDemo.)
        let missing = Self.yaml.replacingOccurrences(of: "componentArn: web-server/1.x.x", with: "componentArn: web-missing/1.x.x")
        try missing.write(toFile: ingot.file("missing.yaml"), atomically: true, encoding: .utf8)
        let r = try await ingot.run("pipelines", "apply", "-f", ingot.file("missing.yaml"))
        #expect(r.code == 2 && r.stderr.contains("imageBuilder.imageRecipes[0].components[0].componentArn: no component matches"), "\(r.stderr)")
        #expect(try await ingot.run("imagebuilder", "list", "components", "--output", "json").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")
    }

    @Test func aFailStepThatNamesNoStepIsExitTwoListingTheSteps() async throws {
        let ingot = try await Self.prepared()
        let r = try await ingot.run("pipelines", "run", "golden-web", "--fail-step", "web-server/test/Crul")
        #expect(r.code == 2 && r.stderr.contains("fail-step: 'web-server/test/Crul' names no step") && r.stderr.contains("web-server/test/Curl"), "\(r.stderr)")
        #expect(try await ingot.run("pipelines", "executions", "golden-web", "--output", "json").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")
    }

    /// What a run left: each build's version and status, and web-lt's versions.
    static func world(_ ingot: IngotRunner, at: String) async throws -> [String] {
        let images = try await ingot.run("imagebuilder", "list", "images", "--output", "json", "--at", at)
        let builds = try images.decode([CLIJSON.PipelineImage].self).map { "\($0.version) \($0.state.status)" }
        let versions = try await ingot.run("templates", "versions", "web-lt", "--output", "json", "--at", at)
        return builds + ["web-lt versions: \(versions.stdout.components(separatedBy: "\"versionNumber\"").count - 1)"]
    }

    @Test func aScheduleKilledHalfWayResumesToTheSameWorld() async throws {
        let until = "2027-04-01T00:00:00Z"
        let whole = try await Self.prepared()
        let started = Date()
        let full = try await whole.run("pipelines", "schedule", "--until", until)
        #expect(full.code == 0, "\(full.stderr)")
        let duration = Date().timeIntervalSince(started)
        let expected = try await Self.world(whole, at: until)
        #expect(expected.count > 30 && expected.allSatisfy { !$0.contains("PENDING") })

        // The same schedule, killed with SIGKILL half-way through, then run again.
        let killed = try await Self.prepared()
        let (process, _, _) = try killed.start(["pipelines", "schedule", "--until", until])
        try await Task.sleep(for: .seconds(max(0.05, duration / 2)))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try await killed.run("pipelines", "schedule", "--until", until)
        #expect(resumed.code == 0, "\(resumed.stderr)")
        #expect(try await Self.world(killed, at: until) == expected)
    }
}
