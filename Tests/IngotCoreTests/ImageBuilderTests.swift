import Foundation
import IngotCore
import Testing

// Image Builder's pure pieces: versions and filters, ARNs, AMI name templates, the `imageBuilder:`
// section of ingot.yaml, the schedule's start condition, the build planner, image statuses, the base
// image catalog and the managed components. Expected values are literals worked out by hand from
// AWS's documentation (quoted beside them, with the page) or, where AWS documents nothing, from the
// rule Ingot documents for its own model; never computed by the code under test.

/// An instant written in UTC, e.g. `2026-12-01T12:00:00Z`.
private func utc(_ text: String) throws -> Date {
    try #require(ISO8601DateFormatter().date(from: text))
}

/// `body` must throw an `IngotError` of kind invalid input whose message starts with `field: `
/// (and, when given, contains `detail`).
private func expectInvalid(_ field: String, _ detail: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                           _ body: () throws -> Void) {
    let error = #expect(throws: IngotError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    #expect(error.kind == .invalidInput, "\(error)", sourceLocation: sourceLocation)
    #expect(error.message.hasPrefix(field + ": "), "\(error.message)", sourceLocation: sourceLocation)
    if let detail {
        #expect(error.message.contains(detail), "\(error.message)", sourceLocation: sourceLocation)
    }
}

/// An ExecuteBash step that runs `true`.
private func bash(_ name: String) -> ComponentDocument.Step {
    ComponentDocument.Step(name: name, action: .executeBash, inputs: .object(["commands": .array([.string("true")])]))
}

// MARK: - Version filters

/// https://docs.aws.amazon.com/imagebuilder/latest/userguide/ibhow-semantic-versioning.html
@Suite struct VersionFilterTests {
    static let field = "imageRecipes[0].components[0].componentArn"

    /// "For example, given the following recent versions: 2.2.4, 1.7.8, and 1.6.8, version selection
    /// using wildcards produces the following results:"
    static let recent = [SemanticVersion(2, 2, 4), SemanticVersion(1, 7, 8), SemanticVersion(1, 6, 8)]

    @Test("The user guide's example: x.x.x selects 2.2.4, 1.x.x selects 1.7.8, 1.6.x selects 1.6.8")
    func userGuideSelection() throws {
        // "x.x.x = 2.2.4 · 1.x.x = 1.7.8 · 1.6.x = 1.6.8"
        #expect(try VersionFilter("x.x.x", field: Self.field).newest(of: Self.recent) == SemanticVersion(2, 2, 4))
        #expect(try VersionFilter("1.x.x", field: Self.field).newest(of: Self.recent) == SemanticVersion(1, 7, 8))
        #expect(try VersionFilter("1.6.x", field: Self.field).newest(of: Self.recent) == SemanticVersion(1, 6, 8))
        // A concrete filter selects itself; a filter nothing matches selects nothing.
        #expect(try VersionFilter("1.7.8", field: Self.field).newest(of: Self.recent) == SemanticVersion(1, 7, 8))
        #expect(try VersionFilter("3.x.x", field: Self.field).newest(of: Self.recent) == nil)
        #expect(try VersionFilter("1.6.x", field: Self.field).description == "1.6.x")
        #expect(try !VersionFilter("1.6.x", field: Self.field).isConcrete)
    }

    @Test("x.2.x and 1.x.8 are refused naming the field: nodes right of a wildcard must be wildcards")
    func wildcardsAreRightContiguous() {
        // "When you use a wildcard in any node, all nodes to the right of the first wildcard must also be
        // wildcards." "x.2.x is not valid, and produces an error · 1.x.8 is not valid, and produces an error"
        for text in ["x.2.x", "1.x.8", "x.x.8", "x.2.3"] {
            expectInvalid(Self.field, "'\(text)'") { _ = try VersionFilter(text, field: Self.field) }
        }
        let e = #expect(throws: IngotError.self) { try VersionFilter("x.2.x", field: Self.field) }
        #expect(e?.code == "InvalidVersionNumberException")
    }

    @Test("A pinned build 1.6.8/2 matches build 2 of 1.6.8 and no other build")
    func pinnedBuild() throws {
        // "Build version ARNs have all four nodes, and point to a specific build for a specific version of an object."
        let pinned = try VersionFilter("1.6.8/2", field: Self.field)
        #expect(pinned.isConcrete && pinned.build == 2 && pinned.description == "1.6.8/2")
        #expect(pinned.matches(ImageVersion(major: 1, minor: 6, patch: 8, build: 2)))
        #expect(!pinned.matches(ImageVersion(major: 1, minor: 6, patch: 8, build: 1)))
        #expect(!pinned.matches(ImageVersion(major: 1, minor: 6, patch: 8, build: 3)))
        #expect(!pinned.matches(ImageVersion(major: 1, minor: 6, patch: 9, build: 2)))
        // Without a pin, every build of the version matches.
        let unpinned = try VersionFilter("1.6.8", field: Self.field)
        #expect(unpinned.matches(ImageVersion(major: 1, minor: 6, patch: 8, build: 1)))
        #expect(unpinned.matches(ImageVersion(major: 1, minor: 6, patch: 8, build: 7)))
        // A build needs a concrete version and is 1 or more.
        for text in ["1.6.x/2", "x.x.x/1", "1.6.8/0", "1.6.8/", "1.6.8/2/3"] {
            expectInvalid(Self.field, "'\(text)'") { _ = try VersionFilter(text, field: Self.field) }
        }
    }

    @Test("Each node is 0 to 1073741823; 1073741824 is refused")
    func nodeLimit() throws {
        // "For the first three nodes you can assign any positive integer value, including zero, with an
        // upper limit of 2^30-1, or 1073741823 for each node."
        #expect(try VersionFilter("1073741823.1073741823.1073741823", field: Self.field).fixed == [1_073_741_823, 1_073_741_823, 1_073_741_823])
        #expect(try VersionFilter("0.0.0", field: Self.field).fixed == [0, 0, 0])
        #expect(try VersionFilter("1073741823.x.x", field: Self.field).fixed == [1_073_741_823])
        for text in ["1073741824.0.0", "0.1073741824.0", "0.0.1073741824", "1.1073741824.x"] {
            expectInvalid(Self.field, "'\(text)'") { _ = try VersionFilter(text, field: Self.field) }
        }
    }

    @Test("A node that is neither a number nor x is refused, as is anything but three nodes")
    func nonNumericNodes() {
        for text in ["1.a.0", "v1.0.0", "y.x.x", "1..0", "1.0.-1", "+1.0.0", " 1.0.0", "1.0.0-beta", "1.0", "1.0.0.0", "", "x"] {
            expectInvalid(Self.field) { _ = try VersionFilter(text, field: Self.field) }
        }
    }
}

// MARK: - Semantic versions

@Suite struct SemanticVersionTests {
    static let field = "components[0].semanticVersion"

    @Test("Versions order node by node as numbers: 1.9.9 < 1.9.10 < 1.10.0 < 2.0.0")
    func ordering() {
        let shuffled = [SemanticVersion(2, 0, 0), SemanticVersion(1, 10, 0), SemanticVersion(1, 9, 10), SemanticVersion(1, 9, 9)]
        #expect(shuffled.sorted() == [SemanticVersion(1, 9, 9), SemanticVersion(1, 9, 10), SemanticVersion(1, 10, 0), SemanticVersion(2, 0, 0)])
        #expect(SemanticVersion(0, 0, 1) > SemanticVersion(0, 0, 0))
        #expect(SemanticVersion(1, 2, 3).build(4) == ImageVersion(major: 1, minor: 2, patch: 3, build: 4))
        #expect(ImageVersion(major: 1, minor: 2, patch: 3, build: 4).semantic == SemanticVersion(1, 2, 3))
    }

