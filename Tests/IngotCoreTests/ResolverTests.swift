import Foundation
import PropertyBased
import Testing
@testable import IngotCore

typealias Tag = IngotCore.Tag

@Suite struct GoldenImageResolverTests {
    static let now = Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()
    let golden = ImageSelector(names: ["golden-web-*"], tags: ["golden": ["true"]], owners: [.caller])

    func image(_ n: Int, daysAgo: Double, version: String? = nil, region: Region = .usEast1, state: ImageState = .available,
               deprecation: Date? = nil, tags: [Tag] = [Tag(key: "golden", value: "true")], source: (ImageID, Region)? = nil,
               arch: Architecture = .x86_64, owner: AccountID = .defaultLocal, permissions: LaunchPermissions = LaunchPermissions()) -> Image {
        Image(id: ImageID(trusted: String(format: "ami-%017x", n)), region: region, ownerId: owner, name: "golden-web-\(n)",
              state: state, creationDate: Self.now.addingTimeInterval(-daysAgo * 86_400), deprecationTime: deprecation,
              architecture: arch, tags: tags, launchPermissions: permissions, sourceImageId: source?.0, sourceImageRegion: source?.1,
              imageVersion: version.flatMap(ImageVersion.init(parsing:)))
    }

    func reason(_ r: RegionResolution, _ id: Int) -> RejectionReason? {
        r.rejected.first { $0.image.id.rawValue == String(format: "ami-%017x", id) }?.reason
    }

    @Test func newestEligibleWinsAndTheRestAreExplained() {
        let r = GoldenImageResolver.choose([image(1, daysAgo: 3), image(2, daysAgo: 1), image(3, daysAgo: 2)], region: .usEast1, by: golden, now: Self.now)
        #expect(r.image?.id.rawValue == String(format: "ami-%017x", 2))
        #expect(reason(r, 1) == .supersededBy(ImageID(trusted: String(format: "ami-%017x", 2))))
        #expect(r.rejected.count == 2)
    }

    @Test func explainListsTheCandidatesNewerThanTheChoiceAndCountsTheRestByRule() {
        // 1 day ago: deprecated; 2: disabled; 3: pending; 4: the newest eligible (chosen); 5, 6: older and
        // eligible (superseded); 7: older and deprecated. Worked out by hand from the rules.
        let candidates = [
            image(1, daysAgo: 1, deprecation: Self.now.addingTimeInterval(-60)), image(2, daysAgo: 2, state: .disabled),
            image(3, daysAgo: 3, state: .pending), image(4, daysAgo: 4), image(5, daysAgo: 5), image(6, daysAgo: 6),
            image(7, daysAgo: 7, deprecation: Self.now.addingTimeInterval(-60)),
        ]
        let r = GoldenImageResolver.choose(candidates, region: .usEast1, by: golden, now: Self.now)
        #expect(r.image?.name == "golden-web-4")
        let (newer, older) = r.explanation(order: golden.order)
        #expect(newer.map(\.image.name) == ["golden-web-1", "golden-web-2", "golden-web-3"])
        #expect(newer.map(\.reason.rule) == ["deprecated", "disabled", "pending"])
        #expect(older == ["superseded": 2, "deprecated": 1])
        // The counts add up to every rejected candidate.
        #expect(newer.count + older.values.reduce(0, +) == r.rejected.count)
        // Nothing chosen: every candidate is explained, nothing is counted.
        let none = GoldenImageResolver.choose([candidates[0], candidates[1]], region: .usEast1, by: golden, now: Self.now)
        #expect(none.image == nil)
        #expect(none.explanation(order: golden.order).newer.count == 2 && none.explanation(order: golden.order).olderByRule.isEmpty)
    }

    @Test func aFutureDeprecationIsStillEligibleButDeprecatedAtNowIsNot() {
        let future = image(1, daysAgo: 1, deprecation: Self.now.addingTimeInterval(60))
        #expect(GoldenImageResolver.choose([future], region: .usEast1, by: golden, now: Self.now).image == future)
        let atNow = image(2, daysAgo: 1, deprecation: Self.now)
        let r = GoldenImageResolver.choose([atNow, image(3, daysAgo: 5)], region: .usEast1, by: golden, now: Self.now)
        #expect(r.image?.id.rawValue == String(format: "ami-%017x", 3))
        #expect(reason(r, 2) == .deprecated(since: Self.now))
        #expect(reason(r, 2)?.text.hasPrefix("deprecated since 2026-11-26T12:00:00") == true)
    }

