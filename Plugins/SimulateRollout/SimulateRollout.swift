import Foundation
import PackagePlugin

/// `swift package simulate-rollout ARGS...`: runs `ingot simulate rollout ARGS...` from the package's directory.
@main
struct SimulateRolloutPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        try IngotTool.run(context: context, command: ["simulate", "rollout"], arguments: arguments)
    }
}
