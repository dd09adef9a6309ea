import Crypto
import Foundation
import IngotCore

/// An HTTP request as Signature Version 4 sees it: the path and query unencoded, headers in order.
public struct SignableRequest: Sendable, Hashable {
    public var method: String
    /// The path as sent, not percent-encoded (`/example space/`).
    public var path: String
    /// Query parameters, decoded, in any order.
    public var query: [QueryItem]
    /// Header names and values in order; repeated names are allowed.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public struct QueryItem: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
    }

    public init(method: String, path: String = "/", query: [QueryItem] = [], headers: [(name: String, value: String)], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    public static func == (a: SignableRequest, b: SignableRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.query == b.query && a.body == b.body
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    public func hash(into h: inout Hasher) {
        h.combine(method); h.combine(path); h.combine(query); h.combine(body)
        for header in headers { h.combine(header.name); h.combine(header.value) }
    }
}

/// AWS Signature Version 4 (header-based), as specified in AWS's "Signature Version 4 signing process"
/// and checked against the published test suite.
///
/// ```swift
/// let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "ec2")
/// let signed = signer.sign(request, at: Date())   // adds X-Amz-Date, X-Amz-Security-Token, Authorization
/// ```
public struct SigV4Signer: Sendable, CustomStringConvertible {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String
    /// Remove `.`/`..` segments and repeated slashes before encoding (every service except S3).
    public var normalizePath: Bool = true
    /// Add `X-Amz-Content-SHA256` with the payload hash (S3 style; the Query APIs do not need it).
    public var signBodyHeader: Bool = false
    /// Add the session token after signing instead of signing it (some older services want that).
    public var omitSessionToken: Bool = false

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    public var description: String { "SigV4Signer(\(service)/\(region), \(credentials))" }

    /// The intermediate values of one signature, for tests and `--debug` (nothing secret in them).
    public struct Signature: Sendable, Hashable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var authorization: String
        /// The request with the signing headers added.
        public var request: SignableRequest
    }

    /// Signs `request` as of `date`.
    public func sign(_ request: SignableRequest, at date: Date) -> Signature {
        let amzDate = Self.amzDate(date)
        let day = String(amzDate.prefix(8))
        var request = request
        let payloadHash = Self.hex(SHA256.hash(data: request.body))
        request.headers.append((name: "X-Amz-Date", value: amzDate))
        if signBodyHeader { request.headers.append((name: "X-Amz-Content-SHA256", value: payloadHash)) }
        if let token = credentials.sessionToken, !omitSessionToken {
            request.headers.append((name: "X-Amz-Security-Token", value: token))
        }

        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        let canonicalRequest = [
            request.method,
            Self.canonicalPath(request.path, normalize: normalizePath),
            Self.canonicalQuery(request.query),
            canonicalHeaders,
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")

        var key = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        request.headers.append((name: "Authorization", value: authorization))
        if let token = credentials.sessionToken, omitSessionToken {
            request.headers.append((name: "X-Amz-Security-Token", value: token))
        }
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                         authorization: authorization, request: request)
    }

    /// `20150830T123600Z`.
    public static func amzDate(_ date: Date) -> String {
        let t = Timestamp.utc(date)
        let pad = Timestamp.pad
        return pad(t.year, 4) + pad(t.month, 2) + pad(t.day, 2) + "T" + pad(t.hour, 2) + pad(t.minute, 2) + pad(t.second, 2) + "Z"
    }

    static func canonicalPath(_ path: String, normalize: Bool) -> String {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if normalize {
            var out: [String] = []
            for s in segments.dropFirst() {
                switch s {
                case "", ".": continue
                case "..": _ = out.popLast()
                default: out.append(s)
                }
            }
            // A trailing slash (or a trailing dot segment) keeps the path a directory.
            let trailing = path.count > 1 && (path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..")) && !out.isEmpty
            segments = [""] + out + (trailing ? [""] : [])
            if out.isEmpty { return "/" }
        }
        let encoded = segments.map { uriEncode($0) }.joined(separator: "/")
        return encoded.isEmpty ? "/" : encoded
    }

    static func canonicalQuery(_ items: [SignableRequest.QueryItem]) -> String {
        // Encoded text is ASCII, so String order is the byte order AWS sorts by.
        let pairs: [(String, String)] = items.map { item in (uriEncode(item.name), uriEncode(item.value)) }
        let sorted = pairs.sorted { (a: (String, String), b: (String, String)) -> Bool in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        return sorted.map { pair in pair.0 + "=" + pair.1 }.joined(separator: "&")
    }

    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (String, String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased(), default: []].append(trimAll(value))
        }
        let names = merged.keys.sorted()
        let text = names.map { "\($0):\(merged[$0, default: []].joined(separator: ","))\n" }.joined()
        return (text, names.joined(separator: ";"))
    }

    /// Trims the value and folds every run of whitespace (spaces, tabs, folded lines) into one space.
    static func trimAll(_ value: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for b in value.utf8 {
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 and the Query
    /// protocol's form bodies want it (space is `%20`, never `+`).
    public static func uriEncode(_ text: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let hexDigits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in digest { out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