    @Test func pendingDisabledAndFailedImagesAreNeverChosen() {
        var pending = image(1, daysAgo: 0, state: .pending)
        pending.availableAt = Self.now.addingTimeInterval(600)
        let r = GoldenImageResolver.choose([pending, image(2, daysAgo: 0.5, state: .disabled), image(3, daysAgo: 0.2, state: .failed), image(4, daysAgo: 9)],
                                           region: .usEast1, by: golden, now: Self.now)
        #expect(r.image?.id.rawValue == String(format: "ami-%017x", 4))
        #expect(reason(r, 1)?.text.hasPrefix("pending (copy lands at") == true)
        #expect(reason(r, 2) == .disabled)
        #expect(reason(r, 3) == .notAvailable(.failed, availableAt: nil))
    }

    @Test func everySelectorRuleRejectsWithItsReason() throws {
        var s = golden
        s.launchableBy = AccountID(trusted: "210987654321")
        s.architecture = .x86_64
        s.versionRange = try VersionRange(">=2.0.0 <3.0.0")
        s.excludeTags = ["ingot:exclude": ["true"]]
        s.maxAge = 30 * 86_400
        let shared = LaunchPermissions(userIds: [AccountID(trusted: "210987654321")])
        let candidates = [
            image(1, daysAgo: 1, version: "2.1.0/1", permissions: shared),                         // eligible
            image(2, daysAgo: 0.5, version: "2.2.0/1"),                                             // not shared
            image(3, daysAgo: 0.4, version: "2.2.0/2", arch: .arm64, permissions: shared),
            image(4, daysAgo: 0.3, version: "3.0.0/1", permissions: shared),
            image(5, daysAgo: 0.2, version: "2.3.0/1", tags: [Tag(key: "golden", value: "true"), Tag(key: "ingot:exclude", value: "true")], permissions: shared),
            image(6, daysAgo: 0.1, version: "2.4.0/1", tags: [Tag(key: "golden", value: "false")], permissions: shared),
            image(7, daysAgo: 0.05, permissions: shared),                                           // no version
            image(8, daysAgo: 40, version: "2.0.0/1", permissions: shared),
            image(9, daysAgo: 0.01, version: "2.5.0/1", permissions: LaunchPermissions(isPublic: true)).with(rootDevice: .instanceStore),
        ]
        s.rootDeviceType = .ebs
        let r = GoldenImageResolver.choose(candidates, region: .usEast1, by: s, now: Self.now)
        #expect(r.image?.id.rawValue == String(format: "ami-%017x", 1))
        #expect(reason(r, 2) == .notLaunchable(by: AccountID(trusted: "210987654321")))
        #expect(reason(r, 3) == .architecture(.arm64))
        #expect(reason(r, 4) == .versionOutOfRange(try ImageVersion("3.0.0/1")))
        #expect(reason(r, 5) == .excludedByTag(Tag(key: "ingot:exclude", value: "true")))
        #expect(reason(r, 6) == .tagMismatch(key: "golden", value: "false"))
        #expect(reason(r, 7) == .noVersion)
        #expect(reason(r, 8) == .tooOld(created: Self.now.addingTimeInterval(-40 * 86_400)))
        #expect(reason(r, 9) == .rootDeviceType(.instanceStore))
    }

    @Test func orderByVersionOrCreationDateWithStableTies() throws {
        let older = image(1, daysAgo: 1, version: "2.10.0/1"), newer = image(2, daysAgo: 0.5, version: "2.9.0/1")
        #expect(GoldenImageResolver.choose([older, newer], region: .usEast1, by: golden, now: Self.now).image == newer)
        var byVersion = golden
        byVersion.order = .version
        #expect(GoldenImageResolver.choose([older, newer], region: .usEast1, by: byVersion, now: Self.now).image == older)
        let twinA = image(5, daysAgo: 1), twinB = image(4, daysAgo: 1)
        #expect(GoldenImageResolver.choose([twinA, twinB], region: .usEast1, by: golden, now: Self.now).image == twinB)
        #expect(GoldenImageResolver.choose([twinB, twinA], region: .usEast1, by: golden, now: Self.now).image == twinB)
    }

    @Test func versionRangesAndAges() throws {
        let r = try VersionRange(">=2.0.0 <3.0.0")
        #expect(r.contains(try ImageVersion("2.0.0/0")))
        #expect(r.contains(try ImageVersion("2.99.1/7")))
        #expect(!r.contains(try ImageVersion("3.0.0/1")))
        #expect(!r.contains(try ImageVersion("1.9.9/9")))
        #expect(try VersionRange("=2.4.0/3").contains(try ImageVersion("2.4.0/3")))
        #expect(try !VersionRange("=2.4.0/3").contains(try ImageVersion("2.4.0/4")))
        #expect(try VersionRange("2.4.0").contains(try ImageVersion("2.4.0/4")))
        #expect(throws: IngotError.self) { try VersionRange(">=two") }
        #expect(try ImageSelector.parseAge("90d") == 90 * 86_400)
        #expect(try ImageSelector.parseAge("2w") == 14 * 86_400)
        #expect(throws: IngotError.self) { try ImageSelector.parseAge("90 days") }
    }

