import AsyncHTTPClient
import IngotCore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Foundation

/// Signs and sends AWS requests over one shared HTTP client (connection reuse), with retries.
///
/// Query protocol (EC2, Auto Scaling, STS, IAM): a form-encoded POST answered with XML. JSON
/// protocol (SSM): a POST with `X-Amz-Target`. Errors come back as ``IngotError`` carrying AWS's
/// code; throttling, 5xx and dropped connections are retried per ``RetryPolicy``; an HTML 500 (what
/// an emulator answers for an action it lacks) is "not supported by this endpoint", never retried.
///
/// Call ``shutdown()`` when done.
public final class AWSClient: Sendable {
    /// Credentials, default region and endpoint overrides.
    public let configuration: AWSConfiguration
    /// How throttled, failed and dropped attempts are retried.
    public let retryPolicy: RetryPolicy
    let http: HTTPClient
    /// Whether ``shutdown()`` closes `http` (not when it is a shared client).
    let ownsHTTP: Bool
    let logger: Logger
    /// A uniform random number in 0..<1 for jitter (injectable for tests).
    let random: @Sendable () -> Double
    /// The clock retries are measured and waited on (injectable for tests).
    let timer: RetryTimer
    /// How far the endpoint's clock is ahead of ours, learnt from a clock-skew refusal: signatures
    /// are dated by the endpoint's clock from then on (as the AWS SDKs do).
    let clockSkew = Mutex<TimeInterval>(0)

