import ArgumentParser
import Foundation
import IngotCore

/// `ingot`: golden AMIs, launch templates, fleet rollouts and DR, on an embedded cloud or AWS.
struct Ingot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingot",
        abstract: "Golden AMIs across regions: images, launch templates, rollouts and DR.",
        discussion: """
            Works on an embedded local cloud (a SQLite file, the default: no account, no network), or on AWS with --cloud aws.

            Global options, on every subcommand, before or after it: --store PATH (INGOT_STORE), --caller-account ID (INGOT_ACCOUNT), --at TIME (INGOT_NOW), --output table|json|yaml, --cloud local|aws (INGOT_CLOUD), --endpoint-url URL (AWS_ENDPOINT_URL), --profile NAME (AWS_PROFILE), --region R (AWS_REGION), --debug (INGOT_LOG_LEVEL).

            Exit codes: 0 success, 1 the operation failed or was refused, 2 invalid input (nothing written), 3 completed but found a problem you asked about (e.g. a region without a golden image, a rollout that rolled back).

            Shell completions: ingot --generate-completion-script bash|zsh|fish (see docs/cli.md).
            """,
        version: IngotVersion.current,
        subcommands: [Init.self, Demo.self, Images.self, Snapshots.self, Instances.self, Resolve.self, Templates.self, SSM.self, KMS.self, Groups.self, Simulate.self, Strategies.self, DR.self, DoctorCommand.self, Import.self, AWS.self, Pipelines.self, ImageBuilderCommand.self, Distribute.self]
    )
}

@main
enum Main {
    static func main() async {
        do {
            let arguments = CommandLineShape.movingLeadingGlobals(Array(CommandLine.arguments.dropFirst()))
            if let message = CommandLineShape.unknownSubcommand(arguments, root: Ingot.self) {
                FileHandle.standardError.write(Data("error: \(message)\n".utf8))
                exit(2)
            }
            var command = try Ingot.parseAsRoot(arguments)
            // markdown is a runbook, which only `dr plan` writes.
            if !(command is DRPlanCommand), zip(arguments, arguments.dropFirst()).contains(where: { $0 == "--output" && $1 == "markdown" }) || arguments.contains("--output=markdown") {
                FileHandle.standardError.write(Data("error: output: markdown is the runbook of `ingot dr plan`; this command writes table, json or yaml\n".utf8))
                exit(2)
            }
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let error as IngotError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(Self.exitCode(error))
        } catch let error as CommandFailure {
            exit(error.code)
        } catch {
            // An IngotError thrown from an option group's `validate()` arrives wrapped by the parser:
            // it exits as its kind says (2 for invalid input), with its own one-line message.
            if let wrapped = Self.ingotError(in: error) {
                FileHandle.standardError.write(Data("error: \(wrapped)\n".utf8))
                exit(Self.exitCode(wrapped))
            }
            let code = Ingot.exitCode(for: error)
            if code == .success {
                print(Ingot.fullMessage(for: error))
                exit(0)
            }
            // Usage and validation errors: one line, exit 2 (ArgumentParser's own code is 64).
            // Anything else is a failure of the operation: exit 1.
            FileHandle.standardError.write(Data("error: \(Ingot.message(for: error))\n".utf8))
            exit(code == .validationFailure ? 2 : 1)
        }
    }

    /// The IngotError inside an error the argument parser wrapped (its user-validation case), if any.
    static func ingotError(in error: any Error, depth: Int = 0) -> IngotError? {
        ingotError(inValue: error, depth: depth)
    }

    /// Searches associated values, tuples and optionals (a value's transform error sits in one).
    private static func ingotError(inValue value: Any, depth: Int) -> IngotError? {
        if let e = value as? IngotError { return e }
        guard depth < 6 else { return nil }
        for child in Mirror(reflecting: value).children {
            if let e = ingotError(inValue: child.value, depth: depth + 1) { return e }
        }
        return nil
    }

    static func exitCode(_ error: IngotError) -> Int32 {
        switch error.kind {
        case .invalidInput: 2
        case .refused, .failed: 1
        }
    }
}

/// Ingot's release, printed by `ingot --version`.
enum IngotVersion {
    static let current = "0.6.0"
}

/// A command that already reported its outcome and only needs to set the exit code (3: found a problem).
struct CommandFailure: Error {
    let code: Int32
}
