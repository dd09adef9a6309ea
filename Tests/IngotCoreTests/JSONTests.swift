import Foundation
import Testing
@testable import IngotCore

@Suite struct JSONPullParserTests {
    /// A parser that receives `text` a few bytes at a time, so every token crosses chunk boundaries.
    func parser(_ text: String, chunk: Int) -> JSONPullParser {
        let bytes = Array(text.utf8)
        var offset = 0
        return JSONPullParser(chunkSize: chunk) { out in
            let n = min(chunk, out.count, bytes.count - offset)
            for i in 0..<n { out[i] = bytes[offset + i] }
            offset += n
            return n
        }
    }

    @Test(arguments: [64, 7, 3])
    func readsNestedDocumentsAcrossChunkBoundaries(chunk: Int) throws {
        let p = parser(#" { "a" : [1, -2.5e3, true, false, null, "x\"y\\z\n\u00e9\ud83d\ude00"], "b": {"c": []}, "long-key-name-here": "v" } "#, chunk: chunk)
        try p.beginObject()
        #expect(try p.nextKey() == "a")
        try p.beginArray()
        #expect(try p.nextElement()); #expect(try p.readInt() == 1)
        #expect(try p.nextElement()); #expect(try p.readNumberText() == "-2.5e3")
        #expect(try p.nextElement()); #expect(try p.readBool() == true)
        #expect(try p.nextElement()); #expect(try p.readBool() == false)
        #expect(try p.nextElement()); #expect(try p.readNull())
        #expect(try p.nextElement()); #expect(try p.readString() == "x\"y\\z\né😀")
        #expect(try !p.nextElement())
        #expect(try p.nextKey() == "b")
        try p.skipValue()
        let keys = JSONPullParser.Keys(["other", "long-key-name-here"])
        #expect(try p.nextKey(in: keys) == 1)
        #expect(try p.readString() == "v")
        #expect(try p.nextKey() == nil)
        #expect(try p.atEnd())
    }

    @Test func brokenSurrogatesAndDeepNestingAreErrorsNotCrashes() {
        for bad in [#""\ud800\u0041""#, #""\ud800\uffff""#, #""\ud800x""#] {
            let error = #expect(throws: IngotError.self) { _ = try parser(bad, chunk: 64).readString() }
            #expect(error?.kind == .invalidInput)
        }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let error = #expect(throws: IngotError.self) { try parser(deep, chunk: 4096).skipValue() }
        #expect(error?.message.contains("nested deeper than") == true)
    }

    @Test func malformedInputIsAnErrorWithAPosition() {
        let p = parser(#"{"a": [1, 2}"#, chunk: 64)
        let error = #expect(throws: IngotError.self) {
            try p.beginObject()
            _ = try p.nextKey()
            try p.skipValue()
        }
        #expect(error?.message.contains("malformed JSON at byte") == true)
    }
}

@Suite struct AWSImageJSONTests {
    static let sample = """
        {"Images": [{
            "Architecture": "arm64", "CreationDate": "2025-06-01T10:00:00.000Z", "ImageId": "ami-0123456789abcdef0",
            "ImageLocation": "123456789012/golden-web-2.4.0", "ImageType": "machine", "Public": true,
            "OwnerId": "123456789012", "PlatformDetails": "Linux/UNIX", "State": "available",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": true,
                "SnapshotId": "snap-0123456789abcdef0", "VolumeSize": 30, "VolumeType": "gp3", "Encrypted": true,
                "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abc"}},
                {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"}],
            "EnaSupport": true, "Hypervisor": "xen", "Name": "golden-web-2.4.0", "RootDeviceName": "/dev/xvda",
            "RootDeviceType": "ebs", "VirtualizationType": "hvm", "BootMode": "uefi",
            "DeprecationTime": "2027-06-01T10:00:00.000Z", "SourceImageId": "ami-0fedcba9876543210", "SourceImageRegion": "eu-west-1",
            "DeregistrationProtection": "enabled-without-cooldown",
            "Tags": [{"Key": "golden", "Value": "true"},
                     {"Key": "Ec2ImageBuilderArn", "Value": "arn:aws:imagebuilder:us-east-1:123456789012:image/golden-web/2.4.0/3"}]
        }]}
        """

    @Test func decodesTheAWSCLIShape() throws {
        var images: [Image] = []
        try AWSImageJSON.forEachImage(JSONPullParser(bytes: Array(Self.sample.utf8)), region: .usEast1) { images.append($0) }
        let image = try #require(images.first)
        #expect(image.id.rawValue == "ami-0123456789abcdef0")
        #expect(image.architecture == .arm64)
        #expect(image.isPublic)
        #expect(image.bootMode == .uefi)
        #expect(image.imageVersion?.description == "2.4.0/3")
        #expect(image.sourceImageId?.rawValue == "ami-0fedcba9876543210")
        #expect(image.sourceImageRegion == .euWest1)
        #expect(image.deprecationTime == Timestamp.parse("2027-06-01T10:00:00Z"))
        #expect(image.deregistrationProtection == .enabled(withCooldown: false))
        #expect(image.blockDeviceMappings.count == 2)
        #expect(image.blockDeviceMappings[0].encrypted == true)
        #expect(image.blockDeviceMappings[0].volumeSize == 30)
        #expect(image.blockDeviceMappings[1].virtualName == "ephemeral0")
        #expect(image.tags[tag: "golden"] == "true")
    }

