import Benchmark
import Foundation
import IngotCore
import IngotLocal

/// In-process latency of the store's hot queries, on the 1M-image store `Benchmarks/run` imports
/// (path in INGOT_BENCH_STORE).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(5), maxIterations: 200)

    guard let path = ProcessInfo.processInfo.environment["INGOT_BENCH_STORE"], FileManager.default.fileExists(atPath: path) else {
        print("INGOT_BENCH_STORE is not set to an imported store; run Benchmarks/run")
        return
    }

    // `ingot images list --owner self --name 'golden-web-*' --tag golden=true` (1,963 of 1,000,000 images).
    Benchmark("DescribeImages owner=self name=golden-web-* tag:golden=true (1M store)") { benchmark in
        let cloud = LocalCloud(store: try Store(path: path), clock: .at(Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()))
        let request = DescribeImagesRequest(region: .usEast1, owners: ["self"], filters: [.name(["golden-web-*"]), .tag(key: "golden", values: ["true"])], includeDeprecated: true)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await cloud.describeImages(request))
        }
    }

    // The same without deprecated images: what a resolver asks first.
    Benchmark("DescribeImages golden-web-* without deprecated (1M store)") { benchmark in
        let cloud = LocalCloud(store: try Store(path: path), clock: .at(Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()))
        let request = DescribeImagesRequest(region: .usEast1, owners: ["self"], filters: [.name(["golden-web-*"]), .tag(key: "golden", values: ["true"])])
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await cloud.describeImages(request))
        }
    }

    // One image by id among a million.
    Benchmark("DescribeImages by image id (1M store)") { benchmark in
        let cloud = LocalCloud(store: try Store(path: path))
        let any = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: ["self"], filters: [.name(["golden-api-*"])], includeDeprecated: true))
        guard let id = any.first?.id else { return }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, imageIds: [id])))
        }
    }
}
