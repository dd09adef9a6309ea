import Foundation
import IngotAWS
import IngotCore
import Logging
import Synchronization
import Testing

@Suite("Query encoding, XML parsing and decoding")
struct EncodingTests {
    @Test("EC2 lists, filters and tags; Auto Scaling .member.N; nil leaves a parameter out")
    func queryLists() {
        var q = QueryParameters(action: "DescribeImages", version: "2016-11-15")
        q.ec2List("ImageId", ["ami-1", "ami-2"])
        q.ec2Filters([("name", ["golden-*"]), ("tag:team", ["web", "api"])])
        q.set("DryRun", nil as Bool?)
        q.set("MaxResults", 5)
        #expect(q.formEncoded == "Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-1&ImageId.2=ami-2&Filter.1.Name=name&Filter.1.Value.1=golden-%2A"
            + "&Filter.2.Name=tag%3Ateam&Filter.2.Value.1=web&Filter.2.Value.2=api&MaxResults=5")
        var a = QueryParameters(action: "DescribeAutoScalingGroups", version: "2011-01-01")
        a.memberList("AutoScalingGroupNames", ["web-asg", "api asg"])
        #expect(a.formEncoded == "Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames.member.1=web-asg&AutoScalingGroupNames.member.2=api+asg")
        var t = QueryParameters(action: "CreateTags", version: "2016-11-15")
        t.ec2Tags("Tag", [("k=1", "a&b ~ü")])
        #expect(t.formEncoded.hasSuffix("Tag.1.Key=k%3D1&Tag.1.Value=a%26b+~%C3%BC"))
    }

    @Test("XML: entities, CDATA, comments, namespaces, self-closing and empty elements")
    func xmlParser() throws {
        let root = try AWSXML.parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- leading comment -->
            <ns:Root xmlns:ns="urn:x" a='1>2' b="q">
              <name>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42; &#x1F600;</name>
              <empty/><blank></blank>
              <code><![CDATA[<not> & parsed]]></code>
              <set><item>one</item><item>two</item></set>
            </ns:Root>
            """)
        #expect(root.name == "Root")
        #expect(root.string("name") == "a <b> & \"c\" 'd' AB 😀")
        #expect(root.string("empty") == "")
        #expect(root.string("blank") == "")
        #expect(root.string("missing") == nil)
        #expect(root.string("code") == "<not> & parsed")
        #expect(root.items("set").map(\.text) == ["one", "two"])
        #expect(root.items("none").isEmpty)
        for bad in ["<a><b></a>", "<a>", "text", "<a></a><b></b>", "<a>&bogus;</a>", ""] {
            #expect(throws: AWSXML.SyntaxError.self, "\(bad)") { try AWSXML.parse(bad) }
        }
    }

    @Test("a missing required field is an error naming it, never a made-up value")
    func missingRequired() throws {
        let item = try AWSXML.parse("<item><imageOwnerId>123456789012</imageOwnerId><creationDate>2024-01-01T00:00:00Z</creationDate></item>")
        let error = #expect(throws: IngotError.self) { try EC2Decoding.image(item, region: .usEast1) }
        #expect(error?.message == "DescribeImages: the answer has no imageId")
        let noDate = try AWSXML.parse("<item><imageId>ami-1</imageId><imageOwnerId>123456789012</imageOwnerId></item>")
        #expect(throws: IngotError.self) { try EC2Decoding.image(noDate, region: .usEast1) }
        let badState = try AWSXML.parse("<item><imageId>ami-1</imageId><imageOwnerId>1</imageOwnerId><creationDate>2024-01-01T00:00:00Z</creationDate><imageState>melted</imageState></item>")
        let stateError = #expect(throws: IngotError.self) { try EC2Decoding.image(badState, region: .usEast1) }
        #expect(stateError?.message.contains("imageState 'melted'") == true)
        let version = try AWSXML.parse("<item><launchTemplateId>lt-1</launchTemplateId><launchTemplateName>web</launchTemplateName><versionNumber>2</versionNumber></item>")
        let versionError = #expect(throws: IngotError.self) { try EC2Decoding.launchTemplateVersion(version, region: .usEast1) }
        #expect(versionError?.message == "DescribeLaunchTemplateVersions: the answer has no createTime")
    }

    @Test("error envelopes: EC2 Response/Errors, Auto Scaling ErrorResponse, SSM JSON __type")
    func errorEnvelopes() throws {
        let ec2 = try #require(AWSServiceError.fromXML(try AWSXML.parse(try Fixture.text("ec2-invalid-parameter.xml")), httpStatus: 400))
        #expect(ec2.code == "InvalidParameterValue" && ec2.requestId == "a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d")
        #expect(ec2.ingotError.kind == .invalidInput)
        let asg = try #require(AWSServiceError.fromXML(try AWSXML.parse(try Fixture.text("autoscaling-throttling.xml")), httpStatus: 400))
        #expect(asg.code == "Throttling" && asg.isThrottling && asg.message == "Rate exceeded")
        #expect(AWSServiceError.fromXML(try AWSXML.parse("<DescribeImagesResponse/>"), httpStatus: 400) == nil)
        let notFound = AWSServiceError(code: "InvalidAMIID.NotFound", message: "The image id '[ami-1]' does not exist", httpStatus: 400)
        #expect(notFound.ingotError == IngotError.refused("InvalidAMIID.NotFound", "The image id '[ami-1]' does not exist"))
    }

    @Test("retry waits: full jitter under a doubling ceiling capped at maxDelay")
    func retryPolicy() {
        let p = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(p.ceiling(retry: 0) == .milliseconds(100))
        #expect(p.ceiling(retry: 2) == .milliseconds(400))
        #expect(p.ceiling(retry: 10) == .seconds(1))
        #expect(p.ceiling(retry: 100) == .seconds(1))
        #expect(p.delay(retry: 3, unit: 0.5) == .milliseconds(400))
        #expect(p.delay(retry: 3, unit: 0) == .zero)
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test("10,000 images in one DescribeImages page decode")
    func largePage() throws {
        let item = try Fixture.text("describe-images-page1.xml")
        let start = try #require(item.range(of: "<item>\n            <imageId>")).lowerBound
        let end = try #require(item.range(of: "</imagesSet>")).lowerBound
        let one = String(item[start..<end])
        let page = "<DescribeImagesResponse><imagesSet>" + String(repeating: one, count: 10_000) + "</imagesSet></DescribeImagesResponse>"
        let clock = ContinuousClock()
        let began = clock.now
        let root = try AWSXML.parse(page)
        let parsed = clock.now - began
        let images = try root.items("imagesSet").map { try EC2Decoding.image($0, region: .usEast1) }
        let took = clock.now - began
        #expect(images.count == 10_000)
        #expect(images.allSatisfy { $0.sourceImageId?.rawValue == "ami-0fedcba9876543210" })
        print("decoded 10,000 images (\(page.utf8.count / 1_000_000) MB of XML) in \(took) (parsing \(parsed))")
    }
}

/// Captures log lines (for the no-secret-in-debug-output check).
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    struct Handler: LogHandler {
        let sink: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
        }
    }
}

@Suite("No secret in debug logs")
struct LoggingTests {
    @Test("debug logging of calls, retries and failures never shows the secret, token or signature key")
    func debugLogRedacted() async throws {
        let log = CapturedLog()
        var logger = Logger(label: "test") { _ in CapturedLog.Handler(sink: log) }
        logger.logLevel = .trace
        let throttled = try Fixture.text("ec2-request-limit-exceeded.xml"), empty = try Fixture.text("describe-images-empty.xml")
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token = "FwoGZXIvYXdzEXAMPLETOKEN"
        try await LoopbackServer.with({ _, n in n == 0 ? .respond(status: 503, body: throttled) : .xml(empty) }) { server in
            var config = server.configuration()
            config.credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: secret, sessionToken: token)
            let client = AWSClient(configuration: config, retryPolicy: RetryPolicy(baseDelay: .milliseconds(1)), logger: logger)
            let cloud = AWSCloud(client: client, account: .defaultLocal)
            _ = try await cloud.describeImages(DescribeImagesRequest(region: .usEast1, owners: [.caller]))
            _ = try? await cloud.acting(as: try AccountID("210987654321")).describeImages(DescribeImagesRequest(region: .usEast1))
            try await cloud.shutdown()
            #expect(server.requests.first?.header("X-Amz-Security-Token") == token, "the token is sent, only never printed")
            var dumped = ""
            dump(cloud, to: &dumped)
            let lines = log.lines.withLock { $0 } + [config.description, "\(client.configuration)", dumped]
            #expect(lines.count >= 4)
            #expect(lines.contains { $0.contains("retry") })
            for line in lines {
                #expect(!line.contains(secret), "\(line)")
                #expect(!line.contains(token), "\(line)")
            }
        }
    }
}