    @Test("MAJOR.MINOR.PATCH parses and prints back; the limit is 1073741823 per node")
    func parsing() throws {
        #expect(try SemanticVersion("2.3.0", field: Self.field) == SemanticVersion(2, 3, 0))
        #expect(try SemanticVersion("2.3.0", field: Self.field).description == "2.3.0")
        // "with an upper limit of 2^30-1, or 1073741823 for each node"
        #expect(try SemanticVersion("1073741823.1073741823.1073741823", field: Self.field)
            == SemanticVersion(1_073_741_823, 1_073_741_823, 1_073_741_823))
        #expect(try String(decoding: JSONEncoder().encode([SemanticVersion(2, 3, 0)]), as: UTF8.self) == #"["2.3.0"]"#)
    }

    @Test("Anything but three numbers 0 to 1073741823 is refused naming the field, with InvalidVersionNumberException")
    func parsingErrors() {
        for text in ["1.2", "1.2.3.4", "1.2.x", "x.x.x", "1.2.3/1", "1.2.3-beta", "1.2.3+build", "-1.0.0", "+1.0.0",
                     "1073741824.0.0", "a.b.c", "", "1..3"] {
            expectInvalid(Self.field, "'\(text)'") { _ = try SemanticVersion(text, field: Self.field) }
        }
        let e = #expect(throws: IngotError.self) { try SemanticVersion("1.2", field: Self.field) }
        #expect(e?.code == "InvalidVersionNumberException")
    }
}

// MARK: - ARNs

@Suite struct ImageBuilderARNTests {
    static let field = "imagePipelines[0].imageRecipeArn"

    @Test("Component, image, recipe and pipeline ARNs parse into their parts and print back unchanged")
    func parsesAndRoundTrips() throws {
        let componentText = "arn:aws:imagebuilder:us-west-2:123456789012:component/web-base/1.2.0/1"
        let component = try ImageBuilderARN(componentText, field: Self.field)
        #expect(component.region == .usWest2 && component.owner == "123456789012" && component.type == .component)
        #expect(component.name == "web-base" && component.version?.fixed == [1, 2, 0] && component.version?.build == 1)
        #expect(component.description == componentText && !component.isAWSManaged)
        #expect(component.unversioned.description == "arn:aws:imagebuilder:us-west-2:123456789012:component/web-base")

        // An AWS-managed image: the owner is `aws`, the version a filter.
        let imageText = "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x"
        let image = try ImageBuilderARN(imageText, field: Self.field)
        #expect(image.type == .image && image.owner == "aws" && image.isAWSManaged && image.name == "amazon-linux-2023-x86")
        #expect(image.version?.fixed == [] && image.version?.isConcrete == false)
        #expect(image.description == imageText)

        let recipeText = "arn:aws:imagebuilder:us-west-2:123456789012:image-recipe/mybasicrecipe/1.0.0"
        let recipe = try ImageBuilderARN(recipeText, field: Self.field)
        #expect(recipe.type == .imageRecipe && recipe.version?.fixed == [1, 0, 0] && recipe.version?.build == nil)
        #expect(recipe.description == recipeText)

        let pipelineText = "arn:aws:imagebuilder:us-west-2:123456789012:image-pipeline/golden-web"
        let pipeline = try ImageBuilderARN(pipelineText, field: Self.field)
        #expect(pipeline.type == .imagePipeline && pipeline.version == nil && pipeline.description == pipelineText)

        let infrastructureText = "arn:aws:imagebuilder:us-west-2:123456789012:infrastructure-configuration/builders"
        #expect(try ImageBuilderARN(infrastructureText, field: Self.field).description == infrastructureText)
    }

    @Test("Names appear in ARNs lowercased with spaces as hyphens: MyBasicRecipe is image-recipe/mybasicrecipe")
    func nameNormalisation() throws {
        // The ARN pattern allows only `[a-z0-9-_]+` for the name (e.g. API_ImageRecipe.html, arn), and the CLI
        // reference for create-image-recipe says "Image Builder generates the image recipe ARN from a normalized
        // form of the name" (https://docs.aws.amazon.com/cli/latest/reference/imagebuilder/create-image-recipe.html).
        let recipe = ImageBuilderARN(region: .usWest2, owner: "123456789012", type: .imageRecipe, name: "MyBasicRecipe",
                                     version: try VersionFilter("1.0.0", field: "version"))
        #expect(recipe.description == "arn:aws:imagebuilder:us-west-2:123456789012:image-recipe/mybasicrecipe/1.0.0")
        #expect(ImageBuilderARN.arnName("Golden Web Base") == "golden-web-base")
        let build = ImageBuilderARN(region: .usEast1, owner: AccountID.defaultLocal, type: .image, name: "Golden Web",
                                    version: ImageVersion(major: 2, minor: 3, patch: 0, build: 4))
        #expect(build.description == "arn:aws:imagebuilder:us-east-1:123456789012:image/golden-web/2.3.0/4")
    }

    @Test("Only components, images and recipes are versioned: a version on a pipeline ARN is refused")
    func versionedTypes() {
        // "Semantic versioning is included in each object's Amazon Resource Name (ARN), at the level that
        // applies to that object" (ibhow-semantic-versioning.html).
        #expect(ImageBuilderARN.ResourceType.allCases.filter(\.isVersioned) == [.component, .image, .imageRecipe])
        for text in ["arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/golden-web/1.0.0",
                     "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/builders/1.0.0",
                     "arn:aws:imagebuilder:us-east-1:123456789012:distribution-configuration/golden-web-dist/1.0.0/1"] {
            expectInvalid(Self.field, "takes no version") { _ = try ImageBuilderARN(text, field: Self.field) }
        }
    }

    @Test("Malformed ARNs are refused naming the field: service, owner, type, name, region, version")
    func malformed() {
        for text in ["arn:aws:ec2:us-east-1:123456789012:image/ami-0123456789abcdef0",
                     "arn:aws:imagebuilder:us-east-1:12345:component/web-base/1.0.0",
                     "arn:aws:imagebuilder:us-east-1:123456789012:recipe/golden-web/1.0.0",
                     "arn:aws:imagebuilder:us-east-1:123456789012:component/",
                     "arn:aws:imagebuilder:nowhere-1:123456789012:component/web-base/1.0.0",
                     "arn:aws:imagebuilder:us-east-1:123456789012:component/web-base/1.x.8",
                     "arn:aws:imagebuilder:us-east-1:123456789012:component/web-base/1.0.0/1/2",
                     "golden-web"] {
            expectInvalid(Self.field) { _ = try ImageBuilderARN(text, field: Self.field) }
        }
    }

