import Foundation
import Testing
import IngotCore
@testable import IngotLocal

@Suite struct DescribeImagesTests {
    @Test func filtersCombineLikeAWSs() async throws {
        let f = try await Fixture()
        let web = try await f.build("golden-web-1", tags: [Tag(key: "golden", value: "true"), Tag(key: "team", value: "web")])
        let api = try await f.build("golden-api-1", tags: [Tag(key: "golden", value: "true"), Tag(key: "team", value: "api")])
        let scratch = try await f.build("scratch[1]", tags: [Tag(key: "golden", value: "false")])
        func ids(_ filters: [ImageFilter]) async throws -> Set<ImageID> { Set(try await f.list { $0.filters = filters }.map(\.id)) }
        #expect(try await ids([.name(["golden-*"])]) == [web, api])
        #expect(try await ids([.name(["golden-we?-1"])]) == [web])
        #expect(try await ids([.name(["scratch[1]"])]) == [scratch])  // brackets are literal, not a GLOB class
        #expect(try await ids([.name(["golden-web-*", "scratch*"])]) == [web, scratch])
        #expect(try await ids([.tag(key: "golden", values: ["true"])]) == [web, api])
        #expect(try await ids([.tag(key: "team", values: ["w*"])]) == [web])
        #expect(try await ids([.tag(key: "golden", values: ["true"]), .tag(key: "team", values: ["api"])]) == [api])
        #expect(try await ids([.tagKey(["team"])]) == [web, api])
        #expect(try await ids([.imageId([web.rawValue])]) == [web])
        #expect(try await ids([.state([.available])]) == [web, api, scratch])
        #expect(try await ids([.architecture([.arm64])]) == [])
        #expect(try await ids([.isPublic(false)]) == [web, api, scratch])
    }

    @Test func ownersAndExecutableByScopeTheResult() async throws {
        let f = try await Fixture(catalog: true)
        let mine = try await f.build("mine-1")
        let theirs = try await f.cloud.acting(as: Fixture.other).buildImage(region: .usEast1, name: try ImageName("theirs-1"))
        try await f.other.modifyLaunchPermission(ModifyLaunchPermissionRequest(region: .usEast1, imageId: theirs, add: [.account(.defaultLocal)]))
        #expect(try await f.list { $0.owners = [.caller] }.map(\.id) == [mine])
        #expect(try await f.list { $0.owners = [.account(Fixture.other)] }.map(\.id) == [theirs])
        #expect(try await f.list { $0.executableBy = ["self"] }.map(\.id) == [theirs])
        let amazon = try await f.list { $0.owners = [.amazon] }
        #expect(amazon.count == 8)
        #expect(amazon.allSatisfy { $0.ownerAlias == "amazon" && $0.isPublic && $0.name.hasPrefix("al2023-ami-") })
        #expect(Set(amazon.map(\.architecture)) == [.x86_64, .arm64])
        let ubuntu = try await f.list { $0.owners = [.account(.canonical)]; $0.filters = [.name(["ubuntu/images/*noble*"])] }
        #expect(ubuntu.count == 8)
        let publicImages = try await f.list { $0.executableBy = ["all"] }
        #expect(publicImages.count == 24)
        #expect(try await f.list(.euWest1) { $0.owners = [.amazon] }.allSatisfy { $0.region == .euWest1 })
        // "You can specify a combination of Amazon Web Services account IDs, self, amazon, aws-backup-vault, and aws-marketplace."
        #expect(throws: IngotError.self) { try ImageOwner("nobody") }
        #expect(try ImageOwner("aws-backup-vault") == .alias("aws-backup-vault") && (try ImageOwner("123456789012")).isCaller(.defaultLocal))
    }

    @Test func unknownImageIdsAreNotFound() async throws {
        let f = try await Fixture()
        let error = await #expect(throws: IngotError.self) { try await f.list { $0.imageIds = [ImageID(trusted: "ami-12345678")] } }
        #expect(error?.code == "InvalidAMIID.NotFound")
    }

    @Test func resultsAreNewestFirstWithStableTies() async throws {
        let f = try await Fixture()
        let a = try await f.at(Fixture.now.addingTimeInterval(-60)).buildImage(region: .usEast1, name: try ImageName("older"))
        let b = try await f.build("newer")
        #expect(try await f.list().map(\.id) == [b, a])
    }
}

