import ArgumentParser
import Foundation
import IngotAWS
import IngotCore
import IngotLocal

struct Templates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates",
        abstract: "Launch templates: create, versions, default, and refresh onto the golden image.",
        subcommands: [TemplatesCreate.self, TemplatesList.self, TemplatesShow.self, TemplatesVersions.self,
                      TemplatesSetDefault.self, TemplatesDeleteVersions.self, TemplatesRefresh.self])
}

/// The launch template data options shared by create (and, later, create-version).
struct TemplateDataOptions: ParsableArguments {
    @Option(name: .customLong("image-id"), help: "ami-... or resolve:ssm:PARAMETER.") var imageId: String?
    @Option(name: .customLong("instance-type"), help: "e.g. t3.micro.") var instanceType: String?
    @Option(name: .customLong("key-name"), help: "An EC2 key pair name.") var keyName: String?
    @Option(name: .customLong("security-group-id"), help: "sg-...; repeatable.") var securityGroupIds: [String] = []
    @Option(name: .customLong("user-data"), help: "A file, or the text itself (stored base64, as AWS does).") var userData: String?
    @Option(name: .customLong("iam-instance-profile"), help: "An instance profile name or ARN.") var iamInstanceProfile: String?
    @Option(name: .customLong("http-tokens"), help: "Instance metadata: required (IMDSv2) or optional.") var httpTokens: String?
    @Option(name: .customLong("instance-tag"), help: "KEY=VALUE tagged on launched instances; repeatable.") var instanceTags: [String] = []
    @Option(name: .customLong("launch-template-data"),
            help: "LaunchTemplateData as JSON, as the AWS CLI takes it (PascalCase or camelCase; the JSON itself, a file, or file://FILE); every field is kept, and the options above override theirs.")
    var launchTemplateData: String?

    func resolve() throws -> LaunchTemplateData {
        let given = try launchTemplateData.map(Self.parse) ?? LaunchTemplateData()
        var flags = try flags()
        // --http-tokens changes one metadata option and --instance-tag adds instance tags: the rest of
        // the given objects stays.
        if var options = given.metadataOptions, let tokens = httpTokens {
            options.httpTokens = tokens
            flags.metadataOptions = options
        }
        if let given = given.tagSpecifications, let added = flags.tagSpecifications?.first?.tags {
            var specs = given
            if let i = specs.firstIndex(where: { $0.resourceType == "instance" }) { specs[i].tags = specs[i].tags.setting(added) }
            else { specs.append(TagSpecification(resourceType: "instance", tags: added)) }
            flags.tagSpecifications = specs
        }
        return given.overridden(by: flags)
    }

    static func parse(_ text: String) throws -> LaunchTemplateData {
        guard case .object(let fields) = try JSONArgument.read(text, field: "launch-template-data", what: "a LaunchTemplateData object") else {
            throw IngotError.invalid("launch-template-data", "is not a JSON object of LaunchTemplateData fields (or a file holding one)")
        }
        return try LaunchTemplateData(fields: fields, field: "launch-template-data")
    }

    private func flags() throws -> LaunchTemplateData {
        if let image = imageId, !image.hasPrefix("resolve:ssm:") { _ = try ImageID(image) }
        if let t = httpTokens, !["required", "optional"].contains(t) {
            throw IngotError.invalid("http-tokens", "'\(t)' is not required or optional")
        }
        for sg in securityGroupIds where !sg.hasPrefix("sg-") {
            throw IngotError.invalid("security-group-id", "'\(sg)' is not a security group id (sg-...)")
        }
        let text = userData.map { FileManager.default.fileExists(atPath: $0) ? (FileManager.default.contents(atPath: $0) ?? Data()) : Data($0.utf8) }
        let tags = try parseTags(instanceTags)
        return LaunchTemplateData(
            imageId: imageId, instanceType: instanceType, keyName: keyName, securityGroupIds: securityGroupIds.isEmpty ? nil : securityGroupIds,
            userData: text?.base64EncodedString(), iamInstanceProfile: iamInstanceProfile,
            metadataOptions: httpTokens.map { MetadataOptions(httpTokens: $0) },
            tagSpecifications: tags.isEmpty ? nil : [TagSpecification(resourceType: "instance", tags: tags)])
    }
}

