import Foundation
import IngotCore
import Testing

/// AWSTOE component documents: decoded with any decoder (JSON here, YAML in the CLI), checked as AWSTOE
/// and Image Builder check them, and simulated in virtual time. Expected values come from AWS's
/// documentation and from Ingot's duration table, worked out by hand.
@Suite struct ComponentDocumentTests {
    static func decode(_ json: String) throws -> ComponentDocument {
        try JSONDecoder().decode(ComponentDocument.self, from: Data(json.utf8))
    }

    /// The CLI's path: length, decode with the caller's decoder and the field in `userInfo`, validate.
    static func parse(_ json: String, field: String = "components[web-base].data") throws -> ComponentDocument {
        try ComponentDocument.parse(json, field: field) { text, userInfo in
            let decoder = JSONDecoder()
            decoder.userInfo = userInfo
            return try decoder.decode(ComponentDocument.self, from: Data(text.utf8))
        }
    }

    /// A document with one `build` phase holding `steps` (JSON objects).
    static func build(_ steps: String...) -> String {
        #"{"schemaVersion": 1.0, "phases": [{"name": "build", "steps": ["# + steps.joined(separator: ", ") + "]}]}"
    }

    /// The error `body` throws, which must be invalid input.
    static func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch let e as IngotError {
            return e.kind == .invalidInput ? e.message : "not invalid input: \(e)"
        } catch {
            return "not an IngotError: \(error)"
        }
    }

    // MARK: AWS's examples

    /// "Document example schemas", https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-use-documents.html
    /// (RunConfig_UpdateWindows, written here as JSON).
    static let runConfigUpdateWindows = #"""
        {"name": "RunConfig_UpdateWindows",
         "description": "This document will install all available Windows updates and run a config script. It will then validate the changes before an AMI is created. Then after AMI creation, it will test all the changes.",
         "schemaVersion": 1.0,
         "phases": [
          {"name": "build", "steps": [
            {"name": "DownloadConfigScript", "action": "S3Download", "timeoutSeconds": 60, "onFailure": "Abort", "maxAttempts": 3,
             "inputs": [{"source": "s3://customer-bucket/config.ps1", "destination": "C:\\config.ps1"}]},
            {"name": "RunConfigScript", "action": "ExecutePowerShell", "timeoutSeconds": 120, "onFailure": "Abort", "maxAttempts": 3,
             "inputs": {"file": "{{build.DownloadConfigScript.inputs[0].destination}}"}},
            {"name": "Cleanup", "action": "DeleteFile", "onFailure": "Abort", "maxAttempts": 3,
             "inputs": [{"path": "{{build.DownloadConfigScript.inputs[0].destination}}"}]},
            {"name": "RebootAfterConfigApplied", "action": "Reboot", "inputs": {"delaySeconds": 60}},
            {"name": "InstallWindowsUpdates", "action": "UpdateOS"}]},
          {"name": "validate", "steps": [
            {"name": "DownloadTestConfigScript", "action": "S3Download", "timeoutSeconds": 60, "onFailure": "Abort", "maxAttempts": 3,
             "inputs": [{"source": "s3://customer-bucket/testConfig.ps1", "destination": "C:\\testConfig.ps1"}]},
            {"name": "ValidateConfigScript", "action": "ExecutePowerShell", "timeoutSeconds": 120, "onFailure": "Abort", "maxAttempts": 3,
             "inputs": {"file": "{{validate.DownloadTestConfigScript.inputs[0].destination}}"}},
            {"name": "Cleanup", "action": "DeleteFile", "onFailure": "Abort", "maxAttempts": 3,
             "inputs": [{"path": "{{validate.DownloadTestConfigScript.inputs[0].destination}}"}]}]},
          {"name": "test", "steps": [
            {"name": "DownloadTestConfigScript", "action": "S3Download", "timeoutSeconds": 60, "onFailure": "Abort", "maxAttempts": 3,
             "inputs": [{"source": "s3://customer-bucket/testConfig.ps1", "destination": "C:\\testConfig.ps1"}]},
            {"name": "ValidateConfigScript", "action": "ExecutePowerShell", "timeoutSeconds": 120, "onFailure": "Abort", "maxAttempts": 3,
             "inputs": {"file": "{{test.DownloadTestConfigScript.inputs[0].destination}}"}}]}]}
        """#

    /// "Download and run a custom Linux binary file" (LinuxBin), from the same page.
    static let linuxBin = #"""
        {"name": "LinuxBin", "description": "Download and run a custom Linux binary file.", "schemaVersion": 1.0,
         "phases": [{"name": "build", "steps": [
           {"name": "Download", "action": "S3Download", "inputs": [{"source": "s3://mybucket/myapplication", "destination": "/tmp/myapplication"}]},
           {"name": "Enable", "action": "ExecuteBash", "onFailure": "Continue", "inputs": {"commands": ["chmod u+x {{ build.Download.inputs[0].destination }}"]}},
           {"name": "Install", "action": "ExecuteBinary", "onFailure": "Continue", "inputs": {"path": "{{ build.Download.inputs[0].destination }}", "arguments": ["--install"]}},
           {"name": "Delete", "action": "DeleteFile", "inputs": [{"path": "{{ build.Download.inputs[0].destination }}"}]}]}]}
        """#

    /// Parameters and constants, from https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-user-defined-variables.html
    /// ("Refer to a parameter in loop inputs", with the constant example's `Source` added).
    static let pingHosts = #"""
        {"name": "PingHosts", "schemaVersion": "1.0",
         "parameters": [{"Hosts": {"type": "string", "default": "127.0.0.1,amazon.com", "description": "A comma separated list of hosts to ping."}}],
         "constants": [{"Source": {"type": "string", "value": "https://awscli.amazonaws.com/AWSCLIV2.msi"}}],
         "phases": [{"name": "build", "steps": [
           {"name": "Ping", "action": "ExecuteBash", "loop": {"forEach": {"list": "{{ Hosts }}", "delimiter": ","}},
            "inputs": {"commands": ["ping -c 4 {{ loop.value }}"]}}]}]}
        """#

    @Test("AWS's RunConfig_UpdateWindows example decodes and validates, with AWSTOE's defaults where it gives none")
    func awsExampleDecodes() throws {
        let doc = try Self.parse(Self.runConfigUpdateWindows)
        #expect(doc.name == "RunConfig_UpdateWindows" && doc.schemaVersion == "1.0")
        #expect(doc.phases.map(\.name) == [.build, .validate, .test])
        #expect(doc.phases.map(\.steps.count) == [5, 3, 2])
        let build = doc.phases[0].steps
        #expect(build[0].action == .s3Download && build[0].timeoutSeconds == 60 && build[0].maxAttempts == 3)
        #expect(build[0].inputs == .array([.object(["source": .string("s3://customer-bucket/config.ps1"), "destination": .string(#"C:\config.ps1"#)])]))
        // "RebootAfterConfigApplied" gives no timeoutSeconds, onFailure or maxAttempts: 7,200, Abort, 1.
        #expect(build[3] == ComponentDocument.Step(name: "RebootAfterConfigApplied", action: .reboot, inputs: .object(["delaySeconds": .int(60)]),
                                                   timeoutSeconds: 7_200, onFailure: .abort, maxAttempts: 1))
        #expect(build[4].action == .updateOS && build[4].inputs == nil)
        // `Cleanup` is in build and in validate: step names are unique per phase, not per document.
        #expect(doc.phases[1].steps[2].name == "Cleanup")
    }

    @Test("AWS's LinuxBin and PingHosts examples validate; parameters and constants keep their definitions")
    func variablesExample() throws {
        #expect(try Self.parse(Self.linuxBin).phases[0].steps.map(\.onFailure) == [.abort, .continue, .continue, .abort])
        let ping = try Self.parse(Self.pingHosts)
        #expect(ping.parameters == [ComponentDocument.Parameter(name: "Hosts", default: "127.0.0.1,amazon.com", description: "A comma separated list of hosts to ping.")])
        #expect(ping.constants == [ComponentDocument.Constant(name: "Source", value: "https://awscli.amazonaws.com/AWSCLIV2.msi")])
        // The loop's list is a parameter: its length is unknown until run time.
        #expect(ping.phases[0].steps[0].loopIterations == nil)
    }

    // MARK: Decoding errors

    @Test("schemaVersion is 1.0, as a number or a string; anything else is refused")
    func schemaVersion() throws {
        #expect(try Self.decode(#"{"schemaVersion": 1.0, "phases": []}"#).schemaVersion == "1.0")
        #expect(try Self.decode(#"{"schemaVersion": "1.0", "phases": []}"#).schemaVersion == "1.0")
        #expect(Self.message { _ = try Self.decode(#"{"schemaVersion": "2.0", "phases": []}"#) }
            == "schemaVersion: '2.0' is not an AWSTOE schema version; accepted: 1.0")
        #expect(Self.message { _ = try Self.decode(#"{"phases": []}"#) } == "schemaVersion: required but missing; accepted: 1.0")
    }

    @Test("An unknown action module is refused naming the step's path and listing every AWSTOE module")
    func unknownActionModule() {
        let json = Self.build(#"{"name": "A", "action": "CreateFolder", "inputs": [{"path": "/opt/a"}]}"#,
                              #"{"name": "B", "action": "CreateFolder", "inputs": [{"path": "/opt/b"}]}"#,
                              #"{"name": "C", "action": "ExecuteBsh", "inputs": {"commands": ["true"]}}"#)
        // The 30 modules of https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-action-modules.html, in its order.
        let accepted = "Assert, ExecuteBash, ExecuteBinary, ExecuteDocument, ExecutePowerShell, S3Download, S3Upload, WebDownload, "
            + "AppendFile, CopyFile, CopyFolder, CreateFile, CreateFolder, CreateSymlink, DeleteFile, DeleteFolder, ListFiles, MoveFile, "
            + "MoveFolder, ReadFile, SetFileEncoding, SetFileOwner, SetFolderOwner, SetFilePermissions, SetFolderPermissions, "
            + "InstallMSI, UninstallMSI, Reboot, SetRegistry, UpdateOS"
        #expect(Self.message { _ = try Self.parse(json) }
            == "components[web-base].data.phases[0].steps[2].action: 'ExecuteBsh' is not an AWSTOE action module; accepted: \(accepted)")
        #expect(ActionModule.allCases.count == 30)
    }

    @Test("Decoding errors name the field: unknown keys, bad enum values, missing keys, wrong types, variable entries")
    func decodingErrorsNameTheirField() {
        let step = #""name": "Run", "action": "ExecuteBash", "inputs": {"commands": ["true"]}"#
        let cases: [(String, String)] = [
            (#"{"schemaVersion": 1.0, "phase": []}"#, "document: unknown key 'phase'"),
            (Self.build("{\(step), \"timeout\": 60}"), "phases[0].steps[0]: unknown key 'timeout'"),
            (Self.build("{\(step), \"onFailure\": \"Retry\"}"), "phases[0].steps[0].onFailure: 'Retry' is not an AWSTOE onFailure value; accepted: Abort, Continue, Ignore"),
            (Self.build("{\(step), \"timeoutSeconds\": \"sixty\"}"), "phases[0].steps[0].timeoutSeconds: expected an integer"),
            (Self.build(#"{"name": "Run"}"#), "phases[0].steps[0].action: required but missing"),
            (#"{"schemaVersion": 1.0, "phases": [{"name": "deploy", "steps": []}]}"#,
             "phases[0].name: 'deploy' is not an AWSTOE phase; accepted: build, validate, test, container-host-test"),
            (#"{"schemaVersion": 1.0, "phases": [{"name": "build"}]}"#, "phases[0].steps: required but missing"),
            (#"{"schemaVersion": 1.0, "parameters": [{"Source": {"type": "int"}}], "phases": []}"#,
             "parameters[0].Source.type: 'int' is not an AWSTOE variable type; accepted: string"),
            (#"{"schemaVersion": 1.0, "parameters": [{"Source": {"type": "string", "value": "x"}}], "phases": []}"#,
             "parameters[0].Source: unknown key 'value'"),
            (#"{"schemaVersion": 1.0, "constants": [{"Source": {"type": "string"}}], "phases": []}"#, "constants[0].Source.value: required but missing"),
            (#"{"schemaVersion": 1.0, "constants": [{"A1b": {"type": "string", "value": "a"}, "B2c": {"type": "string", "value": "b"}}], "phases": []}"#,
             "constants[0]: give exactly one name per entry"),
        ]
        for (json, expected) in cases {
            let message = Self.message { _ = try Self.decode(json) }
            #expect(message.hasPrefix(expected), "\(json)\n  → \(message)")
        }
        // Through parse, the same errors carry the document's place in the file.
        #expect(Self.message { _ = try Self.parse(Self.build("{\(step), \"onFailure\": \"Retry\"}")) }
            .hasPrefix("components[web-base].data.phases[0].steps[0].onFailure: 'Retry'"))
        #expect(Self.message { _ = try Self.parse(Self.build("{\(step), \"timeoutSeconds\": \"sixty\"}")) }
            == "components[web-base].data.phases[0].steps[0].timeoutSeconds: expected an integer")
        // Yams reports any error thrown while decoding as `dataCorrupted` with it underneath: parse unwraps it.
        let wrapped = Self.message {
            _ = try ComponentDocument.parse(Self.build("{\(step), \"onFailure\": \"Retry\"}"), field: "components[web-base].data") { text, userInfo in
                let decoder = JSONDecoder()
                decoder.userInfo = userInfo
                do { return try decoder.decode(ComponentDocument.self, from: Data(text.utf8)) } catch {
                    throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "The given data was not valid YAML.", underlyingError: error))
                }
            }
        }
        #expect(wrapped.hasPrefix("components[web-base].data.phases[0].steps[0].onFailure: 'Retry' is not an AWSTOE onFailure value"), "\(wrapped)")
    }

    // MARK: Validation

    @Test("Step names must be unique within a phase; the same name in another phase is fine")
    func duplicateStepNames() {
        let install = #"{"name": "Install", "action": "ExecuteBash", "inputs": {"commands": ["true"]}}"#
        #expect(Self.message { _ = try Self.parse(Self.build(install, install)) }
            == "components[web-base].data.phases[0].steps[1].name: step 'Install' appears twice in phase 'build'; step names must be unique for the phase")
        let twoPhases = #"{"schemaVersion": 1.0, "phases": [{"name": "build", "steps": [\#(install)]}, {"name": "test", "steps": [\#(install)]}]}"#
        #expect(Self.message { _ = try Self.parse(twoPhases) } == "no error")
    }

    @Test("A document needs phases, each named once, each with steps, and one of build, validate or test")
    func phaseRules() {
        let step = #"{"name": "Run", "action": "ExecuteBash", "inputs": {"commands": ["true"]}}"#
        let cases: [(String, String)] = [
            (#"{"schemaVersion": 1.0, "phases": []}"#, "phases: list at least one phase; accepted: build, validate, test, container-host-test"),
            (#"{"schemaVersion": 1.0, "phases": [{"name": "build", "steps": []}]}"#, "phases[0].steps: list at least one step"),
            (#"{"schemaVersion": 1.0, "phases": [{"name": "build", "steps": [\#(step)]}, {"name": "build", "steps": [\#(step)]}]}"#,
             "phases[1].name: phase 'build' appears twice; each phase name must be unique within a document"),
            (#"{"schemaVersion": 1.0, "phases": [{"name": "container-host-test", "steps": [\#(step)]}]}"#,
             "phases: include at least one of the phases build, validate, test"),
        ]
        for (json, expected) in cases {
            #expect(Self.message { try Self.decode(json).validate() } == expected, "\(json)")
        }
    }

    @Test("Step values are checked naming the field: timeoutSeconds, maxAttempts, ExecuteDocument's fixed values, required inputs, loops, variable names")
    func stepRules() {
        let bash = #""action": "ExecuteBash", "inputs": {"commands": ["true"]}"#
        let cases: [(String, String)] = [
            (Self.build(#"{"name": "A", \#(bash), "timeoutSeconds": 0}"#), "phases[0].steps[0].timeoutSeconds: 0 is not allowed; accepted: -1 (no timeout) or at least 1"),
            (Self.build(#"{"name": "A", \#(bash), "timeoutSeconds": -2}"#), "phases[0].steps[0].timeoutSeconds: -2 is not allowed"),
            (Self.build(#"{"name": "A", \#(bash), "maxAttempts": 0}"#), "phases[0].steps[0].maxAttempts: 0 is not allowed; accepted: at least 1"),
            (Self.build(#"{"name": "A", "action": "ExecuteBash", "inputs": {"command": ["true"]}}"#), "phases[0].steps[0].inputs: ExecuteBash needs 'commands'"),
            (Self.build(#"{"name": "A", "action": "ExecuteBash"}"#), "phases[0].steps[0].inputs: ExecuteBash needs 'commands'"),
            (Self.build(#"{"name": "A", "action": "ExecutePowerShell", "inputs": {"commands": ["Write-Host 1"], "file": "C:\\a.ps1"}}"#),
             "phases[0].steps[0].inputs: ExecutePowerShell needs 'commands' or 'file', not both"),
            (Self.build(#"{"name": "A", "action": "ExecuteBinary", "inputs": {"arguments": ["--install"]}}"#), "phases[0].steps[0].inputs: ExecuteBinary needs 'path'"),
            (Self.build(#"{"name": "A", "action": "ExecuteDocument", "maxAttempts": 2, "inputs": {"document": "doc.yaml"}}"#),
             "phases[0].steps[0].maxAttempts: ExecuteDocument runs one time, with no retries"),
            (Self.build(#"{"name": "A", "action": "ExecuteDocument", "timeoutSeconds": 600, "inputs": {"document": "doc.yaml"}}"#),
             "phases[0].steps[0].timeoutSeconds: ExecuteDocument has no timeout"),
            (Self.build(#"{"name": "A", \#(bash), "loop": {"for": {"start": 1, "end": 5, "updateBy": 0}}}"#),
             "phases[0].steps[0].loop.for.updateBy: must be a negative or positive non-zero value"),
            (Self.build(#"{"name": "A", \#(bash), "loop": {"for": {"start": 1, "end": 5, "updateBy": -1}}}"#),
             "phases[0].steps[0].loop.for.updateBy: -1 never takes 1 to 5"),
            (Self.build(#"{"name": "A", \#(bash), "loop": {"name": "L1", "forEach": ["x"]}}"#, #"{"name": "B", \#(bash), "loop": {"name": "L1", "forEach": ["y"]}}"#),
             "phases[0].steps[1].loop.name: loop 'L1' appears twice in phase 'build'"),
            (#"{"schemaVersion": 1.0, "parameters": [{"ab": {"type": "string"}}], "phases": [{"name": "build", "steps": [{"name": "A", \#(bash)}]}]}"#,
             "parameters[0]: 'ab' is not a valid name; use 3 to 128 characters: letters, digits, '-' or '_'"),
            (#"{"schemaVersion": 1.0, "parameters": [{"ntp.server": {"type": "string"}}], "phases": [{"name": "build", "steps": [{"name": "A", \#(bash)}]}]}"#,
             "parameters[0]: 'ntp.server' is not a valid name"),
            (#"{"schemaVersion": 1.0, "parameters": [{"Source": {"type": "string"}}], "constants": [{"Source": {"type": "string", "value": "x"}}], "phases": [{"name": "build", "steps": [{"name": "A", \#(bash)}]}]}"#,
             "constants[0]: 'Source' is defined twice; parameter and constant names must be unique within a document"),
        ]
        for (json, expected) in cases {
            let message = Self.message { try Self.decode(json).validate() }
            #expect(message.hasPrefix(expected), "\(json)\n  → \(message)")
        }
        // -1 is "infinite timeout"; ExecuteDocument's defaults (-1, 1) are what it gets when it gives none.
        #expect(Self.message { _ = try Self.parse(Self.build(#"{"name": "A", \#(bash), "timeoutSeconds": -1}"#)) } == "no error")
        #expect(Self.message { _ = try Self.parse(Self.build(#"{"name": "A", "action": "ExecuteDocument", "inputs": {"document": "doc.yaml"}}"#)) } == "no error")
        #expect(Self.message { try Self.decode(Self.build(#"{"name": "A", \#(bash), "maxAttempts": 0}"#)).validate(field: "components[0].data") }
            .hasPrefix("components[0].data.phases[0].steps[0].maxAttempts: "))
    }

    @Test("The document text has 1 to 16,000 characters (CreateComponent's data), counted as characters, not bytes")
    func lengthLimit() {
        let field = "components[web-base].data"
        #expect(ComponentDocument.maximumLength == 16_000)
        #expect(Self.message { try ComponentDocument.checkLength(String(repeating: "a", count: 16_000), field: field) } == "no error")
        #expect(Self.message { try ComponentDocument.checkLength(String(repeating: "é", count: 16_000), field: field) } == "no error")
        #expect(Self.message { try ComponentDocument.checkLength(String(repeating: "a", count: 16_001), field: field) }
            == "components[web-base].data: the component document has 16001 characters; Image Builder accepts at most 16000")
        #expect(Self.message { try ComponentDocument.checkLength("", field: field) } == "components[web-base].data: the component document is empty")
        #expect(Self.message { try ComponentDocument.checkLength("name: a\u{0}", field: field) } == "components[web-base].data: the component document contains a NUL character")
        // parse checks the length before decoding anything.
        let padded = Self.build(#"{"name": "A", "action": "ExecuteBash", "inputs": {"commands": ["\#(String(repeating: "x", count: 16_000))"]}}"#)
        #expect(Self.message { _ = try Self.parse(padded) }.hasPrefix("components[web-base].data: the component document has "))
    }

    // MARK: Simulation

    /// SplitMix64 (Steele, Lea and Flood), written out here so the test does not lean on Ingot's generator.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Returns `values` in turn, forever. `1 << 63` is the uniform draw 0.5, `0` is 0, `3 << 62` is 0.75.
    struct Scripted: RandomNumberGenerator {
        var values: [UInt64]
        var index = 0
        mutating func next() -> UInt64 {
            defer { index += 1 }
            return values[index % values.count]
        }
    }

    /// Every draw 0.5: each attempt takes its module's typical duration and fails at random only above rate 0.5.
    static var midpoint: Scripted { Scripted(values: [1 << 63]) }

    typealias StepRun = ComponentDocument.StepRun

    @Test("Durations are the same for the same seed, differ for another, and stay within each module's spread")
    func deterministicDurations() throws {
        let doc = try Self.parse(Self.build(#"{"name": "Get", "action": "S3Download", "inputs": [{"source": "s3://b/k", "destination": "/tmp/k"}]}"#,
                                           #"{"name": "Run", "action": "ExecuteBash", "inputs": {"commands": ["true"]}}"#))
        func run(seed: UInt64) -> ComponentDocument.PhaseRun {
            var rng = SplitMix64(state: seed)
            return doc.simulate(phase: .build, startingAt: 0, rng: &rng)
        }
        #expect(run(seed: 42) == run(seed: 42))
        #expect(run(seed: 42).steps.map(\.duration) != run(seed: 43).steps.map(\.duration))
        for seed in UInt64(1)...50 {
            let steps = run(seed: seed).steps
            #expect(steps[0].duration >= 5 && steps[0].duration < 25)   // S3Download: 15 ± 10
            #expect(steps[1].duration >= 5 && steps[1].duration < 35)   // ExecuteBash: 20 ± 15
            #expect(steps[1].start == steps[0].duration)
        }
    }

    @Test("AWS's example build phase at the typical durations: S3Download 15, ExecutePowerShell 25, DeleteFile 1, Reboot 60 after its 60 s delay, UpdateOS 480")
    func exampleTimeline() throws {
        let doc = try Self.parse(Self.runConfigUpdateWindows)
        var rng = Self.midpoint
        let run = doc.simulate(phase: .build, startingAt: 100, rng: &rng)
        #expect(run.steps.map(\.start) == [100, 115, 140, 141, 261])
        #expect(run.steps.map(\.duration) == [15, 25, 1, 120, 480])
        #expect(run.duration == 641 && run.end == 741 && run.outcome == .success && run.outcome.awstoeStatus == "Success")
        // At draw 0 every attempt takes typical − spread; a time scale of 2 doubles the drawn part.
        var zero = Scripted(values: [0])
        #expect(doc.simulate(phase: .build, startingAt: 0, timeScale: 2, rng: &zero).steps.map(\.duration) == [10, 20, 1, 140, 480])
    }

    @Test("Abort: the failed step ends the phase as Failed and no further steps run")
    func abortStops() throws {
        let doc = try Self.parse(Self.build(#"{"name": "Prepare", "action": "CreateFolder", "inputs": [{"path": "/opt/app"}]}"#,
                                           #"{"name": "Install", "action": "ExecuteBash", "maxAttempts": 2, "inputs": {"commands": ["./install.sh"]}}"#,
                                           #"{"name": "Verify", "action": "ExecuteBash", "inputs": {"commands": ["./verify.sh"]}}"#))
        var rng = Self.midpoint
        let run = doc.simulate(phase: .build, startingAt: 1000, rng: &rng, failing: { $0 == "Install" })
        #expect(run.steps == [StepRun(name: "Prepare", action: .createFolder, start: 1000, duration: 1, attempts: 1, outcome: .success),
                              StepRun(name: "Install", action: .executeBash, start: 1001, duration: 40, attempts: 2, outcome: .failed(reason: "injected failure"))])
        #expect(run.outcome == .failed(step: "Install", reason: "injected failure") && run.end == 1041 && !run.outcome.succeeded)
    }

    @Test("Continue: the step is Failed, the next steps run, and the phase is Failed (AWS's LinuxBin example)")
    func continueRunsOn() throws {
        let doc = try Self.parse(Self.linuxBin)
        var rng = Self.midpoint
        let run = doc.simulate(phase: .build, startingAt: 0, rng: &rng, failing: { $0 == "Enable" || $0 == "Install" })
        #expect(run.steps.map(\.name) == ["Download", "Enable", "Install", "Delete"])
        #expect(run.steps.map(\.outcome) == [.success, .continued(reason: "injected failure"), .continued(reason: "injected failure"), .success])
        #expect(run.steps[1].outcome.awstoeStatus == "Failed")
        #expect(run.steps.map(\.start) == [0, 15, 35, 65] && run.duration == 66)   // 15 + 20 + 30 + 1
        #expect(run.outcome == .failed(step: "Enable", reason: "injected failure") && run.outcome.awstoeStatus == "Failed")
    }

    @Test("Ignore: the step is IgnoredFailure, the next steps run, and the phase is SuccessWithIgnoredFailure")
    func ignoreSucceeds() throws {
        let doc = try Self.parse(Self.build(#"{"name": "Optional", "action": "ExecuteBash", "onFailure": "Ignore", "inputs": {"commands": ["./optional.sh"]}}"#,
                                           #"{"name": "Main", "action": "ExecuteBash", "inputs": {"commands": ["./main.sh"]}}"#))
        var rng = Self.midpoint
        let run = doc.simulate(phase: .build, startingAt: 0, rng: &rng, failing: { $0 == "Optional" })
        #expect(run.steps.map(\.outcome) == [.ignored(reason: "injected failure"), .success])
        #expect(run.steps[0].outcome.awstoeStatus == "IgnoredFailure")
        #expect(run.outcome == .successWithIgnoredFailure && run.outcome.succeeded && run.outcome.awstoeStatus == "SuccessWithIgnoredFailure")
    }

    @Test("maxAttempts: an injected failure fails every attempt; a random failure is drawn per attempt and a retry can succeed")
    func retries() throws {
        let doc = try Self.parse(Self.build(#"{"name": "Flaky", "action": "ExecuteBash", "maxAttempts": 3, "inputs": {"commands": ["./flaky.sh"]}}"#))
        var rng = Self.midpoint
        let injected = doc.simulate(phase: .build, startingAt: 0, rng: &rng, failing: { _ in true })
        #expect(injected.steps == [StepRun(name: "Flaky", action: .executeBash, start: 0, duration: 60, attempts: 3, outcome: .failed(reason: "injected failure"))])
        // Draws per attempt: duration, then failure. Attempt 1: 0.5, 0 (fails at rate 0.5); attempt 2: 0.5, 0.75 (passes).
        var scripted = Scripted(values: [1 << 63, 0, 1 << 63, 3 << 62])
        let random = doc.simulate(phase: .build, startingAt: 0, rng: &scripted, failureRate: 0.5)
        #expect(random.steps == [StepRun(name: "Flaky", action: .executeBash, start: 0, duration: 40, attempts: 2, outcome: .success)])
        var always = Self.midpoint
        let exhausted = doc.simulate(phase: .build, startingAt: 0, rng: &always, failureRate: 1)
        #expect(exhausted.outcome == .failed(step: "Flaky", reason: "simulated failure") && exhausted.steps[0].attempts == 3)
    }

    @Test("A step that runs past timeoutSeconds fails at the timeout with reason 'timed out', and is retried; Reboot has no timeout")
    func timeouts() throws {
        let doc = try Self.parse(Self.build(#"{"name": "Slow", "action": "ExecuteBash", "timeoutSeconds": 10, "maxAttempts": 2, "onFailure": "Continue", "inputs": {"commands": ["sleep 20"]}}"#,
                                           #"{"name": "Restart", "action": "Reboot", "timeoutSeconds": 5, "inputs": {"delaySeconds": 60}}"#))
        var rng = Self.midpoint
        let run = doc.simulate(phase: .build, startingAt: 0, rng: &rng)
        #expect(run.steps == [StepRun(name: "Slow", action: .executeBash, start: 0, duration: 20, attempts: 2, outcome: .continued(reason: "timed out")),
                              StepRun(name: "Restart", action: .reboot, start: 20, duration: 120, attempts: 1, outcome: .success)])
        #expect(run.outcome == .failed(step: "Slow", reason: "timed out"))
    }

    @Test("A duration override is taken as given (not scaled) and still meets the default 7,200 s timeout")
    func durationOverrides() throws {
        let doc = try Self.parse(Self.build(#"{"name": "Compile", "action": "ExecuteBash", "inputs": {"commands": ["make"]}}"#,
                                           #"{"name": "Soak", "action": "ExecuteBash", "inputs": {"commands": ["./soak.sh"]}}"#))
        var rng = Self.midpoint
        let run = doc.simulate(phase: .build, startingAt: 0, timeScale: 2, rng: &rng, durations: ["Compile": 300, "Soak": 9_000])
        #expect(run.steps == [StepRun(name: "Compile", action: .executeBash, start: 0, duration: 300, attempts: 1, outcome: .success),
                              StepRun(name: "Soak", action: .executeBash, start: 300, duration: 7_200, attempts: 1, outcome: .failed(reason: "timed out"))])
    }

    @Test("Loops written with literal values multiply a step's duration by their iterations; a missing phase runs nothing")
    func loopsAndMissingPhases() throws {
        let doc = try Self.parse(Self.build(
            #"{"name": "EachScript", "action": "ExecuteBash", "loop": {"name": "BatchExecLoop", "forEach": ["/tmp/script1.sh", "/tmp/script2.sh", "/tmp/script3.sh"]}, "inputs": {"commands": ["sh \"{{ loop.value }}\""]}}"#,
            #"{"name": "Odd", "action": "ExecuteBash", "loop": {"for": {"start": 1, "end": 5, "updateBy": 2}}, "inputs": {"commands": ["echo {{ loop.value }}"]}}"#,
            #"{"name": "Upload", "action": "S3Upload", "loop": {"forEach": {"list": "/tmp/m1.txt,/tmp/m2.txt,/tmp/m3.txt,/tmp/m4.txt"}}, "inputs": [{"source": "{{ loop.value }}", "destination": "s3://bucket/key/"}]}"#))
        #expect(doc.phases[0].steps.map(\.loopIterations) == [3, 3, 4])   // 1, 3, 5; four paths split on ","
        var rng = Self.midpoint
        #expect(doc.simulate(phase: .build, startingAt: 0, rng: &rng).steps.map(\.duration) == [60, 60, 60])   // 3×20, 3×20, 4×15
        let test = doc.simulate(phase: .test, startingAt: 50, rng: &rng)
        #expect(test == ComponentDocument.PhaseRun(phase: .test, start: 50, steps: [], outcome: .success))
    }
}