    @Test func consistentPicksTheNewestBuildInEveryRegionAndNamesTheLaggards() {
        let v1 = image(1, daysAgo: 14, version: "1.0.0/1"), v2 = image(2, daysAgo: 7, version: "1.1.0/1")
        let v1eu = image(11, daysAgo: 13, region: .euWest1, source: (v1.id, .usEast1)).renamed("golden-web-1-copy")
        let v2eu = image(12, daysAgo: 6, region: .euWest1, source: (v2.id, .usEast1))
        // ap-southeast-2 has v1 only, as a copy of the eu-west-1 copy (lineage through a copy of a copy).
        let v1ap = image(21, daysAgo: 12, region: .apSoutheast2, source: (v1eu.id, .euWest1))
        var v2ap = image(22, daysAgo: 0, region: .apSoutheast2, state: .pending, source: (v2.id, .usEast1))
        v2ap.availableAt = Self.now.addingTimeInterval(300)
        let (results, lagging) = GoldenImageResolver.chooseConsistent(
            [(.usEast1, [v1, v2]), (.euWest1, [v1eu, v2eu]), (.apSoutheast2, [v1ap, v2ap])], by: golden, now: Self.now)
        #expect(results.map { $0.image?.id } == [v1.id, v1eu.id, v1ap.id])
        #expect(lagging.map(\.region) == [.apSoutheast2])
        #expect(lagging.first?.missing == v2)
        #expect(results[0].rejected.first { $0.image == v2 }?.reason == .notInAllRegions(missing: [.apSoutheast2]))
        // Without --consistent each region takes its own newest.
        #expect(GoldenImageResolver.choose([v1, v2], region: .usEast1, by: golden, now: Self.now).image == v2)
    }

    @Test func consistentMatchesByVersionWhenThereIsNoLineage() {
        let east = image(1, daysAgo: 3, version: "2.0.0/1"), eastNew = image(2, daysAgo: 1, version: "2.1.0/1")
        let west = image(3, daysAgo: 3, version: "2.0.0/1", region: .usWest2)  // built separately, same version
        let (results, lagging) = GoldenImageResolver.chooseConsistent([(.usEast1, [east, eastNew]), (.usWest2, [west])], by: golden, now: Self.now)
        #expect(results.map { $0.image?.id } == [east.id, west.id])
        #expect(lagging.map(\.region) == [.usWest2])
    }

    @Test func consistentCallsAnOlderBuildSupersededNotLagging() {
        let old = image(1, daysAgo: 5, version: "1.9.0/1")  // only in us-east-1, older than the chosen build
        let east = image(2, daysAgo: 3, version: "2.0.0/1"), west = image(3, daysAgo: 3, version: "2.0.0/1", region: .usWest2)
        let (results, _) = GoldenImageResolver.chooseConsistent([(.usEast1, [old, east]), (.usWest2, [west])], by: golden, now: Self.now)
        #expect(results.map { $0.image?.id } == [east.id, west.id])
        #expect(results[0].rejected.first { $0.image == old }?.reason == .supersededBy(east.id))
    }

    @Test func consistentDoesNotMatchEqualVersionsOfDifferentFamilies() {
        let web = image(1, daysAgo: 1, version: "1.2.0/1")  // golden-web-1
        var api = image(2, daysAgo: 1, version: "1.2.0/1", region: .euWest1)
        api.name = "golden-api-1.2.0-1"
        let (results, _) = GoldenImageResolver.chooseConsistent([(.usEast1, [web]), (.euWest1, [api])], by: ImageSelector(owners: [.caller]), now: Self.now)
        #expect(results.allSatisfy { $0.image == nil })
    }

    @Test func consistentWithNoCommonBuildResolvesToNothing() {
        let (results, _) = GoldenImageResolver.chooseConsistent(
            [(.usEast1, [image(1, daysAgo: 1, version: "1.0.0/1")]), (.euWest1, [image(2, daysAgo: 1, version: "2.0.0/1", region: .euWest1)])],
            by: golden, now: Self.now)
        #expect(results.allSatisfy { $0.image == nil })
    }

