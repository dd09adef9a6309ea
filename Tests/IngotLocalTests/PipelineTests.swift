import Foundation
import IngotCore
@testable import IngotLocal
import Testing

/// A golden-web pipeline on a fresh store: an update, a web server and a smoke test on Amazon Linux
/// 2023, built on c6i.xlarge, distributed to us-east-1 and eu-west-1 with web-lt refreshed in both
/// and an SSM parameter written.
struct PipelineWorld {
    let fixture: Fixture
    var cloud: LocalCloud { fixture.cloud }
    static let web = "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/golden-web"

    static func bash(_ step: String, timeout: Int? = nil, onFailure: String? = nil) -> String {
        """
                  - name: \(step)
                    action: ExecuteBash\(timeout.map { "\n            timeoutSeconds: \($0)" } ?? "")\(onFailure.map { "\n            onFailure: \($0)" } ?? "")
                    inputs:
                      commands: ["true"]
        """
    }

    static func component(_ name: String, version: String = "1.0.0", phases: [(String, [String])]) -> ComponentDefinition {
        let body = phases.map { phase, steps in "  - name: \(phase)\n    steps:\n" + steps.joined(separator: "\n") }.joined(separator: "\n")
        // The YAML is built with the step blocks indented under their phase.
        let data = "schemaVersion: 1.0\nphases:\n" + body.replacingOccurrences(of: "\n          ", with: "\n    ") + "\n"
        return ComponentDefinition(name: name, semanticVersion: SemanticVersion(1, 0, 0), platform: .linux, data: data).withVersion(version)
    }

    static func definitions(schedule: PipelineSchedule? = nil, testSteps: [String] = [bash("Curl")], extraBuild: [String] = [],
                            recipeVersion: String = "2.3.0", targetAccount: String? = nil) throws -> ImageBuilderDefinitions {
        var recipe = ImageRecipeDefinition(
            name: "golden-web", semanticVersion: try VersionFilter(recipeVersion, field: "v"),
            parentImage: "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x",
            components: [ComponentConfiguration(componentArn: "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"),
                         ComponentConfiguration(componentArn: "web-base/1.x.x"), ComponentConfiguration(componentArn: "web-smoke/x.x.x")])
        recipe.blockDeviceMappings = [RecipeBlockDeviceMapping(deviceName: "/dev/xvda", ebs: .init(volumeSize: 30))]
        recipe.amiTags = ["golden": "true"]
        let name = "golden-web-{{ imagebuilder:buildDate }}-{{ imagebuilder:buildVersion }}"
        var east = AMIDistributionConfiguration(name: name)
        east.targetAccountIds = targetAccount.map { [$0] }
        return ImageBuilderDefinitions(
            region: .usEast1,
            components: [component("web-base", phases: [("build", [bash("InstallNginx")] + extraBuild), ("validate", [bash("CheckNginx")])]),
                         component("web-smoke", phases: [("test", testSteps)])],
            imageRecipes: [recipe],
            infrastructureConfigurations: [InfrastructureConfigurationDefinition(name: "builders", instanceTypes: ["c6i.xlarge"])],
            distributionConfigurations: [DistributionConfigurationDefinition(name: "web-everywhere", distributions: [
                Distribution(region: .usEast1, amiDistributionConfiguration: east,
                             launchTemplateConfigurations: [LaunchTemplateConfiguration(launchTemplateId: "web-lt", setDefaultVersion: true)],
                             ssmParameterConfigurations: [SSMParameterConfiguration(parameterName: "/golden/web/latest")]),
                Distribution(region: .euWest1, amiDistributionConfiguration: AMIDistributionConfiguration(
                    name: name, launchPermission: DistributionLaunchPermission(userIds: ["210987654321"])),
                             launchTemplateConfigurations: [LaunchTemplateConfiguration(launchTemplateId: "web-lt", setDefaultVersion: true)]),
            ])],
            imagePipelines: [ImagePipelineDefinition(name: "golden-web", imageRecipeArn: "golden-web/\(recipeVersion)", infrastructureConfigurationArn: "builders",
                                                     distributionConfigurationArn: "web-everywhere", schedule: schedule)])
    }

