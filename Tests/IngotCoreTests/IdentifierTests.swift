import Foundation
import Testing
@testable import IngotCore

@Suite struct IdentifierTests {
    @Test func regionsAreValidatedAndUnknownOnesListTheValidOnes() throws {
        #expect(try Region("eu-west-1").code == "eu-west-1")
        let error = #expect(throws: IngotError.self) { try Region("us-east-9") }
        #expect(error?.kind == .invalidInput)
        #expect(error?.message.hasPrefix("region: unknown region 'us-east-9'; valid regions: af-south-1, ") == true)
        #expect(error?.message.contains("us-west-2") == true)
    }

    @Test func imageIdsAre8Or17LowercaseHexDigits() throws {
        #expect(try ImageID("ami-12345678").rawValue == "ami-12345678")
        #expect(try ImageID("ami-0123456789abcdef0").rawValue == "ami-0123456789abcdef0")
        for bad in ["ami-1234567", "ami-0123456789ABCDEF0", "ami-0123456789abcdef", "snap-12345678", "ami_12345678", "ami-1234567g"] {
            let error = #expect(throws: IngotError.self) { try ImageID(bad) }
            #expect(error?.code == "InvalidAMIID.Malformed")
            #expect(error?.message.hasPrefix("image-id: '\(bad)'") == true)
        }
        #expect(SnapshotID.isWellFormed("snap-0123456789abcdef0"))
        #expect(InstanceID.isWellFormed("i-0123456789abcdef0"))
        #expect(!InstanceID.isWellFormed("i-0123"))
    }

    @Test func randomIdsAreWellFormedAndDistinct() {
        let ids = (0..<1000).map { _ in ImageID.random() }
        #expect(ids.allSatisfy { ImageID.isWellFormed($0.rawValue) })
        #expect(Set(ids).count == 1000)
    }

    @Test func everyDigitOfARandomIdTakesEveryHexValue() {
        // 2,000 ids: a position stuck on some digits (a wrong shift) would show; by chance one of 16 digits
        // is missing from a position with probability about 16 x (15/16)^2000.
        let ids = (0..<2000).map { _ in Array(SnapshotID.random().rawValue.dropFirst("snap-".count)) }
        for position in 0..<17 {
            #expect(Set(ids.map { $0[position] }).count == 16, "position \(position)")
        }
    }

    @Test func accountIdsAreTwelveDigits() throws {
        #expect(try AccountID("123456789012").rawValue == "123456789012")
        #expect(throws: IngotError.self) { try AccountID("12345678901") }
        #expect(throws: IngotError.self) { try AccountID("12345678901a", field: "account") }
    }

    @Test func imageNamesFollowAWSsCharacterSetAndLength() throws {
        #expect(try ImageName("golden-web 2.4.0 (build 3) [x86_64] @team o'brien/v_1").rawValue.count > 3)
        #expect(throws: IngotError.self) { try ImageName("ab") }
        #expect(throws: IngotError.self) { try ImageName(String(repeating: "a", count: 129)) }
        let error = #expect(throws: IngotError.self) { try ImageName("web*latest") }
        #expect(error?.message.contains("contains '*'") == true)
    }

    @Test func tagsParseKeyEqualsValue() throws {
        #expect(try Tag(parsing: "team=web") == Tag(key: "team", value: "web"))
        #expect(try Tag(parsing: "empty=") == Tag(key: "empty", value: ""))
        #expect(try Tag(parsing: "url=a=b").value == "a=b")
        #expect(throws: IngotError.self) { try Tag(parsing: "novalue") }
        #expect(throws: IngotError.self) { try Tag(parsing: "=v") }
        #expect(throws: IngotError.self) { try Tag(parsing: "aws:cloudformation=x") }
        #expect([Tag(key: "a", value: "1")].setting([Tag(key: "a", value: "2"), Tag(key: "b", value: "3")])
                == [Tag(key: "a", value: "2"), Tag(key: "b", value: "3")])
    }

    @Test func versionsParseAndOrderNumerically() throws {
        let v = try ImageVersion("2.10.0/3")
        #expect(v.description == "2.10.0/3")
        #expect(try ImageVersion("2.9.9/9") < v)
        #expect(try ImageVersion("2.10.0/2") < v)
        #expect(ImageVersion(parsing: "2.10.0") == nil)
        #expect(ImageVersion(parsing: "a.b.c/1") == nil)
        #expect(throws: IngotError.self) { try ImageVersion("1.2/3") }
    }
}

