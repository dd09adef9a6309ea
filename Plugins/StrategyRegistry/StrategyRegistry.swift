import Foundation
import PackagePlugin

/// Registers every rollout strategy a module depends on: a strategy is a target in a folder
/// `Sources/Strategies/<Name>` declaring `<Name>Strategy`. Adding a strategy is adding a folder.
@main
struct StrategyRegistryPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        let strategies = module.recursiveTargetDependencies
            .compactMap { $0 as? SourceModuleTarget }
            .filter { $0.directoryURL.deletingLastPathComponent().lastPathComponent == "Strategies" }
            .sorted { $0.name < $1.name }
        let output = context.pluginWorkDirectoryURL.appending(path: "RegisteredStrategies.swift")
        let inputs = strategies.flatMap { $0.sourceFiles(withSuffix: "swift").map(\.url) }
        return [
            .buildCommand(
                displayName: "Registering \(strategies.count) rollout strategies for \(module.name)",
                executable: try context.tool(named: "StrategyRegistryGenerator").url,
                arguments: [output.path] + strategies.map(\.moduleName),
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