    /// The store with the catalog, web-lt in both regions (on the newest Amazon Linux), and `definitions` applied.
    init(_ definitions: ImageBuilderDefinitions? = nil) async throws {
        fixture = try await Fixture(catalog: true)
        for region in [Region.usEast1, .euWest1] {
            let al = try await fixture.list(region) { $0.owners = [.alias("amazon")]; $0.filters = [.name(["al2023-ami-*-x86_64"])] }
            _ = try await fixture.cloud.createLaunchTemplate(CreateLaunchTemplateRequest(
                region: region, name: "web-lt", data: LaunchTemplateData(imageId: al.max { $0.creationDate < $1.creationDate }?.id.rawValue, instanceType: "c7i.large")))
        }
        _ = try await fixture.cloud.applyImageBuilder(try definitions ?? Self.definitions(), defaultRegion: .usEast1, dryRun: false)
    }

    /// Brings due work up to `date`.
    @discardableResult
    func advance(to date: Date) async throws -> [PipelineEvent] { try await fixture.at(date).catchUp() }

    func templateImage(_ region: Region, at date: Date) async throws -> (Int, String?) {
        let versions = try await fixture.at(date).describeLaunchTemplateVersions(region: region, name: "web-lt", versions: [.default])
        return (versions.first?.versionNumber ?? 0, versions.first?.data.imageId)
    }
}

extension ComponentDefinition {
    func withVersion(_ text: String) -> ComponentDefinition {
        var c = self
        c.semanticVersion = (try? SemanticVersion(text, field: "v")) ?? c.semanticVersion
        return c
    }
}

@Suite("Image Builder pipelines on the local cloud, in virtual time")
struct PipelineTests {
    @Test("Each status change happens at its virtual time: nothing is distributed and no template changes before DISTRIBUTING ends")
    func statusAtEachPhase() async throws {
        let world = try await PipelineWorld()
        let build = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1)
        let t = build.timeline
        let (before, beforeImage) = try await world.templateImage(.usEast1, at: Fixture.now)
        #expect(before == 1)

        try await world.advance(to: t.buildInstanceAt.addingTimeInterval(120))
        #expect(try await world.cloud.imageBuild(build.arn.description).status == .building)
        #expect(try await world.templateImage(.usEast1, at: t.buildInstanceAt.addingTimeInterval(120)).0 == 1)

