import Foundation
import IngotCore
import IngotLocal

// Ingot's libraries from Swift, the way `ingot resolve` and `ingot templates refresh` use them: a local
// cloud seeded with the demo account (golden-web builds in three regions, `web-lt` one build behind),
// the golden image of each region with the reason the others were not chosen, then the template
// refreshed onto it. The same code runs on AWS with an `AWSCloud` (IngotAWS) in place of the LocalCloud.

let path = FileManager.default.temporaryDirectory.appendingPathComponent("library-usage-\(UUID().uuidString).sqlite").path
defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }

let cloud = LocalCloud(store: try Store(path: path, create: true), clock: .wall)
try await cloud.seedCatalog()
try await cloud.seedDemo()
try await cloud.seedDemoFleet()

// Which images are golden: our own golden-web builds tagged golden=true.
let golden = ImageSelector(names: ["golden-web-*"], tags: ["golden": ["true"]], owners: [.caller])
let regions: [Region] = [.usEast1, .euWest1, .apSoutheast2]
let now = Date()

for resolution in try await GoldenImageResolver.resolve(golden, regions: regions, cloud: cloud, now: now) {
    let chosen = resolution.image.map { "\($0.id) \($0.name)" } ?? "none"
    print("\(resolution.region): \(chosen); \(resolution.rejected.count) not chosen")
    for rejection in resolution.rejected.prefix(2) { print("  \(rejection.image.name): \(rejection.reason.text)") }
}

// Point web-lt at it where it changed, as the default version; a second run changes nothing.
for run in 1...2 {
    let results = try await TemplateRefresher.refresh(templates: ["web-lt"], regions: regions, selector: golden,
                                                      options: .init(setDefault: true), cloud: cloud, now: now)
    for r in results { print("run \(run): \(r.region) \(r.launchTemplateName) \(r.action.rawValue) \(r.version.map { "version \($0)" } ?? "")") }
}