@Suite struct ImportTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("images-\(UUID().uuidString).json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func imageJSON(_ n: Int, name: String? = nil) -> String {
        let id = String(format: "ami-%017x", n)
        let snap = String(format: "snap-%017x", n)
        return """
            {"ImageId":"\(id)","OwnerId":"123456789012","Name":"\(name ?? "img-\(n)")","State":"available",
             "CreationDate":"2025-01-01T00:00:00.000Z","Architecture":"x86_64","RootDeviceName":"/dev/xvda",
             "BlockDeviceMappings":[{"DeviceName":"/dev/xvda","Ebs":{"SnapshotId":"\(snap)","VolumeSize":8,"VolumeType":"gp3","Encrypted":false}}],
             "Tags":[{"Key":"golden","Value":"true"}]}
            """
    }

    @Test func importsStreamsAndSkipsImagesAlreadyPresent() async throws {
        let f = try await Fixture()
        let path = try write("{\"Images\":[" + (1...250).map { imageJSON($0) }.joined(separator: ",") + "]}")
        let result = try await f.cloud.importImages(from: path, region: .euWest1, batchSize: 100)
        #expect(result == ImageImportResult(imported: 250, skipped: 0, snapshots: 250))
        let images = try await f.list(.euWest1) { $0.filters = [.tag(key: "golden", values: ["true"])] }
        #expect(images.count == 250)
        #expect(images.allSatisfy { $0.region == .euWest1 && $0.snapshotIds.count == 1 })
        let again = try await f.cloud.importImages(from: path, region: .euWest1, batchSize: 100)
        #expect(again == ImageImportResult(imported: 0, skipped: 250, snapshots: 0))
        // Imported snapshots are in use by their images.
        let snapshot = try #require(images.first?.snapshotIds.first)
        await #expect(throws: IngotError.self) { try await f.cloud.deleteSnapshot(region: .euWest1, snapshotId: snapshot) }
    }

    @Test func aMalformedFileWritesNothingEvenAfterCommittedBatches() async throws {
        let f = try await Fixture()
        let good = (1...250).map { imageJSON($0) }
        let path = try write("{\"Images\":[" + (good + [#"{"ImageId":"ami-bad"}"#]).joined(separator: ",") + "]}")
        let before = fileBytes(f.path)
        let error = await #expect(throws: IngotError.self) { try await f.cloud.importImages(from: path, region: .usEast1, batchSize: 100) }
        #expect(error?.kind == .invalidInput)
        #expect(error?.message.contains("image #251") == true)
        #expect(try await f.list().isEmpty)
        #expect(try await f.cloud.describeSnapshots(DescribeSnapshotsRequest(region: .usEast1)).isEmpty)
        #expect(try f.cloud.store.integrityCheck() == "ok")
        _ = before
    }

    @Test func syntaxErrorsAndWrongTypesNameTheImageAndWriteNothing() async throws {
        let f = try await Fixture()
        let cases = [
            ("{\"Images\":[" + imageJSON(1) + "," + imageJSON(2).replacingOccurrences(of: "\"VolumeSize\":8", with: "\"VolumeSize\":\"8\""), "image #2"),
            ("{\"Images\":[" + imageJSON(1) + "," + String(imageJSON(2).prefix(40)), "image #2"),
            ("", "malformed JSON"),
        ]
        for (text, expected) in cases {
            let path = try write(text)
            let error = await #expect(throws: IngotError.self) { try await f.cloud.importImages(from: path, region: .usEast1, batchSize: 1) }
            #expect(error?.kind == .invalidInput)
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
            #expect(try await f.list().isEmpty)
        }
    }

    @Test func anotherOwnersPrivateImageStaysVisibleToTheImportingAccount() async throws {
        let f = try await Fixture()
        let shared = imageJSON(7).replacingOccurrences(of: "\"OwnerId\":\"123456789012\"", with: "\"OwnerId\":\"999988887777\"")
        let path = try write("{\"Images\":[" + shared + "]}")
        _ = try await f.cloud.importImages(from: path, region: .usEast1)
        let images = try await f.list()
        #expect(images.map(\.ownerId.rawValue) == ["999988887777"])
        #expect(images.first?.launchPermissions.userIds == [.defaultLocal])
        #expect(try await f.list(as: f.other).isEmpty)
    }

    @Test func concurrentWritersInOneProcessDoNotLoseWork() async throws {
        let f = try await Fixture()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<40 {
                group.addTask { _ = try await f.build("parallel-\(n)") }
            }
            try await group.waitForAll()
        }
        #expect(try await f.list().count == 40)
    }
}