        // CreateImage ran; the AMI is pending until the snapshot completes.
        let afterCreate = try #require(t.buildEnd).addingTimeInterval(1)
        try await world.advance(to: afterCreate)
        let made = try await world.cloud.imageBuild(build.arn.description)
        let ami = try await world.fixture.image(try #require(made.imageId), as: world.fixture.at(afterCreate))
        #expect(ami.state == .pending && made.status == .building)
        #expect(ami.tags[tag: "CreatedBy"] == "EC2 Image Builder" && ami.tags[tag: "Ec2ImageBuilderArn"] == build.arn.description)
        #expect(ami.tags[tag: "golden"] == "true" && ami.imageVersion == ImageVersion(major: 2, minor: 3, patch: 0, build: 1))

        let testing = try #require(t.testInstanceAt).addingTimeInterval(1)
        try await world.advance(to: testing)
        #expect(try await world.cloud.imageBuild(build.arn.description).status == .testing)

        let distributing = try #require(t.distributionAt).addingTimeInterval(1)
        try await world.advance(to: distributing)
        #expect(try await world.cloud.imageBuild(build.arn.description).status == .distributing)
        // The copy to eu-west-1 is pending, so nothing in that region has changed yet.
        #expect(try await world.templateImage(.euWest1, at: distributing).0 == 1)

        let end = distributing.addingTimeInterval(3 * 3600)
        try await world.advance(to: end)
        let done = try await world.cloud.imageBuild(build.arn.description)
        #expect(done.history.map(\.status) == [.pending, .building, .testing, .distributing, .integrating, .available])
        let east = try #require(done.outputs.first { $0.region == .usEast1 })
        let west = try #require(done.outputs.first { $0.region == .euWest1 })
        #expect(try await world.templateImage(.usEast1, at: end) == (2, east.image.rawValue))
        #expect(try await world.templateImage(.euWest1, at: end) == (2, west.image.rawValue))
        #expect(before == 1 && beforeImage != east.image.rawValue)
        #expect(try await world.fixture.at(end).getParameter(region: .usEast1, name: "/golden/web/latest").value == east.image.rawValue)
        // launchPermission in eu-west-1: the copy there is shared; the build region's is not.
        #expect(try await world.fixture.image(west.image, region: .euWest1, as: world.fixture.at(end)).launchPermissions.userIds == [Fixture.other])
        #expect(try await world.fixture.image(east.image, as: world.fixture.at(end)).launchPermissions.userIds.isEmpty)
        // Both instances are gone.
        let instances = try await world.fixture.at(end).describeInstances(region: .usEast1, instanceIds: [])
        #expect(instances.allSatisfy { $0.state == .terminated } && instances.count == 2)

        // Moving back in time undoes nothing; the image's status then is read from its history.
        #expect(try await world.templateImage(.usEast1, at: Fixture.now).0 == 2)
        #expect(done.status(at: testing) == .testing)
        #expect(try await world.advance(to: Fixture.now).isEmpty)
    }

    @Test("A failing test: FAILED with the step named, nothing distributed, templates untouched, the AMI made for the test left behind")
    func failedTest() async throws {
        let world = try await PipelineWorld()
        let build = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1, faults: BuildPlanner.Faults(failSteps: ["web-smoke/test/Curl"]))
        let end = Fixture.now.addingTimeInterval(4 * 3600)
        try await world.advance(to: end)
        let failed = try await world.cloud.imageBuild(build.arn.description)
        #expect(failed.status == .failed)
        #expect(failed.timeline.failure?.stage == "test" && failed.timeline.failure?.stepName == "Curl")
        #expect(failed.reason?.contains("web-smoke") == true)
        #expect(try await world.templateImage(.usEast1, at: end).0 == 1)
        #expect(try await world.templateImage(.euWest1, at: end).0 == 1)
        #expect(try await world.fixture.list(.euWest1, as: world.fixture.at(end)) { $0.owners = [.caller] }.isEmpty)
        let left = try await world.fixture.image(try #require(failed.imageId), as: world.fixture.at(end))
        #expect(left.state == .available && left.tags[tag: "CreatedBy"] == "EC2 Image Builder")
        #expect((try? await world.fixture.at(end).getParameter(region: .usEast1, name: "/golden/web/latest")) == nil)
    }

