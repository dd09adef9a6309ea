import Benchmark
import Foundation
import IngotCore
import IngotLocal

/// DR planning for 500 workloads between two regions of the 1M-image, 20-region store that
/// `Benchmarks/run` builds (path in INGOT_BENCH_STORE_20). The store is copied first: the setup
/// creates 500 templates and groups in one region and copies 50 of their images to the other.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(20), maxIterations: 20)
    guard let source = ProcessInfo.processInfo.environment["INGOT_BENCH_STORE_20"], FileManager.default.fileExists(atPath: source) else {
        print("INGOT_BENCH_STORE_20 is not set to the 20-region store; run Benchmarks/run")
        return
    }
    let home = Region(trusted: "af-south-1"), dr = Region(trusted: "ap-east-1")
    let now = Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()

    Benchmark("DR plan, 500 groups, af-south-1 -> ap-east-1 (1M-image store)") { benchmark in
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-dr-bench-\(UUID().uuidString).sqlite").path
        try FileManager.default.copyItem(atPath: source, toPath: path)
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let cloud = LocalCloud(store: try Store(path: path), clock: .at(now))
        let golden = try await cloud.describeImages(DescribeImagesRequest(region: home, owners: [.caller], filters: [.name(["golden-web-*"])]))
            .filter { $0.state == .available }
        guard !golden.isEmpty else { print("no golden-web images in \(home)"); return }
        var workloads: [DRWorkload] = []
        for i in 0..<500 {
            let image = golden[i % golden.count]
            _ = try await cloud.createLaunchTemplate(CreateLaunchTemplateRequest(region: home, name: "lt-\(i)", data: LaunchTemplateData(imageId: image.id.rawValue, instanceType: "c7i.large")))
            _ = try await cloud.createAutoScalingGroup(region: home, name: "asg-\(i)", settings: GroupSettings(
                launchTemplateName: "lt-\(i)", launchTemplateVersion: "1", minSize: 0, maxSize: 10, desiredCapacity: 2, healthCheckGracePeriod: 300))
            workloads.append(.group("asg-\(i)"))
        }
        for image in golden.prefix(50) {
            _ = try await cloud.copyImage(CopyImageRequest(sourceRegion: home, sourceImageId: image.id, region: dr, copyImageTags: true))
        }
        let request = DRRequest(sourceRegion: home, region: dr, mode: .warmStandby, workloads: workloads)
        let later = now.addingTimeInterval(86_400)
        let planner = cloud.at(.at(later))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await DRPlanner.plan(request, cloud: planner, now: later))
        }
    }
}