enum TemplateView {
    struct Versions: Encodable { let launchTemplateVersions: [LaunchTemplateVersion] }

    static func table(_ versions: [LaunchTemplateVersion]) {
        Output.table(["TEMPLATE", "VERSION", "DEFAULT", "IMAGE", "TYPE", "CREATED", "DESCRIPTION"], versions.map {
            [$0.templateName, String($0.versionNumber), $0.defaultVersion ? "yes" : "", $0.data.imageId ?? "", $0.data.instanceType ?? "",
             Output.time($0.createTime), $0.versionDescription ?? ""]
        })
    }
}

struct TemplatesCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a launch template (version 1, the default).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The template name.") var name: String
    @OptionGroup var region: RegionOption
    @OptionGroup var data: TemplateDataOptions
    @Option(name: .customLong("version-description"), help: "A description of version 1.") var versionDescription: String?
    @Option(name: .customLong("tag"), help: "KEY=VALUE on the template; repeatable.") var tags: [String] = []

    func run() async throws {
        try validateLaunchTemplateName(name)
        let request = CreateLaunchTemplateRequest(region: try region.resolve(), name: name, data: try data.resolve(),
                                                  versionDescription: versionDescription, tags: try parseTags(tags))
        let version = try await global.withCloud { c, _ in try await c.createLaunchTemplate(request) }
        if global.structured { try Output.document(global.output, TemplateView.Versions(launchTemplateVersions: [version])) }
        else { Output.line("\(version.templateId) \(name) version 1") }
    }
}

struct TemplatesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List launch templates (DescribeLaunchTemplates).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var regions: RegionsOption

    func run() async throws {
        let regions = try regions.resolve()
        let all = try await global.withCloud { cloud, _ in
            var all: [LaunchTemplate] = []
            for r in regions { all += try await cloud.describeLaunchTemplates(region: r, names: []) }
            return all
        }
        if global.structured {
            struct List: Encodable { let launchTemplates: [LaunchTemplate] }
            try Output.document(global.output, List(launchTemplates: all))
            return
        }
        Output.table(["TEMPLATE", "ID", "DEFAULT", "LATEST", "REGION"], all.map {
            [$0.name, $0.id, String($0.defaultVersionNumber), String($0.latestVersionNumber), $0.region.code]
        })
    }
}

struct TemplatesShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one version of a template (default $Default).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The template name.") var name: String
    @OptionGroup var region: RegionOption
    @Option(help: "$Default, $Latest or a number.") var version = "$Default"

    func run() async throws {
        let selector = try TemplateVersionSelector(version, field: "version")
        let region = try region.resolve()
        let versions = try await global.withCloud { c, _ in try await c.describeLaunchTemplateVersions(region: region, name: name, versions: [selector]) }
        guard let v = versions.first else { throw IngotError.refused("InvalidLaunchTemplateId.VersionNotFound", "no version \(version) of \(name)") }
        if global.structured { try Output.document(global.output, v); return }
        let d = v.data
        Output.table(["FIELD", "VALUE"], [
            ["Template", "\(v.templateName) (\(v.templateId))"], ["Version", "\(v.versionNumber)\(v.defaultVersion ? " (default)" : "")"],
            ["Description", v.versionDescription ?? ""], ["ImageId", d.imageId ?? ""], ["InstanceType", d.instanceType ?? ""],
            ["KeyName", d.keyName ?? ""], ["SecurityGroups", (d.securityGroupIds ?? []).joined(separator: ", ")],
            ["IamInstanceProfile", d.iamInstanceProfile ?? ""], ["UserData", d.userData.map { "\($0.count) base64 characters" } ?? ""],
            ["MetadataHttpTokens", d.metadataOptions?.httpTokens ?? ""],
            ["InstanceTags", (d.tagSpecifications ?? []).flatMap(\.tags).map { "\($0.key)=\($0.value)" }.joined(separator: ", ")],
        ])
    }
}

