import Foundation
import IngotAWS
import IngotCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request the loopback server received.
struct RecordedRequest: Sendable {
    var method: String
    var uri: String
    var headers: [(String, String)]
    var body: String
    /// The client's port: requests on one kept-alive connection share it.
    var clientPort: Int?

    /// The form parameters of a Query-protocol body (`+` and `%XX` decoded).
    var form: [String: String] {
        var result: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    var action: String { form["Action"] ?? header("X-Amz-Target")?.split(separator: ".").last.map(String.init) ?? "" }

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// What the loopback server does with a request.
enum Reply: Sendable {
    case respond(status: Int, contentType: String = "text/xml;charset=UTF-8", body: String, headers: [(String, String)] = [])
    /// Waits, then answers.
    case slow(Duration, status: Int, body: String)
    /// Closes the connection without answering.
    case drop

    static func xml(_ body: String) -> Reply { .respond(status: 200, body: body) }
}

/// A small HTTP/1.1 server on 127.0.0.1 that replays AWS-shaped answers, injects throttling, 5xx,
/// slow answers and dropped connections, and records every request.
final class LoopbackServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let recorded = Mutex<[RecordedRequest]>([])

    var endpoint: String { "http://127.0.0.1:\(port)" }
    var requests: [RecordedRequest] { recorded.withLock { $0 } }

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Runs `body` with a server answering through `responder` (given the request and how many
    /// requests came before it), then closes it.
    static func with<T: Sendable>(_ responder: @escaping @Sendable (RecordedRequest, Int) async -> Reply,
                                  _ body: (LoopbackServer) async throws -> T) async throws -> T {
        let box = Mutex<LoopbackServer?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.pipeline.configureHTTPServerPipeline().flatMap {
                    child.pipeline.addHandler(Handler(responder: responder, record: { request in
                        box.withLock { $0 }?.record(request) ?? 0
                    }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = LoopbackServer(channel: channel, port: channel.localAddress?.port ?? 0)
        box.withLock { $0 = server }
        do {
            let result = try await body(server)
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Records `request`; returns how many came before it.
    private func record(_ request: RecordedRequest) -> Int {
        recorded.withLock { list in
            list.append(request)
            return list.count - 1
        }
    }

    /// A configuration whose every service points at this server.
    func configuration(region: Region = .usEast1) -> AWSConfiguration {
        AWSConfiguration(credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                         region: region, endpoints: Dictionary(uniqueKeysWithValues: AWSService.allCases.map { ($0, endpoint) }))
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let responder: @Sendable (RecordedRequest, Int) async -> Reply
        let record: @Sendable (RecordedRequest) -> Int
        // Touched only on the channel's event loop.
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(responder: @escaping @Sendable (RecordedRequest, Int) async -> Reply, record: @escaping @Sendable (RecordedRequest) -> Int) {
            self.responder = responder
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body.clear()
            case .body(var chunk):
                body.writeBuffer(&chunk)
            case .end:
                guard let head else { return }
                let request = RecordedRequest(method: "\(head.method)", uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                                              body: String(buffer: body), clientPort: context.channel.remoteAddress?.port)
                let index = record(request)
                let channel = context.channel
                let responder = responder
                let keepAlive = head.isKeepAlive
                Task {
                    let reply = await responder(request, index)
                    func send(_ status: Int, _ contentType: String, _ text: String, _ extra: [(String, String)] = []) {
                        var headers = HTTPHeaders(extra)
                        headers.add(name: "Content-Type", value: contentType)
                        headers.add(name: "Content-Length", value: String(text.utf8.count))
                        if !keepAlive { headers.add(name: "Connection", value: "close") }
                        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)), promise: nil)
                        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text))), promise: nil)
                        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                    }
                    switch reply {
                    case .respond(let status, let contentType, let text, let extra):
                        send(status, contentType, text, extra)
                    case .slow(let wait, let status, let text):
                        try? await Task.sleep(for: wait)
                        send(status, "text/xml;charset=UTF-8", text)
                    case .drop:
                        channel.close(promise: nil)
                    }
                }
            }
        }
    }
}

/// AWS-shaped answers kept under Resources/responses.
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/responses")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }
}
