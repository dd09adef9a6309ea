// swift-tools-version: 6.1
import Foundation
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Rollout strategies: one target per folder of Sources/Strategies, found here so that adding a
/// strategy is adding a folder (the StrategyRegistry plugin registers what a module depends on).
let strategyNames = ((try? FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/Sources/Strategies")) ?? [])
    .filter { !$0.hasPrefix(".") }
    .sorted()
let strategyTargets: [Target] = strategyNames.map {
    .target(name: $0, dependencies: ["IngotRollout"], path: "Sources/Strategies/\($0)", swiftSettings: swiftSettings)
}
let strategyDependencies: [Target.Dependency] = strategyNames.map { .target(name: $0) }

let package = Package(
    name: "Ingot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ingot", targets: ["ingot"]),
        .library(name: "IngotCore", targets: ["IngotCore"]),
        .library(name: "IngotLocal", targets: ["IngotLocal"]),
        .library(name: "IngotRollout", targets: ["IngotRollout"]),
        .library(name: "IngotExternalStrategy", targets: ["IngotExternalStrategy"]),
        .library(name: "IngotStrategies", targets: strategyNames),
        .plugin(name: "StrategyRegistry", targets: ["StrategyRegistry"]),
        .plugin(name: "SimulateRollout", targets: ["SimulateRollout"]),
        .plugin(name: "RefreshLaunchTemplates", targets: ["RefreshLaunchTemplates"]),
        .library(name: "IngotAWS", targets: ["IngotAWS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // `swift package generate-documentation --target IngotCore`: the DocC catalog.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(name: "IngotCore", swiftSettings: swiftSettings),
        .target(
            name: "IngotLocal",
            dependencies: [
                // The local cloud runs StartInstanceRefresh with the simulator and AWS's two strategies.
                "IngotCore", "IngotRollout", "Rolling", "ReplaceRootVolume",
                .product(name: "GRDB", package: "GRDB.swift"),
                // AWSTOE component documents are YAML; the pipelines read them when a build runs.
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "IngotRollout",
            dependencies: ["IngotCore", .product(name: "HeapModule", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        .target(
            // Strategies in another process (JSON lines over pipes): the only process I/O of the rollout code.
            name: "IngotExternalStrategy",
            dependencies: ["IngotCore", "IngotRollout"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "StrategyRegistryGenerator", swiftSettings: swiftSettings),
        .plugin(name: "StrategyRegistry", capability: .buildTool(), dependencies: ["StrategyRegistryGenerator"]),
        .plugin(
            name: "SimulateRollout",
            capability: .command(intent: .custom(verb: "simulate-rollout", description: "Simulate an instance refresh: runs `ingot simulate rollout` with the given arguments.")),
            dependencies: ["ingot"]
        ),
        .plugin(
            name: "RefreshLaunchTemplates",
            capability: .command(
                intent: .custom(verb: "refresh-launch-templates", description: "Point launch templates at the golden images: runs `ingot templates refresh` with the given arguments."),
                permissions: [.writeToPackageDirectory(reason: "ingot writes new launch template versions to the store under .ingot/")]),
            dependencies: ["ingot"]
        ),
        .target(
            name: "IngotAWS",
            dependencies: [
                "IngotCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            // Named like its product, so that the command plugins can ask for the `ingot` tool.
            name: "ingot",
            dependencies: strategyDependencies + [
                "IngotCore", "IngotLocal", "IngotRollout", "IngotExternalStrategy", "IngotAWS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/IngotCLI",
            swiftSettings: swiftSettings,
            plugins: ["StrategyRegistry"]
        ),
        .testTarget(
            name: "IngotRolloutTests",
            dependencies: strategyDependencies + ["IngotCore", "IngotRollout", "IngotExternalStrategy", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings,
            // StrategyRegistry.linked: the tests iterate every strategy folder, not a hand-kept list.
            plugins: ["StrategyRegistry"]
        ),
        .testTarget(
            name: "IngotCoreTests",
            dependencies: ["IngotCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IngotLocalTests",
            dependencies: ["IngotCore", "IngotLocal", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            // ingot: `swift test` builds the `ingot` binary these tests run.
            dependencies: ["IngotCore", "IngotLocal", "ingot", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AWSTests",
            dependencies: [
                // ingot: the end-to-end tests run the built binary.
                "IngotCore", "IngotAWS", "ingot",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // Test data read from the source tree (#filePath): SigV4 vectors, recorded AWS responses.
            exclude: ["Resources"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
package.targets += strategyTargets
