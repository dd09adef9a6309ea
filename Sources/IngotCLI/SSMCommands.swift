import ArgumentParser
import Foundation
import IngotCore
import IngotLocal

struct SSM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssm", abstract: "SSM parameters (aws:ec2:image) for templates that use resolve:ssm:NAME.",
        subcommands: [SSMPut.self, SSMGet.self, SSMHistory.self, SSMLabel.self])
}

struct SSMPut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "put", abstract: "PutParameter; prints the new version.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The parameter name, e.g. /golden/web.") var name: String
    @OptionGroup var region: RegionOption
    @Option(help: "The value (an AMI id for aws:ec2:image).") var value: String
    @Option(name: .customLong("data-type"), help: "text (SSM's default) or aws:ec2:image (the value must be an AMI the account can use; needed for resolve:ssm:).") var dataType = "text"
    @Flag(help: "Create a new version of an existing parameter.") var overwrite = false

    func run() async throws {
        try Parameter.validate(name: name)
        let region = try region.resolve()
        let version = try await global.withCloud { c, _ in try await c.putParameter(region: region, name: name, value: value, dataType: dataType, overwrite: overwrite) }
        Output.line("\(name) version \(version)")
    }
}

struct SSMGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "GetParameter (NAME, NAME:VERSION or NAME:LABEL).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The parameter name, optionally :VERSION or :LABEL.") var name: String
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        let p = try await global.withCloud { c, _ in try await c.getParameter(region: region, name: name) }
        if global.structured { try Output.document(global.output, ["parameter": p]) } else { Output.line(p.value) }
    }
}

struct SSMHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "GetParameterHistory.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The parameter name.") var name: String
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        let history = try await global.withCloud { c, _ in try await c.getParameterHistory(region: region, name: name) }
        if global.structured { try Output.document(global.output, ["parameters": history]); return }
        Output.table(["VERSION", "VALUE", "LABELS", "MODIFIED"], history.map {
            [String($0.version), $0.value, $0.labels.joined(separator: ","), Output.time($0.lastModifiedDate)]
        })
    }
}

struct SSMLabel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "label", abstract: "LabelParameterVersion (labels move from other versions).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The parameter name.") var name: String
    @OptionGroup var region: RegionOption
    @Option(help: "The version to label.") var version: Int
    @Option(name: .customLong("label"), help: "A label; repeatable.") var labels: [String]

    func run() async throws {
        let region = try region.resolve()
        let invalid = try await global.withCloud { c, _ in try await c.labelParameterVersion(region: region, name: name, version: version, labels: labels) }
        let attached = labels.filter { !invalid.contains($0) }
        // LabelParameterVersion attaches the valid labels and answers the rest in InvalidLabels.
        if attached.isEmpty {
            throw IngotError.invalid("label", "none attached: \(invalid.joined(separator: ", ")) break the label rules (letters, digits, . - _; not starting with a digit, aws or ssm)")
        }
        if global.structured {
            struct Labelled: Encodable { let name: String; let parameterVersion: Int; let labels: [String]; let invalidLabels: [String] }
            try Output.document(global.output, Labelled(name: name, parameterVersion: version, labels: attached, invalidLabels: invalid))
        } else {
            Output.line("\(name) version \(version) labelled \(attached.joined(separator: ", "))")
        }
        if !invalid.isEmpty {
            Output.note("warning: not attached (InvalidLabels): \(invalid.joined(separator: ", ")); labels are letters, digits, . - _, not starting with a digit, aws or ssm")
        }
    }
}
