// swift-tools-version: 6.1
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between checkouts.
let ingot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// A package that adds its own rollout strategy: a folder under Sources/Strategies, registered with
// Ingot's built-in ones by the StrategyRegistry build plugin. Build: swift build --package-path Examples/CustomStrategy
let package = Package(
    name: "CustomStrategy",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .target(name: "Steady", dependencies: [.product(name: "IngotRollout", package: ingot)], path: "Sources/Strategies/Steady"),
        .executableTarget(
            name: "rollout-lab",
            dependencies: ["Steady", .product(name: "IngotRollout", package: ingot), .product(name: "IngotStrategies", package: ingot)],
            plugins: [.plugin(name: "StrategyRegistry", package: ingot)]
        ),
    ],
    swiftLanguageModes: [.v6]
)
