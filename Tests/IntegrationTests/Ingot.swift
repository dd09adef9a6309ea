import Foundation
import IngotCore

/// Runs the built `ingot` binary (beside the test bundle, or INGOT_BIN) with a store in a temp folder.
struct IngotRunner {
    struct Result {
        let code: Int32
        let stdout: String
        let stderr: String
    }

    static let binary: String = {
        if let bin = ProcessInfo.processInfo.environment["INGOT_BIN"] { return bin }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // macOS bundles: .../IngotPackageTests.xctest/Contents/MacOS/IngotPackageTests
        while dir.path.contains(".xctest") { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("ingot").path
    }()

    let dir: URL
    var store: String { dir.appendingPathComponent("store.sqlite").path }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Starts `ingot args` with the runner's store; stdout and stderr go to files.
    func start(_ args: [String], env: [String: String] = [:], tag: String = UUID().uuidString) throws -> (Process, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["INGOT_STORE"] = store
        environment["INGOT_NOW"] = "2026-11-26T12:00:00Z"
        for key in ["AWS_REGION", "AWS_DEFAULT_REGION", "INGOT_ACCOUNT"] { environment[key] = nil }
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        process.currentDirectoryURL = dir
        let out = file("\(tag).out"), err = file("\(tag).err")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        return (process, out, err)
    }

    @discardableResult
    func run(_ args: String..., env: [String: String] = [:]) throws -> Result { try run(args, env: env) }

    func run(_ args: [String], env: [String: String] = [:]) throws -> Result {
        let (process, out, err) = try start(args, env: env)
        process.waitUntilExit()
        return Result(code: process.terminationStatus, stdout: read(out), stderr: read(err))
    }

    /// The same from an async test, waiting off the cooperative threads: a blocked one is a thread
    /// the suites that await timers and loopback servers do not get (there are as many as cores).
    func run(_ args: String..., env: [String: String] = [:]) async throws -> Result { try await run(args, env: env) }

    func run(_ args: [String], env: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Swift.Result { try self.run(args, env: env) }) }
        }
    }

    func read(_ path: String) -> String { String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }

    /// The output's first line, trimmed (ids printed by create/copy).
    static func firstLine(_ text: String) -> String { text.split(separator: "\n").first.map(String.init) ?? "" }

    /// A describe-images document of `count` small images (ids from `offset`), three tags each.
    func writeImages(_ name: String, count: Int, offset: Int = 0) throws -> String {
        let path = file(name)
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        handle.write(Data("{\"Images\": [\n".utf8))
        var chunk = ""
        for i in offset..<(offset + count) {
            let hex = String(i, radix: 16)
            let id = String(repeating: "0", count: 17 - hex.count) + hex
            chunk += (i == offset ? "" : ",\n") + """
                {"ImageId":"ami-\(id)","OwnerId":"123456789012","Name":"bulk-\(i)","State":"available","CreationDate":"2025-01-01T00:00:00.000Z",\
                "BlockDeviceMappings":[{"DeviceName":"/dev/xvda","Ebs":{"SnapshotId":"snap-\(id)","VolumeSize":8}}],\
                "Tags":[{"Key":"golden","Value":"false"},{"Key":"team","Value":"t\(i % 50)"},{"Key":"n","Value":"\(i)"}]}
                """
            if chunk.utf8.count > 1 << 20 { handle.write(Data(chunk.utf8)); chunk = "" }
        }
        handle.write(Data((chunk + "\n]}\n").utf8))
        return path
    }
}

/// Runs a Python script with arguments; the result's stdout and exit code.
func python(_ script: String, _ args: [String] = []) throws -> (code: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + args
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}