struct TemplatesVersions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "versions", abstract: "List versions (DescribeLaunchTemplateVersions), newest first.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The template name.") var name: String
    @OptionGroup var region: RegionOption
    @Option(name: .customLong("versions"), help: "$Latest, $Default, numbers, ranges (2-5); comma-separated or repeated.") var versions: [String] = []

    func run() async throws {
        // An empty list is not "every version": --versions '' names none, and is refused.
        let selectors = try versions.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { piece in
            guard !piece.isEmpty else { throw IngotError.invalid("versions", "is empty; give $Latest, $Default, numbers or ranges (2-5), or leave --versions out for every version") }
            return try TemplateVersionSelector(String(piece), field: "versions")
        }
        let region = try region.resolve()
        let list = try await global.withCloud { c, _ in try await c.describeLaunchTemplateVersions(region: region, name: name, versions: selectors) }
        if global.structured { try Output.document(global.output, TemplateView.Versions(launchTemplateVersions: list)) } else { TemplateView.table(list) }
    }
}

struct TemplatesSetDefault: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set-default", abstract: "Make a version the default (ModifyLaunchTemplate).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The template name.") var name: String
    @OptionGroup var region: RegionOption
    @Option(help: "The version number.") var version: Int

    func run() async throws {
        guard version >= 1 else { throw IngotError.invalid("version", "\(version) is not a version number (1 or more)") }
        let region = try region.resolve()
        let t = try await global.withCloud { c, _ in try await c.modifyLaunchTemplate(region: region, name: name, defaultVersion: version) }
        Output.line("\(t.name) default version \(t.defaultVersionNumber)")
    }
}

struct TemplatesDeleteVersions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete-versions", abstract: "Delete versions (never the default).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The template name.") var name: String
    @OptionGroup var region: RegionOption
    @Option(name: .customLong("versions"), help: "Version numbers, comma-separated or repeated.") var versions: [String]

    func run() async throws {
        let numbers = try versions.flatMap { $0.split(separator: ",") }.map { text -> Int in
            guard let n = Int(text), n >= 1 else { throw IngotError.invalid("versions", "'\(text)' is not a version number") }
            return n
        }
        let region = try region.resolve()
        let result = try await global.withCloud { c, _ in try await c.deleteLaunchTemplateVersions(region: region, name: name, versions: numbers) }
        if !result.deleted.isEmpty { Output.line("deleted versions \(result.deleted.map(String.init).joined(separator: ", ")) of \(name)") }
        for (v, code) in result.failed.sorted(by: { $0.key < $1.key }) { Output.note("not deleted: version \(v): \(code)") }
        if !result.failed.isEmpty { throw CommandFailure(code: 1) }
    }
}

