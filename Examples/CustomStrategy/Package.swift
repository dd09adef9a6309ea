// swift-tools-version: 6.1
import PackageDescription

// A package that adds its own rollout strategy: a folder under Sources/Strategies, registered with
// Ingot's built-in ones by the StrategyRegistry build plugin. Build: swift build --package-path Examples/CustomStrategy
let package = Package(
    name: "CustomStrategy",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Ingot", path: "../..")],
    targets: [
        .target(name: "Steady", dependencies: [.product(name: "IngotRollout", package: "Ingot")], path: "Sources/Strategies/Steady"),
        .executableTarget(
            name: "rollout-lab",
            dependencies: ["Steady", .product(name: "IngotRollout", package: "Ingot"), .product(name: "IngotStrategies", package: "Ingot")],
            plugins: [.plugin(name: "StrategyRegistry", package: "Ingot")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
