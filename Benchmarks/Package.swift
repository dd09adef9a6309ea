// swift-tools-version: 6.1
// Ingot's benchmarks: a package of their own so that ordo-one/benchmark stays out of the main build.
// Run them through `Benchmarks/run` (it prepares the 1M-image store they read).
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between checkouts.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let ingot = root.lastPathComponent

let package = Package(
    name: "IngotBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Store",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "IngotCore", package: ingot),
                .product(name: "IngotLocal", package: ingot),
            ],
            path: "Store",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Rollout",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "IngotRollout", package: ingot),
                .product(name: "IngotStrategies", package: ingot),
            ],
            path: "Rollout",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DR",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "IngotCore", package: ingot),
                .product(name: "IngotLocal", package: ingot),
            ],
            path: "DR",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