    @Test("reference reads NAME/VERSION and NAME short forms as the caller's own resources, and ARNs of the right type")
    func references() throws {
        let owner = AccountID.defaultLocal
        let field = "imageRecipes[0].components[0].componentArn"
        let component = try ImageBuilderARN.reference("web-base/1.x.x", type: .component, region: .euWest1, owner: owner, field: field)
        #expect(component.description == "arn:aws:imagebuilder:eu-west-1:123456789012:component/web-base/1.x.x")
        let builders = try ImageBuilderARN.reference("builders", type: .infrastructureConfiguration, region: .euWest1, owner: owner, field: field)
        #expect(builders.description == "arn:aws:imagebuilder:eu-west-1:123456789012:infrastructure-configuration/builders")
        let managedText = "arn:aws:imagebuilder:eu-west-1:aws:component/update-linux/x.x.x"
        let managed = try ImageBuilderARN.reference(managedText, type: .component, region: .euWest1, owner: owner, field: field)
        #expect(managed.isAWSManaged && managed.description == managedText)

        // A versioned type's short form names a version, unless the caller says it need not.
        expectInvalid(field, "names no version") {
            _ = try ImageBuilderARN.reference("web-base", type: .component, region: .euWest1, owner: owner, field: field)
        }
        #expect(try ImageBuilderARN.reference("web-base", type: .component, region: .euWest1, owner: owner, field: field,
                                              versionRequired: false).version == nil)
        // An unversioned type takes no version in its short form.
        expectInvalid(field) {
            _ = try ImageBuilderARN.reference("builders/1.0.0", type: .infrastructureConfiguration, region: .euWest1, owner: owner, field: field)
        }
        // A recipe ARN where a component is expected.
        expectInvalid(field, "image-recipe") {
            _ = try ImageBuilderARN.reference("arn:aws:imagebuilder:eu-west-1:123456789012:image-recipe/golden-web/1.0.0",
                                              type: .component, region: .euWest1, owner: owner, field: field)
        }
    }
}

// MARK: - AMI name templates

@Suite struct AMINameTemplateTests {
    static let field = "distributionConfigurations[0].distributions[0].amiDistributionConfiguration.name"

    @Test("fill writes buildDate as yyyy-MM-ddTHH-mm-ssZ in UTC and buildVersion as the build number")
    func fill() throws {
        let build3 = ImageVersion(major: 1, minor: 0, patch: 0, build: 3)
        #expect(try AMINameTemplate.fill("golden-web-{{ imagebuilder:buildDate }}-{{ imagebuilder:buildVersion }}",
                                         buildDate: utc("2026-12-01T12:00:00Z"), buildVersion: build3)
            == "golden-web-2026-12-01T12-00-00Z-3")
        // Single-digit fields are zero-padded; the braces may hold no spaces.
        #expect(try AMINameTemplate.fill("web {{imagebuilder:buildDate}}", buildDate: utc("2027-01-05T03:04:05Z"), buildVersion: build3)
            == "web 2027-01-05T03-04-05Z")
        #expect(try AMINameTemplate.fill("golden-web", buildDate: utc("2026-12-01T12:00:00Z"), buildVersion: build3) == "golden-web")
    }

    @Test("fill's buildDate agrees with Foundation's UTC calendar on any instant (leap days, centuries, before 1970)")
    func fillDateAgreesWithTheCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var rng = SystemRandomNumberGenerator()
        let edges: [Double] = [0, -1, 951_782_400, 951_868_799, 4_107_542_400, -2_208_988_800, 1_709_164_800]  // 2000-02-29, 2100-03-01, 1900-01-01, 2024-02-29
        for seconds in edges + (0..<2_000).map({ _ in Double(Int64.random(in: -3_000_000_000...7_000_000_000, using: &rng)) + 0.75 }) {
            let date = Date(timeIntervalSince1970: seconds)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(format: "%04d-%02d-%02dT%02d-%02d-%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
            #expect(AMINameTemplate.fill("{{ imagebuilder:buildDate }}", buildDate: date, buildVersion: ImageVersion(major: 1, minor: 0, patch: 0, build: 1)) == expected,
                    "\(seconds)")
        }
    }

    @Test("check accepts the two variables and refuses others, an unclosed brace and a name EC2 would refuse")
    func check() throws {
        try AMINameTemplate.check("golden-web-{{ imagebuilder:buildDate }}", field: Self.field)
        try AMINameTemplate.check("golden-web-{{imagebuilder:buildVersion}}", field: Self.field)
        try AMINameTemplate.check("golden-web", field: Self.field)
        expectInvalid(Self.field, "unknown variable 'imagebuilder:foo'") {
            try AMINameTemplate.check("golden-web-{{ imagebuilder:foo }}", field: Self.field)
        }
        expectInvalid(Self.field, "unknown variable 'buildDate'") { try AMINameTemplate.check("golden-web-{{ buildDate }}", field: Self.field) }
        expectInvalid(Self.field, "'{{'") { try AMINameTemplate.check("golden-web-{{ imagebuilder:buildDate", field: Self.field) }
        // EC2 AMI names allow letters, digits, spaces and ( ) [ ] . / - ' @ _ only.
        expectInvalid(Self.field) { try AMINameTemplate.check("golden*web-{{ imagebuilder:buildDate }}", field: Self.field) }
    }
}

// MARK: - ingot.yaml's imageBuilder section

/// Decoded through `IngotConfig` (key `imageBuilder`), so errors name paths from the file's root.
@Suite struct ImageBuilderDefinitionsTests {
    static func decode(_ imageBuilder: String) throws -> ImageBuilderDefinitions {
        let config = try JSONDecoder().decode(IngotConfig.self, from: Data(("{\"imageBuilder\": " + imageBuilder + "}").utf8))
        return try #require(config.imageBuilder)
    }

    static let parent = "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x"
    static let oneComponent = #"{"componentArn": "web-base/1.x.x"}"#

    static func recipe(version: String = "1.0.0", parentImage: String = parent, components: [String] = [oneComponent], extra: String = "") -> String {
        #"{"imageRecipes": [{"name": "golden-web", "semanticVersion": "\#(version)", "parentImage": "\#(parentImage)", "components": [\#(components.joined(separator: ", "))]\#(extra)}]}"#
    }

    static func pipeline(_ extra: String = "", name: String = "golden-web") -> String {
        #"{"imagePipelines": [{"name": "\#(name)", "imageRecipeArn": "golden-web/1.0.0", "infrastructureConfigurationArn": "builders"\#(extra)}]}"#
    }