    @Test func rejectsImagesWithoutIdsOrWithBadValues() {
        for bad in [#"{"Images":[{"OwnerId":"123456789012","CreationDate":"2025-01-01T00:00:00Z"}]}"#,
                    #"{"Images":[{"ImageId":"ami-XYZ","OwnerId":"123456789012","CreationDate":"2025-01-01T00:00:00Z"}]}"#,
                    #"{"Images":[{"ImageId":"ami-12345678","OwnerId":"123456789012","CreationDate":"2025-01-01T00:00:00Z","Architecture":"sparc"}]}"#,
                    #"{"Reservations":[]}"#] {
            let error = #expect(throws: IngotError.self) {
                try AWSImageJSON.forEachImage(JSONPullParser(bytes: Array(bad.utf8)), region: .usEast1) { _ in }
            }
            #expect(error?.message.hasPrefix("file: ") == true)
        }
    }

    @Test func aValueOfTheWrongTypeNamesItsField() {
        for (bad, field) in [(#"{"Images":[{"ImageId":"ami-12345678","Architecture":5}]}"#, "Architecture"),
                             (#"{"Images":[{"ImageId":"ami-12345678","Public":"yes"}]}"#, "Public"),
                             (#"{"Images":[{"ImageId":"ami-12345678","Tags":{"Key":"a"}}]}"#, "Tags")] {
            let error = #expect(throws: IngotError.self) {
                try AWSImageJSON.forEachImage(JSONPullParser(bytes: Array(bad.utf8)), region: .usEast1) { _ in }
            }
            #expect(error?.message.contains("field \"\(field)\"") == true, "\(error?.message ?? "")")
        }
    }

    @Test func imageJSONUsesAWSNamesInCamelCase() throws {
        var images: [Image] = []
        try AWSImageJSON.forEachImage(JSONPullParser(bytes: Array(Self.sample.utf8)), region: .usEast1) { images.append($0) }
        let data = try JSONEncoder().encode(images[0])
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["imageId", "name", "creationDate", "deprecationTime", "state", "ownerId", "sourceImageId", "sourceImageRegion", "tags", "blockDeviceMappings", "public"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["creationDate"] as? String == "2025-06-01T10:00:00.000Z")
    }
}

@Suite struct LaunchTemplateJSONTests {
    @Test func launchTemplateDataUsesAWSsShape() throws {
        let data = LaunchTemplateData(imageId: "ami-12345678", instanceType: "t3.micro", iamInstanceProfile: "arn:aws:iam::123456789012:instance-profile/web",
                                      blockDeviceMappings: [TemplateBlockDevice(deviceName: "/dev/xvda", volumeSize: 30, volumeType: "gp3")])
        let encoded = try JSONEncoder().encode(data)
        let object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect((object["iamInstanceProfile"] as? [String: String]) == ["arn": "arn:aws:iam::123456789012:instance-profile/web"])
        let device = try #require((object["blockDeviceMappings"] as? [[String: Any]])?.first)
        #expect(device["deviceName"] as? String == "/dev/xvda")
        #expect((device["ebs"] as? [String: Any])?["volumeSize"] as? Int == 30)
        #expect(try JSONDecoder().decode(LaunchTemplateData.self, from: encoded) == data)
        let named = LaunchTemplateData(iamInstanceProfile: "web-profile")
        #expect(String(decoding: try JSONEncoder().encode(named), as: UTF8.self).contains("\"name\":\"web-profile\""))
    }
}

/// The hand-written pull parser against Foundation's JSONSerialization on random documents: the same
/// tree from the same bytes (strings with escapes and non-ASCII, nesting, numbers, literals), in chunks
/// small enough that tokens straddle refills.
@Suite struct JSONDifferentialTests {
    indirect enum Tree: Equatable {
        case object([String: Tree]), array([Tree]), string(String), number(Double), bool(Bool), null
    }

    /// Foundation's reading of the same bytes (JSONDecoder), as the same tree.
    struct Decoded: Decodable {
        let tree: Tree
        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        init(from decoder: any Decoder) throws {
            if let object = try? decoder.container(keyedBy: Key.self) {
                var d: [String: Tree] = [:]
                for key in object.allKeys { d[key.stringValue] = try object.decode(Decoded.self, forKey: key).tree }
                tree = .object(d)
            } else if var array = try? decoder.unkeyedContainer() {
                var a: [Tree] = []
                while !array.isAtEnd { a.append(try array.decode(Decoded.self).tree) }
                tree = .array(a)
            } else {
                let v = try decoder.singleValueContainer()
                if v.decodeNil() { tree = .null }
                else if let b = try? v.decode(Bool.self) { tree = .bool(b) }
                else if let n = try? v.decode(Double.self) { tree = .number(n) }
                else { tree = .string(try v.decode(String.self)) }
            }
        }
    }

    static func pull(_ p: JSONPullParser) throws -> Tree {
        switch try p.peekKind() {
        case .object:
            try p.beginObject()
            var d: [String: Tree] = [:]
            while let k = try p.nextKey() { d[k] = try pull(p) }
            return .object(d)
        case .array:
            try p.beginArray()
            var a: [Tree] = []
            while try p.nextElement() { a.append(try pull(p)) }
            return .array(a)
        case .string: return .string(try p.readString())
        case .number: return .number(Double(try p.readNumberText()) ?? .nan)
        case .bool: return .bool(try p.readBool())
        case .null:
            try p.skipValue()
            return .null
        }
    }

    /// A document chosen by `seed` (a multiplicative hash picks each node's kind and content).
    static func document(_ seed: Int, depth: Int = 0) -> Any {
        let pick = (seed &* 2654435761 &+ depth &* 40503) & 0xFFFF
        switch pick % (depth > 3 ? 4 : 6) {
        case 0: return ["plain", "quote \" and \\ backslash", "tab\tnew\nline", "é ü 日本 🚀", "", "control \u{01}\u{1f}", "/slash"][pick % 7]
        case 1: return [0, -1, 42, 3.25, -0.5, 1e21, 123456789012][pick % 7]
        case 2: return pick % 2 == 0
        case 3: return NSNull()
        case 4:
            return (0..<(pick % 5)).map { document(seed &+ $0 &* 7919, depth: depth + 1) }
        default:
            var d: [String: Any] = [:]
            for i in 0..<(pick % 5) { d["k\(i)\(["", "é", "\"q\"", " "][i % 4])"] = document(seed &+ i &* 104729, depth: depth + 1) }
            return d
        }
    }

    @Test(arguments: 0..<200)
    func sameTreeAsFoundation(seed: Int) throws {
        let doc: Any = ["root": Self.document(seed), "n": seed]
        let data = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
        let expected = try JSONDecoder().decode(Decoded.self, from: data).tree
        for chunk in [3, 64] {
            var offset = 0
            let bytes = Array(data)
            let parser = JSONPullParser(chunkSize: chunk) { out in
                let n = min(chunk, out.count, bytes.count - offset)
                for i in 0..<n { out[i] = bytes[offset + i] }
                offset += n
                return n
            }
            #expect(try Self.pull(parser) == expected, "seed \(seed), chunk \(chunk)")
        }
    }
}

/// `JSONValue`'s own parser and writer against Foundation's: what it writes, Foundation reads to the
/// same value, and what Foundation's decoder reads, the pull parser reads alike.
@Suite struct JSONValueTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        mutating func value(depth: Int = 0) -> JSONValue {
            switch next(depth > 3 ? 5 : 7) {
            case 0: return .null
            case 1: return .bool(next(2) == 0)
            case 2: return .int(Int64(next(2_000_000)) - 1_000_000)
            case 3: return .double(Double(next(100_000)) / 64 + 0.5)
            case 4:
                let alphabet = Array("aZ09 \"\\/\n\té😀-_:{}[],\u{1}")
                return .string(String((0..<next(12)).map { _ in alphabet[next(alphabet.count)] }))
            case 5: return .array((0..<next(5)).map { _ in value(depth: depth + 1) })
            default: return .object(Dictionary((0..<next(5)).map { i in ("k\(i)\(next(9))", value(depth: depth + 1)) }, uniquingKeysWith: { a, _ in a }))
            }
        }
    }

    @Test("Nesting past 512 levels and numbers a double cannot hold are refused; numbers compare exactly")
    func limits() throws {
        #expect(throws: IngotError.self) { try JSONValue.parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
        #expect(try JSONValue.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) != .null)
        #expect(throws: IngotError.self) { try JSONValue.parse("1e400") }
        #expect(JSONValue.int(1552) == .double(1552))
        #expect(JSONValue.int(9_007_199_254_740_993) != .double(9_007_199_254_740_992))
        #expect(Set([JSONValue.int(3), .double(3)]).count == 1)
    }

    @Test("parse(text) round-trips, and Foundation's decoder reads the same value", arguments: 0..<200)
    func roundTrip(seed: Int) throws {
        var g = Generator(state: UInt64(seed) &+ 1)
        let value = g.value()
        let text = value.text
        #expect(try JSONValue.parse(text) == value, "\(text)")
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == value, "\(text)")
        let foundation = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        #expect(try JSONValue.parse(foundation) == value, "\(foundation)")
    }
}
