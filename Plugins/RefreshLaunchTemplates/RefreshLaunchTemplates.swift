import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory refresh-launch-templates ARGS...`: runs `ingot templates refresh ARGS...` from the package's directory.
@main
struct RefreshLaunchTemplatesPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        try IngotTool.run(context: context, command: ["templates", "refresh"], arguments: arguments)
    }
}