struct TemplatesRefresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Point launch templates at the golden image: a new version only where it changed.",
        discussion: """
            For each template and region: resolve the golden image (launchable by the template's account); if the base version (the default, or --base latest) already references it, nothing changes; otherwise a version is created from the base with only the image id changed. Idempotent: a second run changes nothing, and two runs at once create one version (ClientToken). Exit 3 when a template/region is blocked (no eligible image, no such template).
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The launch templates to refresh.") var names: [String] = []
    @Option(name: .customLong("template"), help: "A template name, as an option; repeatable.") var templateOptions: [String] = []
    /// The templates, positional or `--template` (both spellings add up).
    var templates: [String] { names + templateOptions.filter { !names.contains($0) } }
    @OptionGroup var regions: RegionsOption
    @OptionGroup var selector: SelectorOptions
    @Flag(name: .customLong("set-default"), help: "Make the version that references the image the default.") var setDefault = false
    @Option(help: "Keep at most N versions (never the default).") var keep: Int?
    @Option(help: "The version to compare and build on.") var base: TemplateRefresher.Base = .default
    @Flag(name: .customLong("dry-run"), help: "Print the plan, write nothing.") var dryRun = false
    @Option(name: .shortAndLong, help: "An ingot.yaml listing templates, their regions and selectors (instead of the flags).") var file: String?

    func jobs() throws -> [TemplateRefresher.Job] {
        if let file {
            guard templates.isEmpty, selector.isEmpty, regions.regions.isEmpty, !setDefault, keep == nil, base == .default else {
                throw IngotError.invalid("file", "-f takes templates, regions, selectors and options from the file: drop --template, --region, --set-default, --keep, --base and the selector flags")
            }
            return try YAMLFile.config(file).refreshJobs(dryRun: dryRun)
        }
        guard !templates.isEmpty else { throw IngotError.invalid("template", "give at least one template, e.g. `ingot templates refresh web-lt` (or -f ingot.yaml)") }
        for t in templates { try validateLaunchTemplateName(t) }
        if let keep, keep < 1 { throw IngotError.invalid("keep", "\(keep) must be at least 1") }
        return [TemplateRefresher.Job(templates: templates, regions: try regions.resolve(), selector: try selector.resolve(),
                              options: TemplateRefresher.Options(base: base, setDefault: setDefault, keep: keep, dryRun: dryRun))]
    }

    @OptionGroup var accounts: AccountsOptions

    func run() async throws {
        let jobs = try jobs()
        if accounts.isEnabled {
            // The same jobs in every account: each refreshes its own templates onto the golden image (shared with it by its owner).
            let outcomes = try await global.inAccounts(accounts) { cloud in
                RefreshReport(templates: try await TemplateRefresher.refresh(jobs: jobs, cloud: cloud, now: Date()))
            }
            try AccountReport.output(outcomes, global: global) { Self.table($0.results) }
            let blocked = outcomes.contains { if case .success(let r) = $0.result { r.results.contains { $0.action == .blocked } } else { true } }
            if blocked { throw CommandFailure(code: 3) }
            return
        }
        let results = try await global.withCloud { cloud, now in try await TemplateRefresher.refresh(jobs: jobs, cloud: cloud, now: now) }
        if global.structured {
            try Output.document(global.output, RefreshReport(templates: results))
        } else {
            Self.table(results)
        }
        if results.contains(where: { $0.action == .blocked }) { throw CommandFailure(code: 3) }
    }

    static func table(_ results: [TemplateRefreshResult]) {
        Output.table(["REGION", "TEMPLATE", "ACTION", "VERSION", "IMAGE", "PREVIOUS IMAGE", "DEFAULT", "NOTE"], results.map { r in
            let deleted = r.action.rawValue.hasPrefix("would") ? "would delete versions" : "deleted versions"
            var note = r.reason ?? (r.deletedVersions.isEmpty ? (r.imageName ?? "") : "\(deleted) \(r.deletedVersions.map(String.init).joined(separator: ","))")
            if let p = r.parameter, r.reason == nil { note = "parameter \(p) version \(r.parameterVersion.map(String.init) ?? "?")" }
            return [r.region.code, r.launchTemplateName, r.action.rawValue, r.version.map(String.init) ?? "", r.imageId?.rawValue ?? "",
                    r.previousImageId ?? "", r.defaultVersion.map(String.init) ?? "", note]
        })
    }
}

/// `{"templates":[{"region":..,"launchTemplateName":..,"action":..,"version":N,"imageId":..,"previousImageId":..,"defaultVersion":N,"reason":..}]}`.
struct RefreshReport: Encodable, Sendable {
    struct Entry: Encodable, Sendable {
        let region: String, launchTemplateName: String, action: String
        let version: Int?, imageId: String?, previousImageId: String?, defaultVersion: Int?, deletedVersions: [Int], reason: String?
        let parameter: String?, parameterVersion: Int?
    }
    let templates: [Entry]
    /// The results themselves, for the table (not encoded).
    let results: [TemplateRefreshResult]

    enum CodingKeys: String, CodingKey { case templates }

    init(templates: [TemplateRefreshResult]) {
        results = templates
        self.templates = templates.map {
            Entry(region: $0.region.code, launchTemplateName: $0.launchTemplateName, action: $0.action.rawValue, version: $0.version,
                  imageId: $0.imageId?.rawValue, previousImageId: $0.previousImageId, defaultVersion: $0.defaultVersion,
                  deletedVersions: $0.deletedVersions, reason: $0.reason, parameter: $0.parameter, parameterVersion: $0.parameterVersion)
        }
    }
}
