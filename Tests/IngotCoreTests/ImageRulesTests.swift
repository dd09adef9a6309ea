import Foundation
import Testing
@testable import IngotCore

@Suite struct DeprecationRulesTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-19T...

    @Test func deprecationTimeRoundsToTheNearestMinute() throws {
        let base = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 + 86_400) / 60).rounded(.down) * 60)
        #expect(try ImageRules.deprecationTime(base.addingTimeInterval(29), now: now) == base)
        #expect(try ImageRules.deprecationTime(base.addingTimeInterval(30), now: now) == base.addingTimeInterval(60))
        #expect(try ImageRules.deprecationTime(base.addingTimeInterval(59.9), now: now) == base.addingTimeInterval(60))
    }

    /// EnableImageDeprecation's DeprecateAt: "You can't specify a date in the past." Now is not in the
    /// past: an image can be deprecated at once, also when the minute it rounds to has begun.
    @Test func deprecationTimeMustNotBeInThePast() throws {
        let error = #expect(throws: IngotError.self) { try ImageRules.deprecationTime(now.addingTimeInterval(-3600), now: now) }
        #expect(error?.kind == .invalidInput)
        #expect(error?.message.hasPrefix("deprecate-at: ") == true)
        #expect(error?.message.contains("is in the past") == true)
        let tenPast = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 + 10)
        #expect(try ImageRules.deprecationTime(tenPast, now: tenPast) == tenPast.addingTimeInterval(-10))
        #expect(try ImageRules.deprecationTime(tenPast.addingTimeInterval(10), now: tenPast) == tenPast.addingTimeInterval(-10))
    }

    @Test func deprecationTimeIsAtMostTenYearsAhead() throws {
        let nineYears = now.addingTimeInterval(9 * 365 * 86_400)
        #expect(try ImageRules.deprecationTime(nineYears, now: now) > now)
        let error = #expect(throws: IngotError.self) { try ImageRules.deprecationTime(now.addingTimeInterval(10 * 366 * 86_400), now: now) }
        #expect(error?.message.contains("more than 10 years ahead") == true)
    }

    @Test func publicImagesDeprecateWithinTwoYearsOfCreation() throws {
        let image = Image(id: .random(), region: .usEast1, ownerId: .defaultLocal, name: "pub", creationDate: now,
                          launchPermissions: LaunchPermissions(isPublic: true))
        #expect(try ImageRules.deprecationTime(now.addingTimeInterval(365 * 86_400), now: now, image: image) > now)
        #expect(throws: IngotError.self) { try ImageRules.deprecationTime(now.addingTimeInterval(3 * 365 * 86_400), now: now, image: image) }
        var privateImage = image
        privateImage.launchPermissions = LaunchPermissions()
        #expect(try ImageRules.deprecationTime(now.addingTimeInterval(3 * 365 * 86_400), now: now, image: privateImage) > now)
    }

    @Test func imageIsDeprecatedOnlyOnceItsTimeHasCome() {
        var image = Image(id: .random(), region: .usEast1, ownerId: .defaultLocal, name: "x", creationDate: now)
        #expect(!image.isDeprecated(at: now))
        image.deprecationTime = now.addingTimeInterval(60)
        #expect(!image.isDeprecated(at: now))
        #expect(image.isDeprecated(at: now.addingTimeInterval(60)))
    }

    @Test func copiesTakeAtLeastFiveMinutesAndGrowWithGiB() {
        #expect(ImageRules.copyDuration(totalGiB: 0, crossRegion: true) == 300)
        #expect(ImageRules.copyDuration(totalGiB: 8, crossRegion: true) > 300)
        #expect(ImageRules.copyDuration(totalGiB: 1024, crossRegion: true) > 10 * 3600)
        #expect(ImageRules.copyDuration(totalGiB: 100, crossRegion: true) > ImageRules.copyDuration(totalGiB: 50, crossRegion: true))
    }

    @Test func deregistrationProtectionWithCooldownBlocksFor24Hours() {
        let until = DeregistrationProtection.disabledUntil(now.addingTimeInterval(86_400))
        #expect(until.blocksDeregistration(at: now))
        #expect(!until.blocksDeregistration(at: now.addingTimeInterval(86_400)))
        #expect(DeregistrationProtection(text: until.text) == until)
        #expect(DeregistrationProtection.enabled(withCooldown: false).blocksDeregistration(at: now))
        #expect(!DeregistrationProtection.disabled.blocksDeregistration(at: now))
    }
}

@Suite struct FilterTests {
    @Test func awsFilterNamesMapToFilters() throws {
        #expect(try ImageFilter(name: "tag:team", values: ["web"]) == .tag(key: "team", values: ["web"]))
        #expect(try ImageFilter(name: "is-public", values: ["true"]) == .isPublic(true))
        #expect(try ImageFilter(name: "state", values: ["available", "pending"]) == .state([.available, .pending]))
        let unknown = #expect(throws: IngotError.self) { try ImageFilter(name: "platform", values: ["windows"]) }
        #expect(unknown?.message.contains("accepted: name, tag:KEY") == true)
        let badState = #expect(throws: IngotError.self) { try ImageFilter(name: "state", values: ["ready"]) }
        #expect(badState?.message.contains("accepted: pending, available") == true)
    }
}

/// `--tag` means one thing in resolve, images list and selector files.
@Suite struct TagConditionTests {
    @Test("Repeating a key adds alternatives, a bare key means present, keys keep their order")
    func parse() throws {
        let c = try TagCondition.parse(["team=web", "golden=true", "team=api", "team=web", "owner", "owner=x"], field: "tag")
        #expect(c == [TagCondition(key: "team", values: ["web", "api"]), TagCondition(key: "golden", values: ["true"]), TagCondition(key: "owner", values: [])])
        #expect(c.map(\.filter) == [.tag(key: "team", values: ["web", "api"]), .tag(key: "golden", values: ["true"]), .tagKey(["owner"])])
        #expect(try TagCondition.parse(["k="], field: "tag") == [TagCondition(key: "k", values: [""])], "an empty value is a value")
    }

    @Test("An empty item or key is refused, naming the field")
    func refusals() {
        for item in ["", "=v"] {
            let e = #expect(throws: IngotError.self) { try TagCondition.parse([item], field: "exclude-tag") }
            #expect(e?.kind == .invalidInput && e?.message.hasPrefix("exclude-tag: ") == true, "\(item)")
        }
    }
}
