import AsyncHTTPClient
import Foundation
import IngotAWS
import IngotCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// A `moto_server -H 127.0.0.1 -p <free port>` started for one suite and ended by its pid.
final class MotoServer: Sendable {
    let pid: Int32
    let port: Int
    private let process: ProcessBox

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The path of `moto_server` on PATH, if installed.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/moto_server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static var isInstalled: Bool { executable != nil }

    private init(process: ProcessBox, port: Int) {
        self.process = process
        self.pid = process.value.processIdentifier
        self.port = port
    }

    /// At most two moto_servers start at once: a cold start imports a lot of Python, and a dozen
    /// suites starting together on two cores took a minute each.
    static let gate = StartGate(slots: 2)

    static func start(environment extra: [String: String] = [:]) async throws -> MotoServer {
        let executable = try #require(executable, "moto_server is not installed")
        await gate.enter()
        defer { Task { await gate.leave() } }
        // A port found free may be taken before moto binds it: then moto exits, and another port is tried.
        for _ in 0..<3 {
            let port = try await freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
            if !extra.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new } }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let server = MotoServer(process: ProcessBox(value: process), port: port)
            // Ready when it answers HTTP.
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline && process.isRunning {
                var request = HTTPClientRequest(url: "\(server.endpoint)/moto-api/data.json")
                request.method = .GET
                if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status.code == 200 {
                    _ = try? await response.body.collect(upTo: 64 * 1024 * 1024)
                    return server
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            let exited = !process.isRunning
            server.stop()
            if !exited { throw IngotError.failed("moto_server did not answer on port \(port) within 120 s") }
        }
        throw IngotError.failed("moto_server exited at once three times (ports taken?)")
    }

    /// A port nothing listens on right now (bound and released).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// SIGKILL: the test runner blocks SIGTERM and its children inherit the mask; moto keeps nothing on disk.
    func stop() {
        kill(pid, SIGKILL)
        process.value.waitUntilExit()
    }

    /// `POST /moto-api/reset-auth` with `count`: moto checks signatures after `count` more requests.
    func resetAuth(_ count: Int) async throws {
        var request = HTTPClientRequest(url: "\(endpoint)/moto-api/reset-auth")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain")
        request.body = .bytes(ByteBuffer(string: String(count)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1024 * 1024)
        #expect(response.status.code == 200)
    }

    func configuration(credentials: AWSCredentials = AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"),
                       region: Region = .usEast1) -> AWSConfiguration {
        AWSConfiguration(credentials: credentials, region: region,
                         endpoints: Dictionary(uniqueKeysWithValues: AWSService.allCases.map { ($0, endpoint) }))
    }

    @TaskLocal static var current: MotoServer?
}

/// A counting semaphore for async code.
actor StartGate {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    init(slots: Int) { free = slots }
    func enter() async {
        if free > 0 { free -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }
    func leave() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// Process is not Sendable; the box is only read (pid, waitUntilExit) after start.
struct ProcessBox: @unchecked Sendable { let value: Process }

/// Starts one moto_server around a suite; its tests read it from ``MotoServer/current``.
///
/// With `signatureChecks`, an IAM user with an allow-all policy and an access key is made first
/// (moto checks signatures only for keys its IAM knows), then `POST /moto-api/reset-auth 0` makes
/// moto verify the SigV4 signature (and the policy) of every later request, and the suite's tests
/// sign with that key (``MotoServer/credentials``).
struct MotoTrait: SuiteTrait, TestScoping {
    var signatureChecks: Bool
    /// Whether moto loads its catalogue of public AMIs into each account and region it serves (slow
    /// for a suite of many accounts that needs none).
    var defaultImages = true

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try await MotoServer.start(environment: defaultImages ? [:] : ["MOTO_EC2_LOAD_DEFAULT_AMIS": "false"])
        do {
            let credentials = signatureChecks ? try await server.enableSignatureChecks() : nil
            try await MotoServer.$current.withValue(server) {
                try await MotoServer.$credentials.withValue(credentials) { try await function() }
            }
        } catch {
            server.stop()
            throw error
        }
        server.stop()
    }
}

extension Trait where Self == MotoTrait {
    /// Runs the suite against its own moto_server, which checks every request's signature (pair it
    /// with `.enabled(if: MotoServer.isInstalled, MotoServer.skipMessage)`).
    static var motoServerCheckingSignatures: Self { MotoTrait(signatureChecks: true) }
    /// The suite's own moto_server without signature checks (unsigned calls such as
    /// AssumeRoleWithWebIdentity, and instance metadata).
    static var motoServer: Self { MotoTrait(signatureChecks: false) }
    /// The same without moto's public AMIs (many accounts and regions, no launches).
    static var motoServerWithoutPublicImages: Self { MotoTrait(signatureChecks: false, defaultImages: false) }
}

extension MotoServer {
    /// The access key of the suite's IAM user when moto checks signatures.
    @TaskLocal static var credentials: AWSCredentials?

    func enableSignatureChecks() async throws -> AWSCredentials {
        let client = AWSClient(configuration: configuration())
        do {
            let user = "ingot-tests"
            var q = QueryParameters(action: "CreateUser", version: "2010-05-08")
            q.set("UserName", user)
            _ = try await client.query(.iam, region: .usEast1, q)
            q = QueryParameters(action: "PutUserPolicy", version: "2010-05-08")
            q.set("UserName", user)
            q.set("PolicyName", "everything")
            q.set("PolicyDocument", MotoServer.allowEverything)
            _ = try await client.query(.iam, region: .usEast1, q)
            q = QueryParameters(action: "CreateAccessKey", version: "2010-05-08")
            q.set("UserName", user)
            let key = try await client.query(.iam, region: .usEast1, q)
            try await client.shutdown()
            let credentials = AWSCredentials(
                accessKeyId: try #require(key.string("CreateAccessKeyResult/AccessKey/AccessKeyId")),
                secretAccessKey: try #require(key.string("CreateAccessKeyResult/AccessKey/SecretAccessKey")))
            try await resetAuth(0)
            return credentials
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

extension MotoServer {
    static let skipMessage: Comment = "moto_server is not installed: pip install 'moto[server]' (.ci/run does)"

    /// The suite's server (inside a `.motoServerCheckingSignatures` suite).
    static func require() throws -> MotoServer { try #require(current, "not inside a moto suite") }
}

extension MotoServer {
    /// The inline policy the suites give their IAM users and roles (moto evaluates it once it checks signatures).
    static let allowEverything = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#

    /// IAM CreateRole of `role`, assumable by `principal`, with ``allowEverything`` inline, through
    /// `client` (its credentials' account).
    static func createRole(_ role: String, trusting principal: String = "*", client: AWSClient) async throws {
        var q = QueryParameters(action: "CreateRole", version: "2010-05-08")
        q.set("RoleName", role)
        q.set("AssumeRolePolicyDocument", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"\#(principal)"},"Action":"sts:AssumeRole"}]}"#)
        _ = try await client.query(.iam, region: .usEast1, q)
        q = QueryParameters(action: "PutRolePolicy", version: "2010-05-08")
        q.set("RoleName", role)
        q.set("PolicyName", "everything")
        q.set("PolicyDocument", allowEverything)
        _ = try await client.query(.iam, region: .usEast1, q)
    }
}

/// Unique names per test, so that tests sharing a moto_server never meet.
func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }
