import ArgumentParser
import Foundation
import IngotAWS
import IngotCore
import IngotLocal

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a real account into the store: AWS CLI JSON (describe-images, describe-launch-template-versions, describe-auto-scaling-groups, ssm get-parameters), or --from-aws.",
        discussion: """
            Import templates before the groups that use them (instances take their image from the template version). Existing names are skipped. --from-aws reads the account of the AWS CLI's credentials (--profile, --endpoint-url) in each --region: your images, every launch template with all its versions, the groups with their instances, and the SSM parameters the templates launch from (resolve:ssm:).
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The JSON file the AWS CLI printed.") var file: String?
    @Flag(name: .customLong("from-aws"), help: "Copy what the AWS account holds in each --region instead of reading a file.") var fromAWS = false
    @Option(name: .customLong("region"), help: "The region; repeatable with --from-aws.") var regions: [String] = []

    func run() async throws {
        if fromAWS { return try await importFromAWS() }
        guard let file else { throw IngotError.invalid("file", "give the JSON file the AWS CLI printed, or --from-aws") }
        guard regions.count <= 1 else { throw IngotError.invalid("region", "a file goes into one region") }
        let region = try Region(regions.first ?? RegionOption.defaultCode)
        guard let handle = FileHandle(forReadingAtPath: file) else { throw IngotError.invalid("file", "cannot read \(file)") }
        let head = handle.readData(ofLength: 4096)
        try? handle.close()
        let cloud = try global.cloud()
        // describe-images output can be huge: it streams through the image importer.
        if head.range(of: Data("\"Images\"".utf8)) != nil {
            let result = try await cloud.importImages(from: file, region: region)
            if global.structured { try Output.document(global.output, result) } else { Output.line("imported \(Output.count(result.imported, "image")) (\(result.skipped) already present)") }
            return
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw IngotError.invalid("file", "cannot read \(file)") }
        let result = try await cloud.importAccountDocument(data, region: region)
        if global.structured { try Output.document(global.output, result) } else { Output.line("imported \(result.imported) \(result.kind) (\(result.skipped) already present) into \(region)") }
    }

    func importFromAWS() async throws {
        guard file == nil else { throw IngotError.invalid("file", "--from-aws reads the account, not a file") }
        let regions = try RegionsOption.parse(regions.flatMap { ["--region", $0] }).resolve()
        let local = try global.cloud()
        var results: [CloudImportResult] = []
        var importedAs: AccountID?
        try await global.withAWS { aws in
            importedAs = aws.account
            for region in regions {
                let images = try await aws.describeImages(DescribeImagesRequest(region: region, owners: ["self"], includeDeprecated: true, includeDisabled: true))
                var versions: [LaunchTemplateVersion] = []
                for t in try await aws.describeLaunchTemplates(region: region, names: []) {
                    versions += try await aws.describeLaunchTemplateVersions(region: region, name: t.name, versions: [.range(1...max(1, t.latestVersionNumber))])
                }
                let groups = try await aws.describeAutoScalingGroups(region: region, names: [])
                var parameters: [Parameter] = []
                for name in Set(versions.compactMap { $0.data.ssmParameter?.split(separator: ":").first.map(String.init) }).sorted() {
                    // Every version with its labels: templates may launch from NAME:VERSION or NAME:LABEL.
                    parameters += try await aws.getParameterHistory(region: region, name: name)
                }
                // What the account owns is owned by it in the store too (its images, templates, groups, parameters).
                results.append(try await local.acting(as: aws.account).importFromCloud(region: region, images: images, templates: versions, groups: groups,
                                                                                        parameters: parameters))
            }
        }
        if global.structured {
            struct Report: Encodable { let regions: [CloudImportResult] }
            try Output.document(global.output, Report(regions: results))
            return
        }
        Output.table(["REGION", "IMAGES", "TEMPLATE VERSIONS", "GROUPS", "PARAMETERS"], results.map { r in
            [r.region] + [r.images, r.launchTemplateVersions, r.groups, r.parameters].map { "\($0.imported) (\($0.skipped) skipped)" }
        })
        if let account = importedAs, account != local.caller {
            Output.note("imported as account \(account): act as it with --caller-account \(account) (or INGOT_ACCOUNT)")
        }
    }
}