    @Test("AWSTOE onFailure: Ignore lets the build succeed; Continue runs the next steps, then fails the build")
    func onFailure() async throws {
        // A step whose timeout (1 s) is shorter than any ExecuteBash run (5 s at least) always fails.
        for (mode, expected) in [("Ignore", ImageBuildStatus.available), ("Continue", .failed)] {
            let definitions = try PipelineWorld.definitions(extraBuild: [PipelineWorld.bash("Flaky", timeout: 1, onFailure: mode), PipelineWorld.bash("After")])
            let world = try await PipelineWorld(definitions)
            let build = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1)
            try await world.advance(to: Fixture.now.addingTimeInterval(4 * 3600))
            let done = try await world.cloud.imageBuild(build.arn.description)
            #expect(done.status == expected, "\(mode)")
            #expect(done.timeline.steps.contains { $0.name == "After" && $0.status == "Success" }, "\(mode): the next step ran")
            #expect(done.timeline.steps.first { $0.name == "Flaky" }?.status == (mode == "Ignore" ? "IgnoredFailure" : "Failed"))
        }
    }

    @Test("Build numbers count the builds of a recipe version from 1; a new recipe version starts again at 1")
    func buildNumbers() async throws {
        let world = try await PipelineWorld()
        let first = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1)
        let second = try await world.cloud.startPipelineExecution(PipelineWorld.web, region: .usEast1)
        #expect(first.arn.description.hasSuffix("image/golden-web/2.3.0/1") && second.arn.description.hasSuffix("image/golden-web/2.3.0/2"))
        _ = try await world.cloud.applyImageBuilder(try PipelineWorld.definitions(recipeVersion: "2.4.0"), defaultRegion: .usEast1, dryRun: false)
        let third = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1)
        #expect(third.version == ImageVersion(major: 2, minor: 4, patch: 0, build: 1))
    }

    @Test("Recipes are immutable (a changed one is refused, nothing written); a changed component version gets the next build; 1.0.x numbers versions")
    func immutability() async throws {
        let world = try await PipelineWorld()
        var changed = try PipelineWorld.definitions()
        changed.imageRecipes[0].amiTags = ["golden": "false"]
        changed.infrastructureConfigurations.append(InfrastructureConfigurationDefinition(name: "more-builders"))
        let error = await #expect(throws: IngotError.self) {
            try await world.cloud.applyImageBuilder(changed, defaultRegion: .usEast1, dryRun: false)
        }
        #expect(error?.code == "ResourceAlreadyExistsException" && error?.kind == .invalidInput)
        #expect(error?.message.hasPrefix("imageBuilder.imageRecipes[0]") == true)
        // One transaction: the new infrastructure configuration was not created either.
        #expect(try await world.cloud.imageBuilderResources(.infrastructureConfiguration, region: .usEast1).map(\.name) == ["builders"])

        var component = try PipelineWorld.definitions()
        component.components[0].description = "now with a description"
        let outcomes = try await world.cloud.applyImageBuilder(component, defaultRegion: .usEast1, dryRun: false)
        #expect(outcomes.first { $0.name == "web-base" }?.arn.hasSuffix("component/web-base/1.0.0/2") == true)

        var auto = try PipelineWorld.definitions(recipeVersion: "3.1.x")
        auto.imagePipelines = []
        #expect(try await world.cloud.applyImageBuilder(auto, defaultRegion: .usEast1, dryRun: false).first { $0.type == "image-recipe" }?.arn.hasSuffix("/3.1.0") == true)
        #expect(try await world.cloud.applyImageBuilder(auto, defaultRegion: .usEast1, dryRun: false).first { $0.type == "image-recipe" }?.action == "unchanged")
        auto.imageRecipes[0].amiTags = ["golden": "maybe"]
        #expect(try await world.cloud.applyImageBuilder(auto, defaultRegion: .usEast1, dryRun: false).first { $0.type == "image-recipe" }?.arn.hasSuffix("/3.1.1") == true)
    }

    @Test("A dry run of apply writes nothing")
    func dryRun() async throws {
        let fixture = try await Fixture(catalog: true)
        let outcomes = try await fixture.cloud.applyImageBuilder(try PipelineWorld.definitions(), defaultRegion: .usEast1, dryRun: true)
        #expect(outcomes.count == 6 && outcomes.allSatisfy { $0.action == "would-create" })
        #expect(try await fixture.cloud.imageBuilderResources(.component, region: .usEast1).isEmpty)
    }

    @Test("EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE: no newer parent, no build; a newer parent, exactly one build")
    func dependencyUpdates() async throws {
        let schedule = PipelineSchedule(scheduleExpression: try ScheduleExpression(parsing: "cron(0 6 * * ? *)"))
        let world = try await PipelineWorld(try PipelineWorld.definitions(schedule: schedule))
        _ = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1)
        // Until 2026-12-06 no Amazon Linux release comes (the catalog's next is 2026-12-07): every tick skips.
        let quiet = try await world.advance(to: Timestamp.parse("2026-12-06T12:00:00Z") ?? .now)
        let ticks = quiet.filter { $0.kind == .tick }
        #expect(ticks.count == 10 && ticks.allSatisfy { $0.decision == "skip" && $0.reason == "cron matched; no dependency updates" })
        let later = try await world.advance(to: Timestamp.parse("2026-12-09T12:00:00Z") ?? .now)
        let builds = later.filter { $0.decision == "build" }
        #expect(builds.count == 1)
        #expect(builds.first?.at == Timestamp.parse("2026-12-07T06:00:00Z"))
        #expect(builds.first?.reason?.contains("al2023-ami-2023.13.20261207.0-kernel-6.1-x86_64 is newer") == true)
        #expect(later.filter { $0.kind == .tick && $0.decision == "skip" }.count == 2)
    }

    @Test("autoDisablePolicy: consecutive scheduled failures disable the pipeline; a manual failure does not count")
    func autoDisable() async throws {
        let schedule = PipelineSchedule(scheduleExpression: try ScheduleExpression(parsing: "cron(0 6 * * ? *)"),
                                        pipelineExecutionStartCondition: .expressionMatchOnly, autoDisablePolicy: AutoDisablePolicy(failureCount: 2))
        let world = try await PipelineWorld(try PipelineWorld.definitions(schedule: schedule, extraBuild: [PipelineWorld.bash("Broken", timeout: 1)]))
        _ = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1)
        try await world.advance(to: Fixture.now.addingTimeInterval(3 * 3600))
        // "If the pipeline runs manually and fails, the count remains the same."
        #expect(try await world.cloud.imageBuilderResource(.imagePipeline, "golden-web", region: .usEast1).consecutiveFailures == 0)
        let events = try await world.advance(to: Fixture.now.addingTimeInterval(5 * 86_400))
        #expect(events.filter { $0.decision == "build" }.count == 2)
        let pipeline = try await world.cloud.imageBuilderResource(.imagePipeline, "golden-web", region: .usEast1)
        #expect(pipeline.status == "DISABLED" && pipeline.consecutiveFailures == 2)
        #expect(try await world.advance(to: Fixture.now.addingTimeInterval(9 * 86_400)).filter { $0.kind == .tick }.isEmpty)
    }

    @Test("Cancelling a build: CANCELLED, its instance terminated, no later stage runs; a finished build cannot be cancelled")
    func cancel() async throws {
        let world = try await PipelineWorld()
        let build = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1)
        let during = build.timeline.buildInstanceAt.addingTimeInterval(60)
        try await world.advance(to: during)
        let cancelled = try await world.fixture.at(during).cancelImageCreation(build.arn.description)
        #expect(cancelled.status == .cancelled)
        try await world.advance(to: during.addingTimeInterval(6 * 3600))
        let after = try await world.cloud.imageBuild(build.arn.description)
        #expect(after.status == .cancelled && after.imageId == nil)
        #expect(try await world.fixture.at(during).describeInstances(region: .usEast1, instanceIds: []).allSatisfy { $0.state == .terminated })
        let again = await #expect(throws: IngotError.self) { try await world.cloud.cancelImageCreation(build.arn.description) }
        #expect(again?.code == "ResourceInUseException")
    }

    @Test("targetAccountIds: the target account owns its own copy, made after the source was shared with it")
    func targetAccounts() async throws {
        let world = try await PipelineWorld(try PipelineWorld.definitions(targetAccount: Fixture.other.rawValue))
        let build = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1)
        let end = Fixture.now.addingTimeInterval(6 * 3600)
        try await world.advance(to: end)
        let done = try await world.cloud.imageBuild(build.arn.description)
        #expect(done.status == .available)
        let theirs = try #require(done.outputs.first { $0.accountId == Fixture.other })
        #expect(theirs.region == .usEast1)
        let copy = try await world.fixture.image(theirs.image, as: world.fixture.at(end).acting(as: Fixture.other))
        #expect(copy.ownerId == Fixture.other && copy.sourceImageId == done.imageId)
    }

    @Test("A pipeline enabled again does not run the ticks it missed while disabled")
    func reenabling() async throws {
        let schedule = PipelineSchedule(scheduleExpression: try ScheduleExpression(parsing: "cron(0 6 * * ? *)"), pipelineExecutionStartCondition: .expressionMatchOnly)
        var definitions = try PipelineWorld.definitions(schedule: schedule)
        definitions.imagePipelines[0].status = .disabled
        let world = try await PipelineWorld(definitions)
        let later = Fixture.now.addingTimeInterval(10 * 86_400)
        #expect(try await world.advance(to: later).filter { $0.kind == .tick }.isEmpty)
        definitions.imagePipelines[0].status = .enabled
        _ = try await world.fixture.at(later).applyImageBuilder(definitions, defaultRegion: .usEast1, dryRun: false)
        // The next tick is the first 06:00 after it was enabled, 2026-12-07T06:00Z; nothing from the ten days before.
        let events = try await world.advance(to: later.addingTimeInterval(86_400))
        #expect(events.filter { $0.decision == "build" }.map(\.at) == [Timestamp.parse("2026-12-07T06:00:00Z")])
    }

    @Test("A name already in use fails the build that needs it (CreateImage in the build region, a copy elsewhere); the catch-up goes on")
    func nameInUse() async throws {
        var definitions = try PipelineWorld.definitions()
        // The eu-west-1 name has no variable: the second build's copy there would reuse the first's name.
        definitions.distributionConfigurations[0].distributions[1].amiDistributionConfiguration?.name = "golden-web-eu"
        let world = try await PipelineWorld(definitions)
        let first = try await world.cloud.startPipelineExecution("golden-web", region: .usEast1)
        try await world.advance(to: Fixture.now.addingTimeInterval(3 * 3600))
        let later = world.fixture.at(Fixture.now.addingTimeInterval(3 * 3600))
        let second = try await later.startPipelineExecution("golden-web", region: .usEast1)
        try await world.advance(to: Fixture.now.addingTimeInterval(7 * 3600))
        let done = try await world.cloud.imageBuild(first.arn.description)
        #expect(done.status == .available)
        let failed = try await world.cloud.imageBuild(second.arn.description)
        #expect(failed.status == .failed && failed.reason?.contains("InvalidAMIName.Duplicate") == true, "\(failed.reason ?? "")")
        // web-lt in eu-west-1 still launches the first build's copy: nothing was pointed at the old image again.
        let (version, image) = try await world.templateImage(.euWest1, at: Fixture.now.addingTimeInterval(7 * 3600))
        #expect(version == 2 && image == done.outputs.first { $0.region == .euWest1 }?.image.rawValue)

        // A build-region name in use: CreateImage is refused, that build FAILS, and commands go on.
        definitions.distributionConfigurations[0].distributions[0].amiDistributionConfiguration?.name = "golden-web-fixed"
        let pinned = try await PipelineWorld(definitions)
        let one = try await pinned.cloud.startPipelineExecution("golden-web", region: .usEast1)
        let two = try await pinned.cloud.startPipelineExecution("golden-web", region: .usEast1)
        let events = try await pinned.advance(to: Fixture.now.addingTimeInterval(3 * 3600))
        // Whichever reaches CreateImage second fails; the other is AVAILABLE.
        let ends = events.filter { $0.status == .failed || $0.status == .available }
        #expect(Set(ends.compactMap(\.image)) == [one.arn.description, two.arn.description])
        #expect(ends.filter { $0.status == .failed && $0.reason?.contains("InvalidAMIName.Duplicate") == true }.count == 1)
        #expect(ends.filter { $0.status == .available }.count == 1)
    }
}
