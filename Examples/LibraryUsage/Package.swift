// swift-tools-version: 6.1
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between checkouts.
let ingot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// Ingot's libraries from Swift: resolve the golden image per region and refresh a launch template onto
// it, on a local cloud made for the run. Run: swift run --package-path Examples/LibraryUsage library-usage
let package = Package(
    name: "LibraryUsage",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "library-usage",
            dependencies: [.product(name: "IngotCore", package: ingot), .product(name: "IngotLocal", package: ingot)]
        ),
    ],
    swiftLanguageModes: [.v6]
)
