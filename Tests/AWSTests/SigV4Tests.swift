import Foundation
import Testing
@testable import IngotAWS

/// The AWS SigV4 test suite (awslabs/aws-c-auth `tests/aws-signing-test-suite/v4`), header signing:
/// each folder holds the request, the signing context, and the expected canonical request, string to
/// sign and signature.
struct SigV4Vector: CustomTestStringConvertible, Sendable {
    let name: String
    let request: SignableRequest
    let credentials: AWSCredentials
    let region: String
    let service: String
    let date: Date
    let normalize: Bool
    let signBody: Bool
    let omitSessionToken: Bool
    let canonicalRequest: String
    let stringToSign: String
    let signature: String

    var testDescription: String { name }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/sigv4")

    static func all() throws -> [SigV4Vector] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map(load)
    }

    static func load(_ name: String) throws -> SigV4Vector {
        let dir = folder.appendingPathComponent(name)
        func text(_ file: String) throws -> String { try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8) }
        struct Context: Decodable {
            struct Credentials: Decodable { var access_key_id: String; var secret_access_key: String; var token: String? }
            var credentials: Credentials
            var normalize: Bool
            var region: String
            var service: String
            var sign_body: Bool
            var timestamp: String
            var omit_session_token: Bool?
        }
        let context = try JSONDecoder().decode(Context.self, from: Data(try text("context.json").utf8))
        return SigV4Vector(
            name: name, request: try parseRequest(try text("request.txt")),
            credentials: AWSCredentials(accessKeyId: context.credentials.access_key_id,
                                        secretAccessKey: context.credentials.secret_access_key, sessionToken: context.credentials.token),
            region: context.region, service: context.service,
            date: try #require(ISO8601DateFormatter().date(from: context.timestamp)),
            normalize: context.normalize, signBody: context.sign_body, omitSessionToken: context.omit_session_token ?? false,
            canonicalRequest: try text("header-canonical-request.txt"), stringToSign: try text("header-string-to-sign.txt"),
            signature: try text("header-signature.txt").trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `METHOD PATH?QUERY HTTP/1.1`, `Name:value` lines (indented lines continue a value), a blank line, the body.
    static func parseRequest(_ text: String) throws -> SignableRequest {
        var lines = text.components(separatedBy: "\n")
        let first = lines.removeFirst().split(separator: " ")
        let method = String(first[0])
        let target = first[1..<(first.count - 1)].joined(separator: " ")
        let (path, queryText) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
        let query: [SignableRequest.QueryItem] = queryText.isEmpty ? [] : queryText.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in String(s).removingPercentEncoding ?? String(s) }
            return SignableRequest.QueryItem(decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
        var headers: [(name: String, value: String)] = []
        var bodyLines: [String] = []
        var inBody = false
        for line in lines {
            if inBody { bodyLines.append(line); continue }
            if line.isEmpty { inBody = true; continue }
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        return SignableRequest(method: method, path: path, query: query, headers: headers, body: Array(bodyLines.joined(separator: "\n").utf8))
    }
}

@Suite("SigV4 test suite vectors")
struct SigV4Tests {
    @Test("at least the representative vectors are present")
    func vectorsPresent() throws {
        let names = Set(try SigV4Vector.all().map(\.name))
        for required in ["get-vanilla", "post-x-www-form-urlencoded", "get-header-value-trim", "get-slash-dot-slash-normalized",
                         "get-vanilla-with-session-token", "post-sts-header-before", "get-utf8", "get-vanilla-query-order-encoded"] {
            #expect(names.contains(required), "missing vector \(required)")
        }
        #expect(names.count >= 30)
    }

    @Test("canonical request, string to sign and signature match", arguments: try SigV4Vector.all())
    func vector(_ v: SigV4Vector) {
        var signer = SigV4Signer(credentials: v.credentials, region: v.region, service: v.service)
        signer.normalizePath = v.normalize
        signer.signBodyHeader = v.signBody
        signer.omitSessionToken = v.omitSessionToken
        let signed = signer.sign(v.request, at: v.date)
        #expect(signed.canonicalRequest == v.canonicalRequest)
        #expect(signed.stringToSign == v.stringToSign)
        #expect(signed.signature == v.signature)
        #expect(signed.authorization.hasSuffix("Signature=\(v.signature)"))
        if let token = v.credentials.sessionToken {
            #expect(signed.request.headers.contains { $0.name == "X-Amz-Security-Token" && $0.value == token })
        }
    }

    @Test func amzDate() {
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
    }

    @Test("no secret in description, debugDescription, dump or interpolation")
    func secretsRedacted() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        let token = "SESSIONTOKEN-0123456789abcdef"
        let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: secret, sessionToken: token)
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "ec2")
        var dumped = ""
        dump(credentials, to: &dumped)
        dump(signer, to: &dumped)
        let texts = [credentials.description, credentials.debugDescription, "\(credentials)", String(reflecting: credentials),
                     signer.description, "\(signer)", String(reflecting: signer), dumped]
        for text in texts {
            #expect(!text.contains(secret), "secret leaked in \(text)")
            #expect(!text.contains(token), "token leaked in \(text)")
            #expect(!text.contains("AKIDEXAMPLE"))
        }
        #expect(credentials.description.contains("****MPLE"))
    }
}
