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
    @OptionGroup var accounts: AccountsOptions

    struct Imported: Encodable, Sendable { let regions: [CloudImportResult] }

    func run() async throws {
        if fromAWS { return try await importFromAWS() }
        guard let file else { throw IngotError.invalid("file", "give the JSON file the AWS CLI printed, or --from-aws") }
        guard regions.count <= 1 else { throw IngotError.invalid("region", "a file goes into one region") }
        let region = try Region(regions.first ?? RegionOption.defaultCode)
        switch try await global.cloud().importDocument(atPath: file, region: region) {
        case .images(let result):
            if global.structured { try Output.document(global.output, result) } else { Output.line("imported \(Output.count(result.imported, "image")) (\(result.skipped) already present)") }
        case .resources(let result):
            if global.structured { try Output.document(global.output, result) } else { Output.line("imported \(result.imported) \(result.kind) (\(result.skipped) already present) into \(region)") }
        }
    }

    func importFromAWS() async throws {
        guard file == nil else { throw IngotError.invalid("file", "--from-aws reads the account, not a file") }
        let regions = try RegionsOption.parse(regions.flatMap { ["--region", $0] }).resolve()
        if accounts.isEnabled {
            // Each account into the store as itself (act as it with --caller-account).
            let store = try Store(path: global.storePath)
            let clock = try global.clock()
            var options = global
            options.cloudOption = .aws
            let outcomes = try await options.inAccounts(accounts) { aws in
                let local = LocalCloud(store: store, caller: aws.account, clock: clock)
                var results: [CloudImportResult] = []
                for region in regions { results.append(try await local.importAccount(from: aws, region: region)) }
                return Imported(regions: results)
            }
            try AccountReport.output(outcomes, global: global) { Self.table($0.regions) }
            if outcomes.contains(where: { if case .failure = $0.result { true } else { false } }) { throw CommandFailure(code: 3) }
            return
        }
        let local = try await global.cloud()
        var results: [CloudImportResult] = []
        var importedAs: AccountID?
        try await global.withAWS { aws in
            importedAs = aws.account
            for region in regions { results.append(try await local.importAccount(from: aws, region: region)) }
        }
        if global.structured {
            try Output.document(global.output, Imported(regions: results))
            return
        }
        Self.table(results)
        if let account = importedAs, account != local.caller {
            Output.note("imported as account \(account): act as it with --caller-account \(account) (or INGOT_ACCOUNT)")
        }
    }

    static func table(_ results: [CloudImportResult]) {
        Output.table(["REGION", "IMAGES", "TEMPLATE VERSIONS", "GROUPS", "PARAMETERS"], results.map { r in
            [r.region] + [r.images, r.launchTemplateVersions, r.groups, r.parameters].map { "\($0.imported) (\($0.skipped) skipped)" }
        })
    }
}
