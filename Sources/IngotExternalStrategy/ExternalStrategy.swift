import Foundation
import IngotCore
import IngotRollout
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

    /// `ingot-strategy-<name>` in `searchPath` (a PATH: directories separated by colons), if there is one.
    public static func find(name: String, parameters: [String: String], searchPath: String, timeout: Double = 5) -> ExternalStrategy? {
        let lowered = name.lowercased()
        guard lowered.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), !lowered.isEmpty else { return nil }
        let file = "ingot-strategy-\(lowered)"
        for dir in searchPath.split(separator: ":") {
            let candidate = "\(dir)/\(file)"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return ExternalStrategy(executable: candidate, name: name, parameters: parameters, timeout: timeout)
            }
        }
        return nil
    }

    /// Every `ingot-strategy-*` executable in `searchPath`, the first of each name.
    public static func installed(searchPath: String) -> [(name: String, path: String)] {
        var seen = Set<String>(), found: [(name: String, path: String)] = []
        for dir in searchPath.split(separator: ":") {
            for file in ((try? FileManager.default.contentsOfDirectory(atPath: String(dir))) ?? []).sorted() where file.hasPrefix("ingot-strategy-") {
                let name = String(file.dropFirst("ingot-strategy-".count))
                guard FileManager.default.isExecutableFile(atPath: "\(dir)/\(file)"), seen.insert(name).inserted else { continue }
                found.append((name, "\(dir)/\(file)"))
            }
        }
        return found
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
            case "launchBaseline", "launch-baseline": return .launchBaseline(count: try need(count, "count"))
            case "terminateBaseline", "terminate-baseline": return .terminateBaseline(count: try need(count, "count"))
            case "terminate": return .terminate(count: try need(count, "count"), outdated: outdated ?? true)
            case "setServing", "set-serving": return .setServing(count: try need(count, "count"), outdated: outdated ?? true, serving: try need(serving, "serving"))
            case "replaceRootVolume", "replace-root-volume": return .replaceRootVolume(count: try need(count, "count"))
            case "wait": return .wait(until: try need(until, "until"))
            case "checkpoint": return .checkpoint(percentage: try need(percentage, "percentage"))
            case "rollback": return .rollback(reason: reason ?? "requested by \(strategy)")
            case "complete": return .complete
            case "fail": return .fail(reason: reason ?? "requested by \(strategy)")
            default:
                throw IngotError.failed("\(strategy): unknown action '\(action)' (accepted: launch, launchBaseline, terminateBaseline, terminate, setServing, replaceRootVolume, wait, checkpoint, rollback, complete, fail)")
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
            var failed = false
            Self.withoutSIGPIPE {
                line.withUnsafeBytes { raw in
                    guard let base = raw.baseAddress else { return }
                    while written < raw.count {
                        let n = write(input, base + written, raw.count - written)
                        if n < 0 {
                            if errno == EINTR { continue }
                            failed = true
                            return
                        }
                        written += n
                    }
                }
            }
            if failed { throw IngotError.failed("\(name) stopped reading its input (exit status \(exitStatus()))") }
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

        /// Runs `body` (synchronous writes to the child's stdin) with SIGPIPE blocked on this thread only:
        /// a write to a child that exited then fails with EPIPE instead of killing the process, and the
        /// signal the write raised is discarded before the mask is restored. No process-wide signal setting changes.
        static func withoutSIGPIPE(_ body: () -> Void) {
            var pipe = sigset_t(), previous = sigset_t()
            sigemptyset(&pipe)
            sigaddset(&pipe, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipe, &previous)
            // A SIGPIPE pending before (for another reason) is not ours to discard.
            var before = sigset_t()
            sigpending(&before)
            body()
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 && sigismember(&before, SIGPIPE) == 0 {
                var now = timespec(tv_sec: 0, tv_nsec: 0)
                _ = sigtimedwait(&pipe, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }

        private func exitStatus() -> String {
            guard let process else { return "unknown" }
            if process.isRunning { return "still running" }
            return String(process.terminationStatus)
        }
    }
}

extension StrategyRegistry {
    /// A strategy by name: one the program links, else an `ingot-strategy-<name>` executable in
    /// `searchPath` (the caller passes its PATH); unknown parameters of a linked one are refused.
    public func make(_ name: String, parameters: [String: String], searchPath: String, timeout: Double = 5) throws -> any RolloutDecider {
        if find(name) != nil { return try make(name, parameters: parameters) }
        if let external = ExternalStrategy.find(name: name, parameters: parameters, searchPath: searchPath, timeout: timeout) { return external }
        let names = strategies.map { $0.name }.joined(separator: ", ")
        throw IngotError.invalid("strategy", "'\(name)' is not one of \(names), and no ingot-strategy-\(name.lowercased()) is on PATH")
    }
}

