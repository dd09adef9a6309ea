import Foundation
import PackagePlugin

/// Runs the package's `ingot` from the user's package directory (shared by the command plugins through a symlink).
enum IngotTool {
    static func run(context: PluginContext, command: [String], arguments: [String]) throws {
        let tool = try context.tool(named: "ingot")
        let process = Process()
        process.executableURL = tool.url
        process.arguments = command + arguments
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            Diagnostics.error("ingot \(command.joined(separator: " ")) exited with status \(process.terminationStatus)")
            throw ExitStatus(code: process.terminationStatus)
        }
    }

    struct ExitStatus: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "ingot exited with status \(code)" }
    }
}
