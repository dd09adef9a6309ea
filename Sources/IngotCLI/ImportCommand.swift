import ArgumentParser
import Foundation
import IngotCore
import IngotLocal

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load AWS CLI JSON into the store: describe-images, describe-launch-template-versions, describe-auto-scaling-groups, ssm get-parameters.",
        discussion: "Import templates before the groups that use them (instances take their image from the template version). Existing names are skipped.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The JSON file the AWS CLI printed.") var file: String
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        guard let handle = FileHandle(forReadingAtPath: file) else { throw IngotError.invalid("file", "cannot read \(file)") }
        let head = handle.readData(ofLength: 4096)
        try? handle.close()
        let cloud = try global.cloud()
        // describe-images output can be huge: it streams through the image importer.
        if head.range(of: Data("\"Images\"".utf8)) != nil {
            let result = try await cloud.importImages(from: file, region: region)
            if global.structured { try Output.document(global.output, result) } else { Output.line("imported \(result.imported) images (\(result.skipped) already present)") }
            return
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw IngotError.invalid("file", "cannot read \(file)") }
        let result = try await cloud.importAccountDocument(data, region: region)
        if global.structured { try Output.document(global.output, result) } else { Output.line("imported \(result.imported) \(result.kind) (\(result.skipped) already present) into \(region)") }
    }
}
