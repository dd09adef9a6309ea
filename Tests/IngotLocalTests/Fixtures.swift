import Foundation
import IngotCore
@testable import IngotLocal

/// A fresh store in a temporary folder, seen by its own account at a fixed instant.
struct Fixture {
    static let now = Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()
    static let other = AccountID(trusted: "210987654321")
    let path: String
    let cloud: LocalCloud

    init(catalog: Bool = false) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("store.sqlite").path
        cloud = LocalCloud(store: try Store(path: path, create: true), clock: .at(Self.now))
        if catalog { try await cloud.seedCatalog() }
    }

    func at(_ date: Date) -> LocalCloud { cloud.at(.at(date)) }
    var other: LocalCloud { cloud.acting(as: Self.other) }

    @discardableResult
    func build(_ name: String, region: Region = .usEast1, tags: [Tag] = [], size: Int = 8, encrypted: Bool = false,
               version: String? = nil) async throws -> ImageID {
        try await cloud.buildImage(region: region, name: try ImageName(name), tags: tags,
                                   imageVersion: try version.map { try ImageVersion($0) }, volumeSize: size, encrypted: encrypted)
    }

    func image(_ id: ImageID, region: Region = .usEast1, as c: LocalCloud? = nil) async throws -> Image {
        let images = try await (c ?? cloud).describeImages(DescribeImagesRequest(region: region, imageIds: [id], includeDeprecated: true, includeDisabled: true))
        guard let image = images.first else { throw IngotError.failed("no image \(id)") }
        return image
    }

    func list(_ region: Region = .usEast1, as c: LocalCloud? = nil, _ configure: (inout DescribeImagesRequest) -> Void = { _ in }) async throws -> [Image] {
        var request = DescribeImagesRequest(region: region)
        configure(&request)
        return try await (c ?? cloud).describeImages(request)
    }
}

func fileBytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }
