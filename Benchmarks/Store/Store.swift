import Benchmark
import Foundation
import IngotCore
import IngotLocal

/// In-process latency of the store's hot queries, on the 1M-image store `Benchmarks/run` imports
/// (path in INGOT_BENCH_STORE).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(5), maxIterations: 200)
    resolveAndRefreshBenchmarks()

    guard let path = ProcessInfo.processInfo.environment["INGOT_BENCH_STORE"], FileManager.default.fileExists(atPath: path) else {
        print("INGOT_BENCH_STORE is not set to an imported store; run Benchmarks/run")
        return
    }

    // `ingot images list --owner self --name 'golden-web-*' --tag golden=true` (1,963 of 1,000,000 images).
    Benchmark("DescribeImages owner=self name=golden-web-* tag:golden=true (1M store)") { benchmark in
        let cloud = LocalCloud(store: try Store(path: path), clock: .at(Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()))
        let request = DescribeImagesRequest(region: .usEast1, owners: [.caller], filters: [.name(["golden-web-*"]), .tag(key: "golden", values: ["true"])], includeDeprecated: true)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await cloud.describeImages(request))
        }
    }

    // The same without deprecated images: what a resolver asks first.
    Benchmark("DescribeImages golden-web-* without deprecated (1M store)") { benchmark in
        let cloud = LocalCloud(store: try Store(path: path), clock: .at(Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()))
        let request = DescribeImagesRequest(region: .usEast1, owners: [.caller], filters: [.name(["golden-web-*"]), .tag(key: "golden", values: ["true"])])
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await cloud.describeImages(request))
        }
    }

    // One image by id among a million.
    Benchmark("DescribeImages by image id (1M store)") { benchmark in
        let cloud = LocalCloud(store: try Store(path: path))
        let any = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller], filters: [.name(["golden-api-*"])], includeDeprecated: true))
        guard let id = any.first?.id else { return }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, imageIds: [id])))
        }
    }
}

/// Issue targets for resolve and refresh (registered from `benchmarks` below).
let resolveAndRefreshBenchmarks: @Sendable () -> Void = {
    let regions = Array(Region.all.prefix(20)).map(Region.init(trusted:))

    // Resolving golden-web-* in 20 regions of a 1M-image store (50,000 images per region).
    if let path = ProcessInfo.processInfo.environment["INGOT_BENCH_STORE_20"], FileManager.default.fileExists(atPath: path) {
        Benchmark("Resolve golden-web-* in 20 regions (1M-image store)") { benchmark in
            let cloud = LocalCloud(store: try Store(path: path), clock: .at(Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()))
            let selector = ImageSelector(names: ["golden-web-*"], tags: ["golden": ["true"]], owners: [.caller])
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await GoldenImageResolver.resolve(selector, regions: regions, cloud: cloud, now: cloud.clock.now))
            }
        }
    }

    // Refreshing 1,000 launch templates (50 per region in 20 regions) onto a new golden image.
    Benchmark("Refresh 1,000 templates across 20 regions", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(20), maxIterations: 5)) { benchmark in
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()
        let cloud = LocalCloud(store: try Store(path: dir.appendingPathComponent("s.sqlite").path, create: true), clock: .at(now))
        let golden = [Tag(key: "golden", value: "true")]
        for region in regions {
            let old = try await cloud.at(.at(now.addingTimeInterval(-86_400))).buildImage(region: region, name: try ImageName("golden-web-1"), tags: golden)
            _ = try await cloud.buildImage(region: region, name: try ImageName("golden-web-2"), tags: golden)
            for n in 0..<50 {
                _ = try await cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: region, name: "web-lt-\(n)", data: LaunchTemplateData(imageId: old.rawValue, instanceType: "t3.micro")))
            }
        }
        let names = (0..<50).map { "web-lt-\($0)" }
        let selector = ImageSelector(names: ["golden-web-*"], tags: ["golden": ["true"]], owners: [.caller])
        benchmark.startMeasurement()
        let results = try await TemplateRefresher.refresh(templates: names, regions: regions, selector: selector,
                                                          options: .init(setDefault: true), cloud: cloud, now: now)
        benchmark.stopMeasurement()
        precondition(results.count == 1000 && results.allSatisfy { $0.action == .createdVersion })
    }
}