@Suite struct TimestampTests {
    @Test func parsesTheFormsAWSAndUsersWrite() {
        #expect(Timestamp.parseMillis("1970-01-01T00:00:00.000Z") == 0)
        #expect(Timestamp.parseMillis("2024-03-05T10:11:12.345Z") == 1_709_633_472_345)
        #expect(Timestamp.parseMillis("2024-03-05T10:11:12Z") == 1_709_633_472_000)
        #expect(Timestamp.parseMillis("2024-03-05T12:11:12+02:00") == 1_709_633_472_000)
        #expect(Timestamp.parseMillis("2024-03-05") == 1_709_596_800_000)
        #expect(Timestamp.parseMillis("2024-02-30T00:00:00Z") == nil)
        #expect(Timestamp.parseMillis("2024-03-05T25:00:00Z") == nil)
        #expect(Timestamp.parseMillis("yesterday") == nil)
    }

    @Test func formatAndParseRoundTrip() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let ms = Int64.random(in: 0...4_102_444_800_000, using: &rng)  // 1970 ... 2100
            #expect(Timestamp.parseMillis(Timestamp.format(millis: ms)) == ms)
        }
        #expect(Timestamp.format(millis: 1_709_633_472_345) == "2024-03-05T10:11:12.345Z")
    }
}

@Suite struct WildcardTests {
    @Test func starAndQuestionMarkMatchLikeAWSFilters() {
        #expect(WildcardPattern("golden-web-*").matches("golden-web-2.4.0"))
        #expect(!WildcardPattern("golden-web-*").matches("golden-api-2.4.0"))
        #expect(WildcardPattern("golden-???-*").matches("golden-api-1"))
        #expect(!WildcardPattern("golden-??-*").matches("golden-api-1"))
        #expect(WildcardPattern("*").matches(""))
        #expect(WildcardPattern("a*b*c").matches("a-xx-b-yy-c"))
        #expect(!WildcardPattern("a*b*c").matches("a-xx-c-yy-b"))
    }
}

/// The one table of AWS error codes both backends use.
@Suite struct AWSErrorKindTests {
    @Test("Codes from the EC2, Auto Scaling and SSM references, each with its kind")
    func kinds() {
        let expected: [(String, AWSErrorKind)] = [
            ("ValidationError", .invalidInput), ("InvalidParameterValue", .invalidInput), ("InvalidAMIID.Malformed", .invalidInput),
            ("InvalidAMIID.NotFound", .notFound), ("InvalidLaunchTemplateName.NotFoundException", .notFound), ("ParameterNotFound", .notFound),
            ("InvalidSnapshot.InUse", .refused), ("IrreversibleInstanceRefresh", .refused), ("IncorrectState", .refused),
            ("InvalidAMIName.Duplicate", .conflict), ("ParameterAlreadyExists", .conflict),
            ("RequestLimitExceeded", .throttled), ("Throttling", .throttled),
            ("AuthFailure", .unauthorized), ("UnauthorizedOperation", .unauthorized),
            ("SomethingNew", .refused),
        ]
        for (code, kind) in expected { #expect(AWSErrorKind(code: code) == kind, "\(code)") }
    }

    @Test("A refusal whose code is invalid input is the caller's mistake, on either backend")
    func refusedClassifies() {
        #expect(IngotError.refused("ValidationError", "no such group").kind == .invalidInput)
        #expect(IngotError.refused("InvalidAMIID.NotFound", "gone").kind == .refused)
    }
}