    /// For random image sets and clocks, the chosen image is never deprecated, disabled or unavailable,
    /// and no eligible image is newer.
    @Test func chosenImageIsEligibleAndNewest() async {
        let states = Gen.oneOf(Gen.always(ImageState.available), Gen.always(ImageState.available), Gen.always(ImageState.pending),
                               Gen.always(ImageState.disabled), Gen.always(ImageState.failed))
        let candidate = zip(Gen.int(in: 0...60), Gen.int(in: -30...30), Gen.bool, states, Gen.bool)
        await propertyCheck(count: 300, input: candidate.array(of: 0...25), Gen.int(in: 0...40)) { specs, clockDays in
            let now = Self.now.addingTimeInterval(Double(clockDays) * 86_400)
            let images = specs.enumerated().map { n, spec in
                let (age, deprecationOffset, deprecates, state, golden) = spec
                return image(n, daysAgo: Double(age), state: state,
                             deprecation: deprecates ? Self.now.addingTimeInterval(Double(deprecationOffset) * 86_400) : nil,
                             tags: [Tag(key: "golden", value: golden ? "true" : "false")])
            }
            let r = GoldenImageResolver.choose(images, region: .usEast1, by: golden, now: now)
            #expect(r.rejected.count + (r.image == nil ? 0 : 1) == images.count)
            guard let chosen = r.image else {
                #expect(images.allSatisfy { GoldenImageResolver.rejection(of: $0, by: golden, now: now) != nil })
                return
            }
            #expect(chosen.state == .available)
            #expect(!chosen.isDeprecated(at: now))
            #expect(chosen.tags[tag: "golden"] == "true")
            for other in images where GoldenImageResolver.rejection(of: other, by: golden, now: now) == nil {
                #expect(other.creationDate <= chosen.creationDate)
            }
        }
    }
}

/// The resolver against an oracle written from the documented rules alone, by brute force: an image is
/// eligible when it is available, not deprecated at the clock's now (a deprecation time at or before now
/// counts) and tagged golden=true; "latest" is the newest creation date, ties broken by the higher
/// version, then by image id (any of the images still tied is a right answer). (Names and owners are
/// DescribeImages' filters, applied by `candidates` before `choose` sees anything.)
@Suite struct ResolverOracleTests {
    static let now = Timestamp.parse("2026-11-26T12:00:00Z") ?? Date()
    let golden = ImageSelector(names: ["golden-web-*"], tags: ["golden": ["true"]], owners: [.caller])

    static func oracleEligible(_ i: Image, now: Date) -> Bool {
        i.state == .available && (i.deprecationTime.map { $0 > now } ?? true) && i.tags.contains { $0.key == "golden" && $0.value == "true" }
    }

    @Test func choiceMatchesABruteForceOracle() async {
        let states = Gen.oneOf(Gen.always(ImageState.available), Gen.always(ImageState.available), Gen.always(ImageState.pending),
                               Gen.always(ImageState.disabled))
        let candidate = zip(zip(Gen.int(in: 0...6), Gen.int(in: -3...3), Gen.bool, states), zip(Gen.bool, Gen.int(in: 0...3)))
        await propertyCheck(count: 400, input: candidate.array(of: 0...20), Gen.int(in: -2...4)) { specs, clockDays in
            let now = Self.now.addingTimeInterval(Double(clockDays) * 86_400)
            let images = specs.enumerated().map { n, spec in
                let ((age, deprecationOffset, deprecates, state), (isGolden, minor)) = spec
                return Image(id: ImageID(trusted: String(format: "ami-%017x", n)), region: .usEast1, ownerId: .defaultLocal,
                             name: "golden-web-\(n)", state: state, creationDate: Self.now.addingTimeInterval(-Double(age) * 86_400),
                             deprecationTime: deprecates ? Self.now.addingTimeInterval(Double(deprecationOffset) * 86_400) : nil,
                             architecture: .x86_64, tags: [Tag(key: "golden", value: isGolden ? "true" : "false")],
                             imageVersion: ImageVersion(major: 1, minor: minor, patch: 0, build: 1))
            }
            let r = GoldenImageResolver.choose(images, region: .usEast1, by: golden, now: now)
            let eligible = images.filter { Self.oracleEligible($0, now: now) }
            guard let newestDate = eligible.map(\.creationDate).max() else {
                #expect(r.image == nil, "the oracle finds nothing eligible")
                return
            }
            let sameDate = eligible.filter { $0.creationDate == newestDate }
            let best = sameDate.compactMap(\.imageVersion).max()
            let tied = sameDate.filter { $0.imageVersion == best }
            #expect(r.image.map { chosen in tied.contains { $0.id == chosen.id } } == true, "chose \(r.image?.id.rawValue ?? "none")")
            // Every other candidate is rejected, with a reason.
            #expect(r.rejected.count == images.count - 1)
        }
    }
}

extension Image {
    func with(rootDevice: RootDeviceType) -> Image { var i = self; i.rootDeviceType = rootDevice; return i }
    func renamed(_ name: String) -> Image { var i = self; i.name = name; return i }
}