    public init(configuration: AWSConfiguration, retryPolicy: RetryPolicy = .standard, logger: Logger = Logger(label: "ingot.aws"),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, timer: RetryTimer = .real, http shared: HTTPClient? = nil) {
        self.configuration = configuration
        self.timer = timer
        self.retryPolicy = retryPolicy
        self.logger = logger
        self.random = random
        var config = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(60)))
        config.connectionPool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60))
        config.decompression = .disabled
        http = shared ?? HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
        ownsHTTP = shared == nil
    }

    /// Closes the pooled connections; call once, when done with every cloud using this client.
    public func shutdown() async throws { if ownsHTTP { try await http.shutdown() } }

    /// A Query-protocol call: returns the answer's root element (`<DescribeImagesResponse>` ...).
    public func query(_ service: AWSService, region: Region, _ parameters: QueryParameters) async throws -> AWSXML.Element {
        let body = Array(parameters.formEncoded.utf8)
        let bytes = try await send(service: service, region: region, action: parameters.action, body: body,
                                   headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
        do {
            return try AWSXML.parse(bytes)
        } catch {
            throw IngotError.failed("\(parameters.action): the answer from \(endpointHost(service, region)) is not XML: \(error)")
        }
    }

    /// Every page of a Query-protocol call: `NextToken` is sent until the answer has none.
    /// `token` is the answer's token element path (EC2 `nextToken`, Auto Scaling `DescribeAutoScalingGroupsResult/NextToken`).
    public func queryPages(_ service: AWSService, region: Region, _ parameters: QueryParameters, token: String,
                           maxPages: Int = 10_000) async throws -> [AWSXML.Element] {
        var pages: [AWSXML.Element] = []
        var parameters = parameters
        var seen = Set<String>()
        while true {
            let page = try await query(service, region: region, parameters)
            pages.append(page)
            guard let next = page.string(token), !next.isEmpty else { return pages }
            // An endpoint that hands back the same token would loop forever.
            guard seen.insert(next).inserted else {
                throw IngotError.failed("\(parameters.action): the endpoint repeated NextToken '\(next)'")
            }
            guard pages.count < maxPages else {
                throw IngotError.failed("\(parameters.action): more than \(maxPages) pages")
            }
            parameters.set("NextToken", next)
        }
    }

    /// A JSON-protocol call (SSM): `target` is `AmazonSSM.GetParameter`; returns the answer's bytes.
    public func json(_ service: AWSService, region: Region, target: String, body: [UInt8]) async throws -> [UInt8] {
        let action = String(target.split(separator: ".").last ?? Substring(target))
        return try await send(service: service, region: region, action: action, body: body,
                              headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", target)])
    }

    func endpointHost(_ service: AWSService, _ region: Region) -> String {
        configuration.endpoint(for: service, region: region)
    }

    /// Sends with retries; returns the body of a 2xx answer, throws ``IngotError`` otherwise.
    func send(service: AWSService, region: Region, action: String, body: [UInt8], headers extra: [(String, String)]) async throws -> [UInt8] {
        let endpoint = configuration.endpoint(for: service, region: region)
        guard let url = URL(string: endpoint), let host = url.host else {
            throw IngotError.invalid("endpoint-url", "'\(endpoint)' is not a URL")
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let path = url.path.isEmpty ? "/" : url.path
        // IAM is global: signed for us-east-1 like every SDK does.
        let signingRegion = service == .iam || service == .organizations ? "us-east-1" : region.code
        let provider = configuration.credentialProvider
        let start = timer.elapsed()
        var retry = 0
        while true {
            let attemptStart = timer.elapsed()
            let outcome: Outcome
            // Each attempt asks for credentials: temporary ones are refreshed before they expire.
            let signer: SigV4Signer?
            do {
                signer = provider.isAnonymous ? nil : SigV4Signer(credentials: try await provider.credentials(), region: signingRegion, service: service.signingName)
            } catch let error as IngotError {
                throw error
            } catch {
                throw IngotError.failed("\(action): credentials from \(provider.source) could not be fetched: \(Self.describe(error))")
            }
            do {
                outcome = try await attempt(signer: signer, endpoint: endpoint, host: hostHeader, path: path, action: action, body: body, extra: extra)
            } catch let error as IngotError {
                throw error
            } catch {
                let failure = IngotError.failed("\(action): \(endpoint) could not be reached: \(Self.describe(error))")
                guard Self.isTransient(error) else { throw failure }
                outcome = .retryable(.connection(Self.describe(error)), failure)
            }
            let elapsed = timer.elapsed() - attemptStart
            switch outcome {
            case .success(let bytes):
                logger.debug("aws call", metadata: ["action": "\(action)", "service": "\(service.rawValue)", "region": "\(region.code)",
                                                     "attempt": "\(retry + 1)", "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)"])
                return bytes
            case .fatal(let error):
                logger.debug("aws call failed", metadata: ["action": "\(action)", "attempt": "\(retry + 1)", "error": "\(error)"])
                throw error
            case .retryable(let reason, let error):
                let wait = retryPolicy.delay(retry: retry, unit: random())
                let spent = timer.elapsed() - start
                retry += 1
                guard retry < retryPolicy.maxAttempts, spent + wait <= retryPolicy.maxTotal else {
                    logger.debug("aws call gave up", metadata: ["action": "\(action)", "attempts": "\(retry)", "reason": "\(reason)"])
                    throw IngotError(kind: error.kind, code: error.code,
                                     message: error.message + " (gave up after \(retry) attempt\(retry == 1 ? "" : "s"): \(reason))")
                }
                logger.debug("aws call retry", metadata: ["action": "\(action)", "attempt": "\(retry)", "reason": "\(reason)", "wait": "\(wait)"])
                try await timer.sleep(wait)
            }
        }
    }

    enum Outcome {
        case success([UInt8])
        case retryable(RetryReason, IngotError)
        case fatal(IngotError)
    }

    func attempt(signer: SigV4Signer?, endpoint: String, host: String, path: String, action: String, body: [UInt8],
                 extra: [(String, String)]) async throws -> Outcome {
        var headers: [(name: String, value: String)] = [("Host", host)]
        for (n, v) in extra { headers.append((n, v)) }
        let skew = clockSkew.withLock { $0 }
        let unsigned = SignableRequest(method: "POST", path: path, headers: headers, body: body)
        let sent = signer.map { $0.sign(unsigned, at: Date().addingTimeInterval(skew)).request } ?? unsigned
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        for (name, value) in sent.headers where name != "Host" { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "ingot/aws")
        request.body = .bytes(ByteBuffer(bytes: body))
        let timeout = retryPolicy.attemptTimeout.components
        let response = try await http.execute(request, timeout: .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000))
        let buffer = try await response.body.collect(upTo: 512 * 1024 * 1024)
        let bytes = Array(buffer.readableBytesView)
        let status = Int(response.status.code)
        if (200..<300).contains(status) { return .success(bytes) }
        let outcome = Self.classify(status: status, contentType: response.headers.first(name: "Content-Type"), body: bytes, action: action)
        // A refused signature with the endpoint's clock far from ours: learn the skew and sign again.
        if case .fatal(let error) = outcome, let code = error.code, Self.clockSkewCodes.contains(code),
           let serverDate = response.headers.first(name: "Date").flatMap(Self.httpDate) {
            let offset = serverDate.timeIntervalSince(Date())
            if abs(offset - skew) > 4 * 60 {
                clockSkew.withLock { $0 = offset }
                return .retryable(.clockSkew(Int(offset.rounded())), error)
            }
        }
        return outcome
    }

    /// Decides what a non-2xx answer means: AWS's error (retried when throttling or transient), an
    /// HTML page from an endpoint lacking the action, or a bare server error.
    static func classify(status: Int, contentType: String?, body: [UInt8], action: String) -> Outcome {
        let text = String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let isHTML = (contentType?.lowercased().contains("text/html") ?? false) || text.hasPrefix("<!doctype html") || text.hasPrefix("<html")
        if isHTML && status == 500 {
            return .fatal(IngotError.refused("UnsupportedOperation", "\(action) is not supported by this endpoint"))
        }
        var serviceError: AWSServiceError?
        if let root = try? AWSXML.parse(body) {
            serviceError = AWSServiceError.fromXML(root, httpStatus: status)
        } else if let json = try? JSONDecoder().decode(JSONError.self, from: Data(body)), let type = json.type {
            // `com.amazonaws.ssm#ParameterNotFound` or `ParameterNotFound`.
            let code = String(type.split(separator: "#").last ?? Substring(type))
            serviceError = AWSServiceError(code: code, message: json.message ?? json.Message ?? "", httpStatus: status)
        }
        if let e = serviceError {
            if e.isThrottling { return .retryable(.throttled(e.code), e.ingotError) }
            if AWSServiceError.transientCodes.contains(e.code) || [500, 502, 503, 504].contains(status) {
                return .retryable(.serverError(status), e.ingotError)
            }
            return .fatal(e.ingotError)
        }
        if [500, 502, 503, 504].contains(status) {
            return .retryable(.serverError(status), IngotError.failed("\(action): HTTP \(status) from the endpoint"))
        }
        if status == 429 {
            return .retryable(.throttled("HTTP 429"), IngotError.refused("Throttling", "\(action): HTTP 429 Too Many Requests"))
        }
        return .fatal(IngotError.failed("\(action): HTTP \(status) with an unreadable body: \(String(decoding: body.prefix(200), as: UTF8.self))"))
    }

    struct JSONError: Decodable {
        var type: String?
        var message: String?
        var Message: String?
        enum CodingKeys: String, CodingKey { case type = "__type", message, Message }
    }

    /// Refusals that a skewed local clock causes (AWS allows 5 minutes).
    static let clockSkewCodes: Set<String> = [
        "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure",
    ]

    /// An HTTP `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`).
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let m = months.firstIndex(of: String(parts[2])), parts[1].count == 2, parts[3].count == 4 else {
            return nil
        }
        let month = m + 1 < 10 ? "0\(m + 1)" : "\(m + 1)"
        return Timestamp.parse("\(parts[3])-\(month)-\(parts[1])T\(parts[4])Z")
    }

    /// Connection resets, timeouts and closed connections are worth another attempt; a cancelled
    /// task, a bad URL or a shut-down client are not.
    static func isTransient(_ error: any Error) -> Bool {
        if error is CancellationError { return false }
        if let e = error as? HTTPClientError {
            return [HTTPClientError.remoteConnectionClosed, .readTimeout, .writeTimeout, .connectTimeout, .deadlineExceeded,
                    .getConnectionFromPoolTimeout, .tlsHandshakeTimeout].contains(e)
        }
        // NIO's IOError (ECONNRESET, ECONNREFUSED), ChannelError and connect errors.
        return true
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError { return "\(e)" }
        return String(describing: error)
    }
}