    static func schedule(_ fields: String) -> String { pipeline(#", "schedule": {\#(fields)}"#) }

    static func distribution(_ ami: String, regions: [String] = ["us-east-1"]) -> String {
        let entries = regions.map { #"{"region": "\#($0)", "amiDistributionConfiguration": \#(ami)}"# }.joined(separator: ", ")
        return #"{"distributionConfigurations": [{"name": "golden-web-dist", "distributions": [\#(entries)]}]}"#
    }

    static let pipelineField = "imageBuilder.imagePipelines[0]"
    static let recipeField = "imageBuilder.imageRecipes[0]"
    static let amiField = "imageBuilder.distributionConfigurations[0].distributions[0].amiDistributionConfiguration"

    @Test("A complete section decodes with the API's field names and the documented defaults")
    func decodesCompleteSection() throws {
        let definitions = try Self.decode(#"""
            {"region": "us-east-1",
             "components": [{"name": "web-base", "semanticVersion": "1.2.0", "platform": "Linux", "data": "name: web-base\nschemaVersion: 1.0\n"}],
             "imageRecipes": [{"name": "golden-web", "semanticVersion": "1.0.x",
                               "parentImage": "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x",
                               "components": [{"componentArn": "web-base/1.x.x"}, {"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}]}],
             "infrastructureConfigurations": [{"name": "builders", "instanceTypes": ["c6i.2xlarge"], "instanceProfileName": "EC2InstanceProfileForImageBuilder"}],
             "distributionConfigurations": [{"name": "golden-web-dist", "distributions": [
                {"region": "us-east-1", "amiDistributionConfiguration": {"name": "golden-web-{{ imagebuilder:buildDate }}",
                 "targetAccountIds": ["210987654321"], "launchPermission": {"userGroups": ["all"], "userIds": ["210987654321"]}}},
                {"region": "eu-west-1"}]}],
             "imagePipelines": [{"name": "golden-web", "imageRecipeArn": "golden-web/1.0.x", "infrastructureConfigurationArn": "builders",
                                 "distributionConfigurationArn": "golden-web-dist",
                                 "schedule": {"scheduleExpression": "cron(0 10 * * ? *)", "autoDisablePolicy": {"failureCount": 3}}}]}
            """#)
        #expect(definitions.region == .usEast1)
        #expect(definitions.components.map(\.semanticVersion) == [SemanticVersion(1, 2, 0)])
        #expect(definitions.imageRecipes[0].semanticVersion.description == "1.0.x" && definitions.imageRecipes[0].components.count == 2)
        #expect(definitions.infrastructureConfigurations[0].instanceType == "c6i.2xlarge")
        #expect(definitions.distributionConfigurations[0].distributions.map(\.region) == [.usEast1, .euWest1])
        let schedule = try #require(definitions.imagePipelines[0].schedule)
        // "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE (default)"
        // (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_Schedule.html)
        #expect(schedule.startCondition == .expressionMatchAndDependencyUpdatesAvailable)
        #expect(schedule.autoDisablePolicy?.failureCount == 3)
        #expect(definitions.imagePipelines[0].testsEnabled)
    }

    @Test("Unknown keys are refused at every level, naming the path from the file's root")
    func unknownKeys() {
        let cases: [(json: String, field: String, key: String)] = [
            (#"{"pipelines": []}"#, "imageBuilder", "pipelines"),
            (#"{"imagePipelines": [{"name": "golden-web", "imageRecipe": "golden-web/1.0.0"}]}"#, Self.pipelineField, "imageRecipe"),
            (Self.schedule(#""cron": "cron(0 10 * * ? *)""#), Self.pipelineField + ".schedule", "cron"),
            (#"{"components": [{"name": "web-base", "version": "1.0.0"}]}"#, "imageBuilder.components[0]", "version"),
            (Self.recipe(extra: #", "parent": "ami-0123456789abcdef0""#), Self.recipeField, "parent"),
            (Self.recipe(components: [Self.oneComponent, #"{"arn": "web-base/1.x.x"}"#]), Self.recipeField + ".components[1]", "arn"),
            (#"{"infrastructureConfigurations": [{"name": "builders", "instanceProfile": "x"}]}"#, "imageBuilder.infrastructureConfigurations[0]", "instanceProfile"),
            (#"{"distributionConfigurations": [{"name": "golden-web-dist", "distributions": [{"region": "us-east-1", "ami": {}}]}]}"#,
             "imageBuilder.distributionConfigurations[0].distributions[0]", "ami"),
            (Self.distribution(#"{"amiName": "golden-web"}"#), Self.amiField, "amiName"),
        ]
        for (json, field, key) in cases {
            let e = #expect(throws: IngotError.self) { try Self.decode(json) }
            #expect(e?.kind == .invalidInput && e?.message.hasPrefix("\(field): unknown key '\(key)'") == true, "\(json): \(e?.message ?? "")")
        }
    }

    @Test("A recipe has 1 to 20 components; 21 are refused naming components")
    func componentCount() throws {
        // "Recipes require a minimum of one build component, and can have a maximum of 20 build and test
        // components in any combination." (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateImageRecipe.html)
        #expect(try Self.decode(Self.recipe(components: Array(repeating: Self.oneComponent, count: 20))).imageRecipes[0].components.count == 20)
        expectInvalid(Self.recipeField + ".components", "21") {
            _ = try Self.decode(Self.recipe(components: Array(repeating: Self.oneComponent, count: 21)))
        }
        expectInvalid(Self.recipeField + ".components", "0") { _ = try Self.decode(Self.recipe(components: [])) }
    }

    @Test("A recipe version is concrete or ends in one x (1.0.x); x.x.x is refused naming semanticVersion")
    func recipeVersion() throws {
        // "When you create a recipe with a wildcard version such as 1.0.x, Image Builder automatically increments
        // the version (for example, 1.0.1, 1.0.2, 1.0.3, and so on)."
        // (https://docs.aws.amazon.com/imagebuilder/latest/userguide/create-image-recipes.html)
        #expect(try Self.decode(Self.recipe(version: "1.0.x")).imageRecipes[0].semanticVersion.description == "1.0.x")
        #expect(try Self.decode(Self.recipe(version: "2.3.0")).imageRecipes[0].semanticVersion.description == "2.3.0")
        for version in ["x.x.x", "1.0.0/1", "1.x.8", "1.0"] {
            expectInvalid(Self.recipeField + ".semanticVersion", version) { _ = try Self.decode(Self.recipe(version: version)) }
        }
    }

    @Test("parentImage is an AMI id, ssm:PARAMETER or an image ARN with a version; anything else is refused naming it")
    func parentImage() throws {
        // CreateImageRecipe's parentImage: an AMI ID, an Image Builder image ARN, or an SSM parameter
        // "prefixed by ssm:" (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateImageRecipe.html).
        for parent in ["ami-0123456789abcdef0", "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64", Self.parent] {
            #expect(try Self.decode(Self.recipe(parentImage: parent)).imageRecipes[0].parentImage == parent)
        }
        for parent in ["al2023", "ssm:", "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x",
                       "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86"] {
            expectInvalid(Self.recipeField + ".parentImage") { _ = try Self.decode(Self.recipe(parentImage: parent)) }
        }
    }

    @Test("autoDisablePolicy.failureCount is 1 to 10; 0 and 11 are refused naming it")
    func autoDisablePolicy() throws {
        // AutoDisablePolicy.failureCount: "Valid Range: Minimum value of 1. Maximum value of 10."
        // (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_AutoDisablePolicy.html)
        for n in [1, 10] {
            let definitions = try Self.decode(Self.schedule(#""scheduleExpression": "cron(0 10 * * ? *)", "autoDisablePolicy": {"failureCount": \#(n)}"#))
            #expect(definitions.imagePipelines[0].schedule?.autoDisablePolicy?.failureCount == n)
        }
        for n in [0, 11] {
            expectInvalid(Self.pipelineField + ".schedule.autoDisablePolicy.failureCount", "\(n)") {
                _ = try Self.decode(Self.schedule(#""scheduleExpression": "cron(0 10 * * ? *)", "autoDisablePolicy": {"failureCount": \#(n)}"#))
            }
        }
    }

    @Test("imageTestsConfiguration.timeoutMinutes is 60 to 1440; 59 and 1441 are refused naming it")
    func testTimeout() throws {
        // ImageTestsConfiguration.timeoutMinutes: "Valid Range: Minimum value of 60. Maximum value of 1440."
        // (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ImageTestsConfiguration.html)
        for minutes in [60, 1440] {
            let definitions = try Self.decode(Self.pipeline(#", "imageTestsConfiguration": {"imageTestsEnabled": false, "timeoutMinutes": \#(minutes)}"#))
            #expect(definitions.imagePipelines[0].imageTestsConfiguration?.timeoutMinutes == minutes)
            #expect(!definitions.imagePipelines[0].testsEnabled)
        }
        for minutes in [59, 1441] {
            expectInvalid(Self.pipelineField + ".imageTestsConfiguration.timeoutMinutes", "\(minutes)") {
                _ = try Self.decode(Self.pipeline(#", "imageTestsConfiguration": {"timeoutMinutes": \#(minutes)}"#))
            }
        }
    }

    @Test("A schedule that is not a six-field cron expression is refused naming schedule.scheduleExpression")
    func badCron() {
        for expression in ["cron(0 10 * * *)", "rate(1 day)", "0 10 * * ? *"] {
            expectInvalid(Self.pipelineField + ".schedule.scheduleExpression") {
                _ = try Self.decode(Self.schedule(#""scheduleExpression": "\#(expression)""#))
            }
        }
    }

    @Test("A distribution configuration names each region once; a second us-east-1 is refused")
    func duplicateRegions() throws {
        let ami = #"{"name": "golden-web-{{ imagebuilder:buildDate }}"}"#
        #expect(try Self.decode(Self.distribution(ami, regions: ["us-east-1", "eu-west-1"])).distributionConfigurations[0].distributions.count == 2)
        expectInvalid("imageBuilder.distributionConfigurations[0].distributions", "us-east-1") {
            _ = try Self.decode(Self.distribution(ami, regions: ["us-east-1", "eu-west-1", "us-east-1"]))
        }
    }

    @Test("An output AMI name with an unknown {{ imagebuilder:... }} variable is refused naming amiDistributionConfiguration.name")
    func badAMIName() {
        expectInvalid(Self.amiField + ".name", "imagebuilder:foo") {
            _ = try Self.decode(Self.distribution(#"{"name": "golden-web-{{ imagebuilder:foo }}"}"#))
        }
    }

    @Test("targetAccountIds must be 12 digits; userGroups accepts only all; each refused naming its place")
    func sharing() throws {
        // AmiDistributionConfiguration.targetAccountIds: "Pattern: ^[0-9]{12}$"
        // (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_AmiDistributionConfiguration.html)
        #expect(try Self.decode(Self.distribution(#"{"targetAccountIds": ["210987654321"]}"#))
            .distributionConfigurations[0].distributions[0].amiDistributionConfiguration?.targetAccountIds == ["210987654321"])
        for id in ["21098765432", "2109876543210", "21098765432a"] {
            expectInvalid(Self.amiField + ".targetAccountIds[0]", id) {
                _ = try Self.decode(Self.distribution(#"{"targetAccountIds": ["\#(id)"]}"#))
            }
        }
        // EC2's LaunchPermission Group: "Valid Values: all"
        // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchPermission.html)
        #expect(try Self.decode(Self.distribution(#"{"launchPermission": {"userGroups": ["all"]}}"#))
            .distributionConfigurations[0].distributions[0].amiDistributionConfiguration?.launchPermission?.userGroups == ["all"])
        expectInvalid(Self.amiField + ".launchPermission.userGroups", "'everyone'") {
            _ = try Self.decode(Self.distribution(#"{"launchPermission": {"userGroups": ["everyone"]}}"#))
        }
        expectInvalid(Self.amiField + ".launchPermission.userIds[0]") {
            _ = try Self.decode(Self.distribution(#"{"launchPermission": {"userIds": ["123"]}}"#))
        }
    }

    @Test("Resource names are 3 to 128 characters, and a name/version is declared once")
    func namesAndDuplicates() {
        // ResourceName: "^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$"
        expectInvalid(Self.pipelineField + ".name", "'ab'") { _ = try Self.decode(Self.pipeline(name: "ab")) }
        expectInvalid(Self.pipelineField + ".name") { _ = try Self.decode(Self.pipeline(name: "golden/web")) }
        let component = #"{"name": "web-base", "semanticVersion": "1.2.0", "platform": "Linux", "data": "name: web-base"}"#
        expectInvalid("imageBuilder.components", "web-base/1.2.0") {
            _ = try Self.decode(#"{"components": [\#(component), \#(component)]}"#)
        }
    }
}

// MARK: - Pipeline start condition

@Suite struct PipelineTriggerTests {
    static let parent1207 = "al2023-ami-2023.13.20261207.0-kernel-6.1-x86_64"
    static let parent1221 = "al2023-ami-2023.13.20261221.0-kernel-6.1-x86_64"

    static func component(_ name: String, patch: Int) -> ResolvedComponent {
        let version = ImageVersion(major: 1, minor: 2, patch: patch, build: 1)
        return ResolvedComponent(arn: ImageBuilderARN(region: .usEast1, owner: AccountID.defaultLocal, type: .component, name: name, version: version),
                                 name: name, version: version, type: .build)
    }

    static func inputs(parent: String = "ami-0a1b2c3d4e5f60718", parentName: String = parent1207,
                       components: [ResolvedComponent] = [component("web-base", patch: 0)]) -> BuildInputs {
        BuildInputs(parentImageId: ImageID(trusted: parent), parentImageName: parentName, components: components)
    }

    static func builds(_ decision: PipelineTrigger.Decision) -> Bool {
        if case .build = decision { return true }
        return false
    }

    // https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_Schedule.html
    @Test("EXPRESSION_MATCH_ONLY builds at every match, even with nothing new")
    func expressionMatchOnly() {
        // "EXPRESSION_MATCH_ONLY – This condition builds a new image every time the CRON expression matches the current time."
        let decision = PipelineTrigger.decide(condition: .expressionMatchOnly, inputs: Self.inputs(), lastBuild: Self.inputs())
        #expect(Self.builds(decision))
    }

    @Test("With dependency updates as the condition, the first build always runs")
    func firstBuild() {
        let decision = PipelineTrigger.decide(condition: .expressionMatchAndDependencyUpdatesAvailable, inputs: Self.inputs(), lastBuild: nil)
        #expect(Self.builds(decision))
    }

    @Test("The same parent and component versions as the last build: skip, no dependency updates")
    func sameInputsSkip() {
        // "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE (default) – ... builds a new image only when there
        // are new versions of the base image or components in your recipe that match the filter."
        let decision = PipelineTrigger.decide(condition: .expressionMatchAndDependencyUpdatesAvailable, inputs: Self.inputs(), lastBuild: Self.inputs())
        #expect(!Self.builds(decision))
        #expect(decision.reason.contains("no dependency updates"), "\(decision.reason)")
    }

    @Test("A newer parent image builds, and the reason names the new parent and the last build's")
    func newerParent() {
        let now = Self.inputs(parent: "ami-0f1e2d3c4b5a69788", parentName: Self.parent1221)
        let decision = PipelineTrigger.decide(condition: .expressionMatchAndDependencyUpdatesAvailable, inputs: now, lastBuild: Self.inputs())
        #expect(Self.builds(decision))
        #expect(decision.reason.contains(Self.parent1221) && decision.reason.contains(Self.parent1207), "\(decision.reason)")
    }

    @Test("A newer component version builds, and the reason names both versions")
    func newerComponent() {
        let now = Self.inputs(components: [Self.component("web-base", patch: 1)])
        let decision = PipelineTrigger.decide(condition: .expressionMatchAndDependencyUpdatesAvailable, inputs: now, lastBuild: Self.inputs())
        #expect(Self.builds(decision))
        #expect(decision.reason.contains("1.2.1/1") && decision.reason.contains("1.2.0/1"), "\(decision.reason)")
        // A component the last build did not have is an update too.
        let added = Self.inputs(components: [Self.component("web-base", patch: 0), Self.component("app-config", patch: 0)])
        let second = PipelineTrigger.decide(condition: .expressionMatchAndDependencyUpdatesAvailable, inputs: added, lastBuild: Self.inputs())
        #expect(Self.builds(second) && second.reason.contains("app-config"), "\(second.reason)")
    }
}

// MARK: - Build planner

/// Durations follow Ingot's documented model (AWS documents none): the workflow starts 60 s after the
/// request, an instance is ready 150 s after launch, CreateImage takes 180 s plus 10 s per GiB.
@Suite struct BuildPlannerTests {
    static func component(_ name: String, _ phases: [ComponentDocument.Phase]) -> BuildPlanner.Component {
        let version = ImageVersion(major: 1, minor: 2, patch: 0, build: 1)
        return BuildPlanner.Component(
            resolved: ResolvedComponent(arn: ImageBuilderARN(region: .usEast1, owner: AccountID.defaultLocal, type: .component, name: name, version: version),
                                        name: name, version: version, type: .build),
            document: ComponentDocument(name: name, phases: phases))
    }

    /// web-base has build, validate and test phases; app-config has build and validate.
    static let components = [
        component("web-base", [
            ComponentDocument.Phase(name: .build, steps: [bash("Install")]),
            ComponentDocument.Phase(name: .validate, steps: [bash("CheckInstall")]),
            ComponentDocument.Phase(name: .test, steps: [bash("Curl")]),
        ]),
        component("app-config", [
            ComponentDocument.Phase(name: .build, steps: [bash("Configure")]),
            ComponentDocument.Phase(name: .validate, steps: [bash("CheckConfig")]),
        ]),
    ]

    static func plan(instanceType: String = "m5.large", testsEnabled: Bool = true, faults: BuildPlanner.Faults = BuildPlanner.Faults(),
                     seed: UInt64 = 7) throws -> BuildTimeline {
        BuildPlanner.plan(start: try utc("2026-12-01T12:00:00Z"), components: components, instanceType: instanceType,
                          testsEnabled: testsEnabled, rootVolumeGiB: 8, faults: faults, seed: seed)
    }

    static func path(_ step: BuildTimeline.Step) -> String { "\(step.component)/\(step.phase)/\(step.name)" }

    /// Within a millisecond.
    static func near(_ a: Date?, _ b: Date?) -> Bool {
        guard let a, let b else { return false }
        return abs(a.timeIntervalSince(b)) < 0.001
    }

    @Test("Every component's build phase runs in recipe order, then every validate phase, then the test phases")
    func order() throws {
        let timeline = try Self.plan()
        #expect(timeline.steps.map(Self.path) == ["web-base/build/Install", "app-config/build/Configure",
                                                   "web-base/validate/CheckInstall", "app-config/validate/CheckConfig", "web-base/test/Curl"])
        #expect(timeline.steps.allSatisfy({ $0.status == "Success" && $0.attempts == 1 && $0.end > $0.start }))
        #expect(timeline.failure == nil)
    }

    @Test("Instance 60 s after the request, steps 150 s later, AMI 180 s + 10 s/GiB after the build, tests 150 s after the AMI")
    func timeline() throws {
        let timeline = try Self.plan()
        #expect(try timeline.requestedAt == utc("2026-12-01T12:00:00Z"))
        #expect(try timeline.buildInstanceAt == utc("2026-12-01T12:01:00Z"))
        #expect(try timeline.steps[0].start == utc("2026-12-01T12:03:30Z"))
        // The build stage's steps follow one another without gaps.
        for i in 1..<4 {
            #expect(Self.near(timeline.steps[i].start, timeline.steps[i - 1].end), "\(Self.path(timeline.steps[i]))")
        }
        let buildEnd = try #require(timeline.buildEnd)
        #expect(Self.near(buildEnd, timeline.steps[3].end))
        // An 8 GiB root volume: 180 + 10 × 8 = 260 s.
        let ami = try #require(timeline.amiAvailableAt)
        #expect(Self.near(ami, buildEnd.addingTimeInterval(260)))
        #expect(timeline.testInstanceAt == ami)
        #expect(Self.near(timeline.steps[4].start, ami.addingTimeInterval(150)))
        #expect(Self.near(timeline.testEnd, timeline.steps[4].end))
        #expect(timeline.distributionAt == timeline.testEnd)
    }

    @Test("Without tests there are no test steps and distribution starts when the AMI is available")
    func testsDisabled() throws {
        let timeline = try Self.plan(testsEnabled: false)
        #expect(!timeline.steps.contains(where: { $0.phase == "test" }))
        #expect(timeline.testInstanceAt == nil && timeline.testEnd == nil)
        #expect(timeline.amiAvailableAt != nil && timeline.distributionAt == timeline.amiAvailableAt)
        // The same seed draws the same build stage whether or not tests follow.
        #expect(try timeline.steps == Array(Self.plan().steps.prefix(4)))
    }

    @Test("An injected test failure stops the build in the test stage: no test end, no distribution")
    func testFailure() throws {
        let timeline = try Self.plan(faults: BuildPlanner.Faults(failSteps: ["web-base/test/Curl"]))
        let failure = try #require(timeline.failure)
        #expect(failure.stage == "test" && failure.phaseName == "test" && failure.stepName == "Curl" && failure.action == "ExecuteBash")
        #expect(failure.componentArn == "arn:aws:imagebuilder:us-east-1:123456789012:component/web-base/1.2.0/1")
        #expect(timeline.steps.last.map(Self.path) == "web-base/test/Curl" && timeline.steps.last?.status == "Failed")
        #expect(Self.near(failure.at, timeline.steps.last?.end))
        #expect(timeline.amiAvailableAt != nil && timeline.testInstanceAt != nil)
        #expect(timeline.testEnd == nil && timeline.distributionAt == nil)
        // The component is named case-insensitively.
        #expect(try Self.plan(faults: BuildPlanner.Faults(failSteps: ["WEB-BASE/test/Curl"])).failure?.stepName == "Curl")
    }

    @Test("An injected build or validate failure ends the build stage: no build end, no AMI")
    func buildFailure() throws {
        let build = try Self.plan(faults: BuildPlanner.Faults(failSteps: ["app-config/build/Configure"]))
        #expect(build.steps.map(Self.path) == ["web-base/build/Install", "app-config/build/Configure"])
        #expect(build.failure?.stage == "build" && build.failure?.phaseName == "build" && build.failure?.stepName == "Configure")
        #expect(build.buildEnd == nil && build.amiAvailableAt == nil && build.testInstanceAt == nil && build.distributionAt == nil)

        let validate = try Self.plan(faults: BuildPlanner.Faults(failSteps: ["web-base/validate/CheckInstall"]))
        #expect(validate.steps.map(Self.path) == ["web-base/build/Install", "app-config/build/Configure", "web-base/validate/CheckInstall"])
        #expect(validate.failure?.stage == "build" && validate.failure?.phaseName == "validate")
        #expect(validate.buildEnd == nil && validate.amiAvailableAt == nil)
    }

    @Test("The same seed gives the same plan; a bigger instance type gives shorter steps")
    func seedAndInstanceType() throws {
        #expect(try Self.plan(seed: 42) == Self.plan(seed: 42))
        #expect(try Self.plan(seed: 42).steps.map(\.end) != Self.plan(seed: 43).steps.map(\.end))
        let fast = try Self.plan(instanceType: "c6i.2xlarge", seed: 42)
        let slow = try Self.plan(instanceType: "t3.micro", seed: 42)
        #expect(fast.steps.map(Self.path) == slow.steps.map(Self.path))
        for (f, s) in zip(fast.steps, slow.steps) {
            #expect(f.end.timeIntervalSince(f.start) < s.end.timeIntervalSince(s.start), "\(Self.path(f))")
        }
        let fastEnd = try #require(fast.testEnd), slowEnd = try #require(slow.testEnd)
        #expect(fastEnd < slowEnd)
    }

    @Test("Faults.validate refuses a phase other than build, validate or test, and a rate outside 0 to 1")
    func faultsValidate() throws {
        try BuildPlanner.Faults(failSteps: ["web-base/build/Install", "web-base/validate/X", "web-base/test/Curl"], stepFailureRate: 0.25).validate()
        try BuildPlanner.Faults(stepFailureRate: 1).validate()
        expectInvalid("fail-step", "web-base/deploy/X") { try BuildPlanner.Faults(failSteps: ["web-base/deploy/X"]).validate() }
        for spec in ["web-base/test", "web-base//Curl", "a/build/c/d"] {
            expectInvalid("fail-step", spec) { try BuildPlanner.Faults(failSteps: [spec]).validate() }
        }
        expectInvalid("step-failure-rate", "1.5") { try BuildPlanner.Faults(stepFailureRate: 1.5).validate() }
        expectInvalid("step-failure-rate") { try BuildPlanner.Faults(stepFailureRate: -0.1).validate() }
    }
}

// MARK: - Image statuses

@Suite struct ImageBuildStatusTests {
    static func build(history: [StatusChange]) throws -> ImageBuild {
        let version = ImageVersion(major: 1, minor: 0, patch: 0, build: 1)
        return ImageBuild(
            arn: ImageBuilderARN(region: .usEast1, owner: AccountID.defaultLocal, type: .image, name: "golden-web", version: version),
            name: "golden-web", version: version, region: .usEast1, owner: .defaultLocal,
            recipeArn: try ImageBuilderARN("arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/golden-web/1.0.0", field: "recipe"),
            pipelineArn: nil,
            infrastructureConfigurationArn: try ImageBuilderARN("arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/builders",
                                                                field: "infrastructure"),
            distributionConfigurationArn: nil, buildType: "USER_INITIATED",
            inputs: BuildInputs(parentImageId: ImageID(trusted: "ami-0a1b2c3d4e5f60718"),
                                parentImageName: "al2023-ami-2023.13.20261207.0-kernel-6.1-x86_64", components: []),
            timeline: BuildPlanner.plan(start: try utc("2026-12-01T12:00:00Z"), components: [], instanceType: "m5.large",
                                        testsEnabled: true, rootVolumeGiB: 8, seed: 1),
            history: history, stage: .done, nextAt: nil)
    }

    @Test("status(at:) is the last change at or before the instant, PENDING before the first")
    func statusAt() throws {
        let t0 = try utc("2026-12-01T12:00:00Z"), t1 = try utc("2026-12-01T12:01:00Z")
        let t2 = try utc("2026-12-01T12:30:00Z"), t3 = try utc("2026-12-01T12:50:00Z")
        let build = try Self.build(history: [StatusChange(status: .pending, at: t0), StatusChange(status: .building, at: t1),
                                             StatusChange(status: .testing, at: t2), StatusChange(status: .available, at: t3)])
        let expected: [(String, ImageBuildStatus)] = [
            ("2026-12-01T11:59:59Z", .pending), ("2026-12-01T12:00:00Z", .pending), ("2026-12-01T12:00:59Z", .pending),
            ("2026-12-01T12:01:00Z", .building), ("2026-12-01T12:29:59Z", .building),
            ("2026-12-01T12:30:00Z", .testing), ("2026-12-01T12:49:59Z", .testing),
            ("2026-12-01T12:50:00Z", .available), ("2027-01-01T00:00:00Z", .available),
        ]
        for (time, status) in expected {
            #expect(try build.status(at: utc(time)) == status, "\(time)")
        }
        #expect(build.status == .available && build.finishedAt == t3)

        let running = try Self.build(history: [StatusChange(status: .pending, at: t0), StatusChange(status: .building, at: t1)])
        #expect(running.status == .building && running.finishedAt == nil)
        let failed = try Self.build(history: [StatusChange(status: .pending, at: t0), StatusChange(status: .failed, at: t2, reason: "step failed")])
        #expect(failed.status == .failed && failed.finishedAt == t2)
        #expect(try Self.build(history: []).status == .pending)
    }

    @Test("AVAILABLE, FAILED and CANCELLED end a build, and so do the later DEPRECATED, DELETED and DISABLED")
    func terminalStatuses() {
        // "A new image moves through build, test, and distribution statuses during creation, and ends in the
        // AVAILABLE, FAILED, or CANCELLED state. The DEPRECATED, DISABLED, and DELETED statuses come from later
        // resource management actions." (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ImageState.html)
        // So those three are over too: there is nothing left to cancel.
        let terminal: [ImageBuildStatus: Bool] = [
            .pending: false, .creating: false, .building: false, .testing: false, .distributing: false, .integrating: false,
            .available: true, .failed: true, .cancelled: true, .deprecated: true, .deleted: true, .disabled: true,
        ]
        #expect(Set(terminal.keys) == Set(ImageBuildStatus.allCases))
        for status in ImageBuildStatus.allCases {
            #expect(status.isTerminal == terminal[status], "\(status.rawValue)")
        }
    }
}

// MARK: - Base image catalog

/// Ingot's cadence (documented in `BaseImageCatalog`; AWS publishes none): every family releases every
/// 14 days at 00:00 UTC, Amazon Linux on Mondays from 2026-01-05, Ubuntu on Thursdays from 2026-01-08.
/// 2026-12-07 is 336 = 24 × 14 days after 2026-01-05; 2026-12-10 is 336 days after 2026-01-08.
@Suite struct BaseImageCatalogTests {
    static func family(_ name: String) throws -> BaseImageCatalog.Family {
        try #require(BaseImageCatalog.family(imageBuilderName: name))
    }

    @Test("The Amazon Linux 2023 release of 2026-12-07 is al2023-ami-2023.13.20261207.0-kernel-6.1-x86_64")
    func amazonLinuxName() throws {
        // "AL2023 provides a minor release every three months"; Ingot's catalog has 2023.11 in May 2026 and
        // 2023.12 from July 2026, so October to December 2026 is 2023.13. AWS's names read like
        // al2023-ami-2023.0.20230301.0-kernel-6.1-x86_64.
        let december7 = try utc("2026-12-07T00:00:00Z")
        #expect(try Self.family("amazon-linux-2023-x86").amiName(released: december7) == "al2023-ami-2023.13.20261207.0-kernel-6.1-x86_64")
        #expect(try Self.family("amazon-linux-2023-arm64").amiName(released: december7) == "al2023-ami-2023.13.20261207.0-kernel-6.1-arm64")
        let minors: [(String, Int)] = [("2026-05-18T00:00:00Z", 11), ("2026-06-30T00:00:00Z", 11), ("2026-07-01T00:00:00Z", 12),
                                       ("2026-09-30T00:00:00Z", 12), ("2026-10-01T00:00:00Z", 13), ("2026-12-31T00:00:00Z", 13),
                                       ("2027-01-04T00:00:00Z", 14)]
        for (date, minor) in minors {
            #expect(try BaseImageCatalog.amazonLinuxMinor(utc(date)) == minor, "\(date)")
        }
    }

    @Test("December 2026 has Amazon Linux releases on the 7th and 21st, Ubuntu on the 10th and 24th")
    func releases() throws {
        let start = try utc("2026-12-01T00:00:00Z"), end = try utc("2026-12-31T23:59:59Z")
        let amazonLinux = try Self.family("amazon-linux-2023-x86")
        #expect(try amazonLinux.releases(after: start, through: end) == [utc("2026-12-07T00:00:00Z"), utc("2026-12-21T00:00:00Z")])
        // (after, through]: a release at `after` is left out, one at `through` is in.
        #expect(try amazonLinux.releases(after: utc("2026-12-07T00:00:00Z"), through: utc("2026-12-21T00:00:00Z")) == [utc("2026-12-21T00:00:00Z")])
        #expect(try amazonLinux.latestRelease(atOrBefore: utc("2026-12-20T23:59:59Z")) == utc("2026-12-07T00:00:00Z"))
        let noble = try Self.family("ubuntu-server-24-lts-x86")
        #expect(try noble.releases(after: start, through: end) == [utc("2026-12-10T00:00:00Z"), utc("2026-12-24T00:00:00Z")])
        // Canonical's names read like ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240423.
        #expect(try noble.amiName(released: utc("2026-12-10T00:00:00Z")) == "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261210")
    }

    @Test("releaseDate(ofAMIName:) reads a family's own names back and returns nil for another family's")
    func releaseDate() throws {
        let amazonLinux = try Self.family("amazon-linux-2023-x86")
        #expect(try amazonLinux.releaseDate(ofAMIName: "al2023-ami-2023.13.20261207.0-kernel-6.1-x86_64") == utc("2026-12-07T00:00:00Z"))
        #expect(amazonLinux.releaseDate(ofAMIName: "al2023-ami-2023.13.20261207.0-kernel-6.1-arm64") == nil)
        #expect(amazonLinux.releaseDate(ofAMIName: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261210") == nil)
        let noble = try Self.family("ubuntu-server-24-lts-x86")
        #expect(try noble.releaseDate(ofAMIName: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261210") == utc("2026-12-10T00:00:00Z"))
        #expect(noble.releaseDate(ofAMIName: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20261210") == nil)
        #expect(noble.releaseDate(ofAMIName: "al2023-ami-2023.13.20261207.0-kernel-6.1-x86_64") == nil)
    }

    @Test("A managed image's version is its release date, YYYY.M.D: 2026-12-07 is 2026.12.7")
    func version() throws {
        // AWS-managed images are numbered by date, e.g. amazon-linux-2023-x86/2024.4.1.
        let amazonLinux = try Self.family("amazon-linux-2023-x86")
        #expect(try amazonLinux.version(released: utc("2026-12-07T00:00:00Z")) == SemanticVersion(2026, 12, 7))
        #expect(try amazonLinux.version(released: utc("2026-12-07T00:00:00Z")).description == "2026.12.7")
        #expect(try amazonLinux.version(released: utc("2024-04-01T00:00:00Z")).description == "2024.4.1")
    }
}

// MARK: - Managed components

/// "Build – This component type includes phases that are named build and validate. Test – This component
/// type includes one phase, named test." (Image Builder user guide, on component types)
@Suite struct ManagedComponentsTests {
    @Test("Every catalog document validates as AWSTOE would")
    func documentsValidate() {
        #expect(!ManagedComponents.catalog.isEmpty)
        for entry in ManagedComponents.catalog {
            #expect(throws: Never.self, "\(entry.name)") { try entry.document.validate(field: "") }
        }
    }

    @Test("Each entry's type agrees with its phases: a TEST component has only a test phase")
    func typesAgree() {
        let buildPhases: Set<ComponentDocument.Phase.Name> = [.build, .validate]
        let allowed: Set<ComponentDocument.Phase.Name> = [.build, .validate, .test]
        for entry in ManagedComponents.catalog {
            #expect(entry.type == entry.document.componentType, "\(entry.name)")
            let phases = Set(entry.document.phases.map(\.name))
            switch entry.type {
            case .test:
                #expect(phases == Set([ComponentDocument.Phase.Name.test]), "\(entry.name)")
            case .build:
                #expect(!phases.isDisjoint(with: buildPhases) && phases.isSubset(of: allowed), "\(entry.name)")
            }
        }
        #expect(ManagedComponents.entries(named: "simple-boot-test-linux").map(\.type) == [.test])
        #expect(ManagedComponents.entries(named: "update-linux").map(\.type) == [.build])
        #expect(ManagedComponents.entries(named: "update-linux").first?.arn(in: .usEast1).description
            == "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1")
    }

    @Test("componentType: a document with only a test phase is TEST; one with build or validate is BUILD")
    func componentType() {
        #expect(ComponentDocument(phases: [ComponentDocument.Phase(name: .test, steps: [bash("Curl")])]).componentType == .test)
        #expect(ComponentDocument(phases: [ComponentDocument.Phase(name: .build, steps: [bash("Install")]),
                                           ComponentDocument.Phase(name: .test, steps: [bash("Curl")])]).componentType == .build)
        #expect(ComponentDocument(phases: [ComponentDocument.Phase(name: .validate, steps: [bash("Check")])]).componentType == .build)
    }
}

// MARK: - Distribution's pure parts

@Suite struct DistributorTests {
    static func image(version: ImageVersion? = nil) throws -> Image {
        Image(id: ImageID(trusted: "ami-0a1b2c3d4e5f60718"), region: .usEast1, ownerId: .defaultLocal, name: "golden-web-build",
              creationDate: try utc("2026-12-01T12:00:00Z"), imageVersion: version)
    }

    @Test("The output name fills the region's template, or is the default name when the region gives none")
    func outputName() throws {
        let source = Distributor.Source(image: try Self.image(), buildDate: try utc("2026-12-01T12:00:00Z"),
                                        buildVersion: ImageVersion(major: 1, minor: 0, patch: 0, build: 3))
        let named = Distribution(region: .euWest1, amiDistributionConfiguration: AMIDistributionConfiguration(
            name: "golden-web-{{ imagebuilder:buildDate }}-{{ imagebuilder:buildVersion }}"))
        #expect(Distributor.outputName(named, source: source) == "golden-web-2026-12-01T12-00-00Z-3")
        #expect(Distributor.outputName(Distribution(region: .euWest1), source: source) == "golden-web-build")
        // Without a build date and version, the image's creation date and version stand in.
        let fromImage = Distributor.Source(image: try Self.image(version: ImageVersion(major: 2, minor: 3, patch: 0, build: 4)))
        #expect(Distributor.outputName(named, source: fromImage) == "golden-web-2026-12-01T12-00-00Z-4")
    }

    @Test("grants says which launch permissions an AMI already has")
    func grants() throws {
        let organization = "arn:aws:organizations::123456789012:organization/o-abcdefghij"
        let permissions = LaunchPermissions(userIds: [try AccountID("210987654321")], organizationArns: [organization])
        #expect(try permissions.grants(.account(AccountID("210987654321"))))
        #expect(try !permissions.grants(.account(AccountID("111122223333"))))
        #expect(!permissions.grants(.everyone))
        #expect(permissions.grants(.organization(organization)))
        #expect(!permissions.grants(.organizationalUnit("arn:aws:organizations::123456789012:ou/o-abcdefghij/ou-ab12-cdef3456")))
        #expect(LaunchPermissions(isPublic: true).grants(.everyone))
    }
}
