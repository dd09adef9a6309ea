import Foundation
import IngotCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A strategy in another process: an executable `ingot-strategy-<name>` on PATH. Ingot writes one JSON
/// snapshot per line to its stdin and reads one JSON array of actions per line from its stdout.
/// An exit, a timeout or a malformed answer fails the rollout with a message (the protocol:
/// Examples/python-strategy/README.md).
public struct ExternalStrategy: RolloutDecider {

    public let executable: String
    public let strategyName: String
    let parameters: [String: String]
    let timeout: Double
    private let channel: Channel

    public init(executable: String, name: String, parameters: [String: String], timeout: Double = 5) {
        self.executable = executable
        self.strategyName = name
        self.parameters = parameters
        self.timeout = timeout
        self.channel = Channel()
    }

    public var instanceName: String { strategyName }

    /// `ingot-strategy-<name>` on PATH, if there is one.
    public static func find(name: String, parameters: [String: String]) throws -> ExternalStrategy? {
        let lowered = name.lowercased()
        guard lowered.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), !lowered.isEmpty else { return nil }
        let file = "ingot-strategy-\(lowered)"
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(file)"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                let timeout = ProcessInfo.processInfo.environment["INGOT_STRATEGY_TIMEOUT"].flatMap(Double.init) ?? 5
                return ExternalStrategy(executable: candidate, name: name, parameters: parameters, timeout: timeout)
            }
        }
        return nil
    }

    public mutating func decide(_ fleet: FleetSnapshot) throws -> [RolloutAction] {
        let message = Message(parameters: parameters, fleet: fleet)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(message)
        line.append(UInt8(ascii: "\n"))
        let answer = try channel.exchange(line, executable: executable, timeout: timeout)
        let decoded: [WireAction]
        do {
            decoded = try JSONDecoder().decode([WireAction].self, from: answer)
        } catch {
            let text = String(decoding: answer.prefix(200), as: UTF8.self)
            throw IngotError.failed("\(strategyName): the answer is not a JSON array of actions: \(text)")
        }
        return try decoded.map { try $0.action(strategy: strategyName) }
    }

    struct Message: Encodable {
        let parameters: [String: String]
        let fleet: FleetSnapshot
    }

    /// One action on the wire: {"action": "launch", "count": 2, "zone": 0, "serving": true}.
    struct WireAction: Decodable {
        let action: String
        let count: Int?
        let zone: Int?
        let serving: Bool?
        let outdated: Bool?
        let until: Double?
        let percentage: Int?
        let reason: String?

        func action(strategy: String) throws -> RolloutAction {
            func need<T>(_ v: T?, _ field: String) throws -> T {
                guard let v else { throw IngotError.failed("\(strategy): action '\(action)' needs '\(field)'") }
                return v
            }
            switch action {
            case "launch": return .launch(count: try need(count, "count"), zone: zone, serving: serving ?? true)
            case "terminate": return .terminate(count: try need(count, "count"), outdated: outdated ?? true)
            case "setServing", "set-serving": return .setServing(count: try need(count, "count"), outdated: outdated ?? true, serving: try need(serving, "serving"))
            case "replaceRootVolume", "replace-root-volume": return .replaceRootVolume(count: try need(count, "count"))
            case "wait": return .wait(until: try need(until, "until"))
            case "checkpoint": return .checkpoint(percentage: try need(percentage, "percentage"))
            case "rollback": return .rollback(reason: reason ?? "requested by \(strategy)")
            case "complete": return .complete
            case "fail": return .fail(reason: reason ?? "requested by \(strategy)")
            default:
                throw IngotError.failed("\(strategy): unknown action '\(action)' (accepted: launch, terminate, setServing, replaceRootVolume, wait, checkpoint, rollback, complete, fail)")
            }
        }
    }

    /// The child process and its pipes. Used by one simulation at a time (each run makes its own).
    final class Channel: @unchecked Sendable {
        private var process: Process?
        private var input: Int32 = -1
        private var output: Int32 = -1
        private var buffer: [UInt8] = []

        deinit {
            if input >= 0 { close(input) }
            if let process, process.isRunning { process.terminate() }
            if output >= 0 { close(output) }
        }

        private func start(_ executable: String) throws {
            signal(SIGPIPE, SIG_IGN)
            // A program written a moment ago can be briefly "busy" (ETXTBSY) while another process that
            // forked meanwhile still holds its write descriptor: try a few times, each with a new Process.
            var attempt = 0
            while true {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: executable)
                let stdin = Pipe(), stdout = Pipe()
                p.standardInput = stdin
                p.standardOutput = stdout
                do {
                    try p.run()
                } catch {
                    attempt += 1
                    guard attempt < 5, FileManager.default.isExecutableFile(atPath: executable) else {
                        throw IngotError.failed("could not start \(executable): \(error.localizedDescription)")
                    }
                    usleep(UInt32(50_000 * attempt))
                    continue
                }
                process = p
                input = dup(stdin.fileHandleForWriting.fileDescriptor)
                output = dup(stdout.fileHandleForReading.fileDescriptor)
                try? stdin.fileHandleForWriting.close()
                try? stdout.fileHandleForReading.close()
                return
            }
        }

        func exchange(_ line: Data, executable: String, timeout: Double) throws -> Data {
            let name = (executable as NSString).lastPathComponent
            if process == nil { try start(executable) }
            var written = 0
            try line.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                while written < raw.count {
                    let n = write(input, base + written, raw.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw IngotError.failed("\(name) stopped reading its input (exit status \(exitStatus()))")
                    }
                    written += n
                }
            }
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let answer = Data(buffer[..<newline])
                    buffer.removeSubrange(...newline)
                    return answer
                }
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { throw IngotError.failed("\(name) did not answer within \(timeout)s") }
                var fds = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
                let ready = poll(&fds, 1, Int32(min(left, 60) * 1000) + 1)
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 65_536)
                let n = read(output, &chunk, chunk.count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw IngotError.failed("\(name) exited without answering (exit status \(exitStatus()))") }
                buffer.append(contentsOf: chunk[..<n])
                if buffer.count > 16 << 20 { throw IngotError.failed("\(name) answered more than 16 MiB without a newline") }
            }
        }

        private func exitStatus() -> String {
            guard let process else { return "unknown" }
            if process.isRunning { return "still running" }
            return String(process.terminationStatus)
        }
    }
}
