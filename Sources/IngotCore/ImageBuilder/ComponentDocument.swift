import Foundation

/// An AWSTOE component document: the YAML `data` of an Image Builder component, as
/// [the AWSTOE document framework](https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-use-documents.html)
/// defines it. Ingot never runs a step; it checks the document as AWSTOE and Image Builder would, and
/// simulates its phases in virtual time (``simulate(phase:startingAt:timeScale:rng:durations:failing:failureRate:)``).
///
/// ```yaml
/// name: LinuxBin
/// schemaVersion: 1.0
/// phases:
///   - name: build
///     steps:
///       - name: Enable
///         action: ExecuteBash
///         onFailure: Continue
///         inputs:
///           commands: ['chmod u+x /tmp/myapplication']
/// ```
///
/// Decodable with any decoder (the CLI reads YAML with Yams). Errors are ``IngotError/invalid(_:_:code:)``
/// naming the path, e.g. `components[web-base].data.phases[0].steps[2].action`: put the document's place
/// in the larger file under ``fieldKey`` in the decoder's `userInfo`, or call
/// ``parse(_:field:decoding:)``, which also checks the length and validates. Keys the schema does not
/// have are refused at every level, since `onfailure: Ignore` would otherwise silently mean Abort.
public struct ComponentDocument: Decodable, Sendable, Hashable {
    public var name: String?
    public var description: String?
    /// "Schema version of the document, currently 1.0." YAML may give it as the number `1.0` or the
    /// string `"1.0"`; both are accepted and kept as `"1.0"`.
    public var schemaVersion: String
    /// `parameters:`, "mutable variables, with settings that the calling application can provide at runtime".
    public var parameters: [Parameter]
    /// `constants:`, "immutable variables that cannot be modified or overridden once defined".
    public var constants: [Constant]
    /// "Phases always run in the order that they are defined in the document."
    public var phases: [Phase]

    /// The only schema version AWSTOE has.
    public static let supportedSchemaVersion = "1.0"

    /// The most characters a component's `data` may have: CreateComponent's `data` is "Length
    /// Constraints: Minimum length of 1. Maximum length of 16000." with pattern `[^\x00]+`
    /// (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateComponent.html).
    public static let maximumLength = 16_000

    /// The `userInfo` key under which a decoder carries the document's place in a larger file
    /// (`components[web-base].data`); decoding errors then name paths from there.
    /// (Optional only because `CodingUserInfoKey(rawValue:)` is failable; it never fails for this name.)
    public static let fieldKey = CodingUserInfoKey(rawValue: "IngotCore.ComponentDocument.field")

    public init(name: String? = nil, description: String? = nil, parameters: [Parameter] = [], constants: [Constant] = [], phases: [Phase]) {
        self.name = name
        self.description = description
        self.schemaVersion = Self.supportedSchemaVersion
        self.parameters = parameters
        self.constants = constants
        self.phases = phases
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, description, schemaVersion, parameters, constants, phases }

    public init(from decoder: any Decoder) throws {
        let prefix = Self.fieldKey.flatMap { decoder.userInfo[$0] as? String } ?? ""
        do {
            let field = decoder.componentPath
            let c = try decoder.componentMap(CodingKeys.self, field: field)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            schemaVersion = try Self.decodeSchemaVersion(c, field: Self.join(field, "schemaVersion"))
            parameters = try c.decodeIfPresent([Parameter].self, forKey: .parameters) ?? []
            constants = try c.decodeIfPresent([Constant].self, forKey: .constants) ?? []
            phases = try c.required([Phase].self, .phases, field: field)
        } catch let e as DecodingError {
            throw Self.invalid(e, prefix: prefix)
        }
    }

    /// The number `1.0` or the string `"1.0"` (a YAML decoder hands either over as text).
    private static func decodeSchemaVersion(_ c: KeyedDecodingContainer<CodingKeys>, field: String) throws -> String {
        guard c.contains(.schemaVersion) else { throw IngotError.invalid(field, "required but missing; accepted: \(supportedSchemaVersion)") }
        let text: String
        if let s = try? c.decode(String.self, forKey: .schemaVersion) {
            text = s
        } else if let d = try? c.decode(Double.self, forKey: .schemaVersion) {
            text = d == 1 ? supportedSchemaVersion : "\(d)"
        } else {
            throw IngotError.invalid(field, "expected a version; accepted: \(supportedSchemaVersion)")
        }
        guard text == supportedSchemaVersion else {
            throw IngotError.invalid(field, "'\(text)' is not an AWSTOE schema version; accepted: \(supportedSchemaVersion)")
        }
        return text
    }

    // MARK: Parsing and validation

    /// Checks the text's length, decodes it with the caller's decoder, and validates it: the one way the
    /// CLI reads a component's `data`. `decode` receives the text and the `userInfo` to decode with
    /// (it carries `field`, so errors name paths under it).
    ///
    /// ```swift
    /// let doc = try ComponentDocument.parse(data, field: "components[web-base].data") { text, userInfo in
    ///     try YAMLDecoder().decode(ComponentDocument.self, from: text, userInfo: userInfo)
    /// }
    /// ```
    public static func parse(
        _ text: String, field: String,
        decoding decode: (_ text: String, _ userInfo: [CodingUserInfoKey: any Sendable]) throws -> ComponentDocument
    ) throws -> ComponentDocument {
        try checkLength(text, field: field)
        let document: ComponentDocument
        do {
            document = try decode(text, fieldKey.map { [$0: field] } ?? [:])
        } catch let e as IngotError {
            throw e
        } catch let e as DecodingError {
            throw invalid(e, prefix: field)
        } catch {
            throw IngotError.invalid(named(field), "not a YAML component document: \(error)")
        }
        try document.validate(field: field)
        return document
    }

    /// A component's `data` must have 1 to ``maximumLength`` characters and no NUL character (CreateComponent's
    /// constraints). Characters are counted as Unicode scalars.
    public static func checkLength(_ text: String, field: String) throws {
        let count = text.unicodeScalars.count
        guard count > 0 else { throw IngotError.invalid(named(field), "the component document is empty") }
        guard count <= maximumLength else {
            throw IngotError.invalid(named(field), "the component document has \(count) characters; Image Builder accepts at most \(maximumLength)")
        }
        guard !text.unicodeScalars.contains("\u{0}") else {
            throw IngotError.invalid(named(field), "the component document contains a NUL character")
        }
    }

    /// The rules across fields, as AWSTOE states them
    /// ([toe-use-documents](https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-use-documents.html),
    /// [toe-user-defined-variables](https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-user-defined-variables.html)):
    /// - "Each phase name must be unique within a document", and "You must include at least one of the
    ///   following phases in your document: build, validate, test".
    /// - "The step name must be unique for the phase" (the same name may appear in two phases, as in
    ///   AWS's own example, where `build` and `validate` both have a `Cleanup` step). A phase lists at
    ///   least one step (`steps` is "Required: Yes").
    /// - The names of parameters and constants: "between 3 and 128 characters", "only alphanumeric characters
    ///   (a-z, A-Z, 0-9), dashes (-), or underscores (_)", and "must not be the same as any other
    ///   parameter names or constants".
    /// - Each step's own rules: ``Step/validate(field:)``.
    ///
    /// - Parameter field: the document's place (`components[web-base].data`); errors name paths under it.
    public func validate(field: String = "") throws {
        var variables = Set<String>()
        for (i, p) in parameters.enumerated() {
            try Self.checkVariableName(p.name, field: "\(Self.join(field, "parameters"))[\(i)]", seen: &variables)
        }
        for (i, c) in constants.enumerated() {
            try Self.checkVariableName(c.name, field: "\(Self.join(field, "constants"))[\(i)]", seen: &variables)
        }
        let phasesField = Self.join(field, "phases")
        guard !phases.isEmpty else {
            throw IngotError.invalid(phasesField, "list at least one phase; accepted: \(Phase.Name.accepted)")
        }
        var seen = Set<Phase.Name>()
        for (i, phase) in phases.enumerated() {
            let f = "\(phasesField)[\(i)]"
            guard seen.insert(phase.name).inserted else {
                throw IngotError.invalid("\(f).name", "phase '\(phase.name.rawValue)' appears twice; each phase name must be unique within a document")
            }
            try phase.validate(field: f)
        }
        guard phases.contains(where: { Phase.Name.required.contains($0.name) }) else {
            throw IngotError.invalid(phasesField, "include at least one of the phases \(Phase.Name.required.map(\.rawValue).joined(separator: ", "))")
        }
    }

    private static func checkVariableName(_ name: String, field: String, seen: inout Set<String>) throws {
        let allowed = name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" }
        guard (3...128).contains(name.count), allowed else {
            throw IngotError.invalid(field, "'\(name)' is not a valid name; use 3 to 128 characters: letters, digits, '-' or '_'")
        }
        guard seen.insert(name).inserted else {
            throw IngotError.invalid(field, "'\(name)' is defined twice; parameter and constant names must be unique within a document")
        }
    }

    // MARK: Paths

    /// `base.key`, or `key` at the root.
    static func join(_ base: String, _ key: String) -> String { base.isEmpty ? key : "\(base).\(key)" }

    /// How an error names the document itself when it has no place in a larger file.
    static func named(_ base: String) -> String { base.isEmpty ? "document" : base }

    /// The prefix, then the coding path: `components[web-base].data.phases[0].steps[2]`.
    static func path(_ prefix: String, _ codingPath: [any CodingKey]) -> String {
        codingPath.reduce(prefix) { path, key in
            if let i = key.intValue { return "\(path)[\(i)]" }
            return join(path, key.stringValue)
        }
    }

    /// A decoder's type error as Ingot's error, naming where it happened. An ``IngotError`` a decoder
    /// wrapped (Yams reports every error thrown while decoding as `dataCorrupted` with it underneath)
    /// comes out as it was thrown.
    static func invalid(_ error: DecodingError, prefix: String) -> IngotError {
        switch error {
        case .dataCorrupted(let context) where context.underlyingError is IngotError:
            return context.underlyingError as? IngotError ?? .invalid(named(prefix), context.debugDescription)
        case .typeMismatch(let type, let context):
            return .invalid(named(path(prefix, context.codingPath)), "expected \(describe(type))")
        case .valueNotFound(let type, let context):
            return .invalid(named(path(prefix, context.codingPath)), "expected \(describe(type)), found nothing")
        case .keyNotFound(let key, let context):
            return .invalid(named(path(prefix, context.codingPath + [key])), "required but missing")
        case .dataCorrupted(let context):
            let detail = context.underlyingError.map { " \($0)" } ?? ""
            return .invalid(named(path(prefix, context.codingPath)), context.debugDescription + detail)
        @unknown default:
            return .invalid(named(prefix), "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") || name.hasPrefix("KeyedDecodingContainer") { return "a map" }
            return name
        }
    }
}

// MARK: - Variables

extension ComponentDocument {
    /// A `parameters:` entry, written as a map of one name to its definition:
    /// `- Source: {type: string, default: 'https://...', description: ...}`. "Supported types include: string."
    public struct Parameter: Decodable, Sendable, Hashable {
        public var name: String
        public var type: String
        /// "The default value for the parameter." None means the caller must provide it.
        public var `default`: String?
        public var description: String?

        public init(name: String, type: String = "string", default: String? = nil, description: String? = nil) {
            self.name = name
            self.type = type
            self.default = `default`
            self.description = description
        }

        public init(from decoder: any Decoder) throws {
            let (key, c) = try decoder.singleEntry(example: "- MyParameter: {type: string, default: value}")
            let body = try c.decode(Body.self, forKey: key)
            self.init(name: key.stringValue, type: body.type, default: body.default, description: body.description)
        }

        private struct Body: Decodable {
            var type: String
            var `default`: String?
            var description: String?
            enum CodingKeys: String, CodingKey, CaseIterable { case type, `default`, description }
            init(from decoder: any Decoder) throws {
                let field = decoder.componentPath
                let c = try decoder.componentMap(CodingKeys.self, field: field)
                type = try decodeVariableType(c, .type, field: field)
                `default` = try c.decodeIfPresent(String.self, forKey: .default)
                description = try c.decodeIfPresent(String.self, forKey: .description)
            }
        }
    }

    /// A `constants:` entry: `- Source: {type: string, value: 'https://...'}`. "Supported type is string."
    public struct Constant: Decodable, Sendable, Hashable {
        public var name: String
        public var type: String
        public var value: String

        public init(name: String, type: String = "string", value: String) {
            self.name = name
            self.type = type
            self.value = value
        }

        public init(from decoder: any Decoder) throws {
            let (key, c) = try decoder.singleEntry(example: "- MyConstant: {type: string, value: value}")
            let body = try c.decode(Body.self, forKey: key)
            self.init(name: key.stringValue, type: body.type, value: body.value)
        }

        private struct Body: Decodable {
            var type: String
            var value: String
            enum CodingKeys: String, CodingKey, CaseIterable { case type, value }
            init(from decoder: any Decoder) throws {
                let field = decoder.componentPath
                let c = try decoder.componentMap(CodingKeys.self, field: field)
                type = try decodeVariableType(c, .type, field: field)
                value = try c.required(String.self, .value, field: field)
            }
        }
    }
}

/// The one variable type AWSTOE has.
private func decodeVariableType<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K, field: String) throws -> String {
    let type = try c.required(String.self, key, field: field)
    guard type == "string" else {
        throw IngotError.invalid(ComponentDocument.join(field, key.stringValue), "'\(type)' is not an AWSTOE variable type; accepted: string")
    }
    return type
}

// MARK: - Phases

extension ComponentDocument {
    /// A phase: a name and the steps it runs in order.
    public struct Phase: Decodable, Sendable, Hashable {
        /// The phases Image Builder runs: "the Image Builder service uses build and validate phases
        /// during its build stage ... It uses the test and container-host-test phases during its test
        /// stage" (toe-use-documents). Other names would never run, so they are refused as typos.
        public enum Name: String, CaseIterable, Sendable, Hashable {
            case build, validate, test
            case containerHostTest = "container-host-test"

            /// "You must include at least one of the following phases in your document": build, validate, test.
            public static let required: [Name] = [.build, .validate, .test]

            static var accepted: String { allCases.map(\.rawValue).joined(separator: ", ") }
        }

        public var name: Name
        public var steps: [Step]

        public init(name: Name, steps: [Step]) {
            self.name = name
            self.steps = steps
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case name, steps }

        public init(from decoder: any Decoder) throws {
            let field = decoder.componentPath
            let c = try decoder.componentMap(CodingKeys.self, field: field)
            let text = try c.required(String.self, .name, field: field)
            guard let name = Name(rawValue: text) else {
                throw IngotError.invalid(ComponentDocument.join(field, "name"), "'\(text)' is not an AWSTOE phase; accepted: \(Name.accepted)")
            }
            self.name = name
            steps = try c.required([Step].self, .steps, field: field)
        }

        /// At least one step; "The step name must be unique for the phase"; a loop's name "must be
        /// unique compared to other loop names in the same phase"; each step's own rules.
        public func validate(field: String) throws {
            let stepsField = ComponentDocument.join(field, "steps")
            guard !steps.isEmpty else { throw IngotError.invalid(stepsField, "list at least one step") }
            var names = Set<String>(), loops = Set<String>()
            for (i, step) in steps.enumerated() {
                let f = "\(stepsField)[\(i)]"
                try step.validate(field: f)
                guard names.insert(step.name).inserted else {
                    throw IngotError.invalid("\(f).name", "step '\(step.name)' appears twice in phase '\(name.rawValue)'; step names must be unique for the phase")
                }
                if case .object(let loop)? = step.loop, case .string(let loopName)? = loop["name"], !loopName.isEmpty {
                    guard loops.insert(loopName).inserted else {
                        throw IngotError.invalid("\(f).loop.name", "loop '\(loopName)' appears twice in phase '\(name.rawValue)'; loop names must be unique in a phase")
                    }
                }
            }
        }
    }
}

// MARK: - Steps

extension ComponentDocument {
    /// What a step does when it has failed after its last attempt. AWSTOE's words
    /// ([toe-looping-constructs](https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-looping-constructs.html)):
    /// - `Abort`: "AWSTOE marks the current step as failed, and stops running the process. AWSTOE sets the
    ///   status code for the parent phase and document to Failed." "No further steps run after the failed step."
    /// - `Continue`: "AWSTOE marks the current step as failed, and continues on to run the next step.
    ///   AWSTOE sets the status code for the parent phase and document to Failed."
    /// - `Ignore`: "AWSTOE marks the current step as IgnoredFailure, and continues on to run the next step.
    ///   AWSTOE sets the status code for the parent phase and document to SuccessWithIgnoredFailure."
    public enum OnFailure: String, CaseIterable, Sendable, Hashable {
        case abort = "Abort", `continue` = "Continue", ignore = "Ignore"
    }

    /// A step: "individual units of work that define the workflow within each phase".
    public struct Step: Decodable, Sendable, Hashable {
        public var name: String
        public var action: ActionModule
        /// "Contains parameters required by the action module to run the step": a map, or a list of maps
        /// (S3Download, DeleteFile, ...), kept as written. Nil when the step has none (UpdateOS, Reboot).
        public var inputs: JSONValue?
        /// "Number of seconds that the step runs before failing or retrying. Also, supports -1 value, which
        /// indicates infinite timeout. 0 and other negative values are not allowed." Default 7,200
        /// (ExecuteDocument: -1, which it requires).
        public var timeoutSeconds: Int
        /// Default Abort.
        public var onFailure: OnFailure
        /// "Maximum number of attempts allowed before failing the step." Default 1.
        public var maxAttempts: Int
        /// The `if` construct, kept as written; "when the condition evaluates to false, AWSTOE skips the
        /// step" (toe-conditional-constructs). Ingot does not evaluate it: the simulation runs the step.
        public var condition: JSONValue?
        /// The `loop` construct (`for` or `forEach`), kept as written; see ``loopIterations``.
        public var loop: JSONValue?

        /// The default `timeoutSeconds`: "7,200 sec (120 mins)".
        public static let defaultTimeoutSeconds = 7_200

        public init(name: String, action: ActionModule, inputs: JSONValue? = nil, timeoutSeconds: Int? = nil,
                    onFailure: OnFailure = .abort, maxAttempts: Int = 1, condition: JSONValue? = nil, loop: JSONValue? = nil) {
            self.name = name
            self.action = action
            self.inputs = inputs
            self.timeoutSeconds = timeoutSeconds ?? action.defaultTimeoutSeconds
            self.onFailure = onFailure
            self.maxAttempts = maxAttempts
            self.condition = condition
            self.loop = loop
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, action, timeoutSeconds, onFailure, maxAttempts, inputs, loop
            case condition = "if"
        }

        public init(from decoder: any Decoder) throws {
            let field = decoder.componentPath
            let c = try decoder.componentMap(CodingKeys.self, field: field)
            let name = try c.required(String.self, .name, field: field)
            let actionText = try c.required(String.self, .action, field: field)
            guard let action = ActionModule(rawValue: actionText) else {
                throw IngotError.invalid(ComponentDocument.join(field, "action"),
                                         "'\(actionText)' is not an AWSTOE action module; accepted: \(ActionModule.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var onFailure = OnFailure.abort
            if let text = try c.decodeIfPresent(String.self, forKey: .onFailure) {
                guard let value = OnFailure(rawValue: text) else {
                    throw IngotError.invalid(ComponentDocument.join(field, "onFailure"),
                                             "'\(text)' is not an AWSTOE onFailure value; accepted: \(OnFailure.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                onFailure = value
            }
            self.init(name: name, action: action,
                      inputs: try c.decodeIfPresent(JSONValue.self, forKey: .inputs),
                      timeoutSeconds: try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds),
                      onFailure: onFailure,
                      maxAttempts: try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? 1,
                      condition: try c.decodeIfPresent(JSONValue.self, forKey: .condition),
                      loop: try c.decodeIfPresent(JSONValue.self, forKey: .loop))
        }

        /// A step's own rules:
        /// - a name;
        /// - `timeoutSeconds` -1 or at least 1 ("0 and other negative values are not allowed");
        /// - `maxAttempts` at least 1 (no upper bound is documented);
        /// - ExecuteDocument "runs one time, with no retries allowed, and no option to set timeout limits
        ///   ... sets the following default values, and returns an error if you try to change them":
        ///   `timeoutSeconds: -1`, `maxAttempts: 1` (toe-action-modules);
        /// - inputs the action module's table marks "Required: Yes": ExecuteBash `commands` (a list),
        ///   ExecutePowerShell `commands` or `file` ("Must specify commands or file, not both"),
        ///   ExecuteBinary `path`, ExecuteDocument `document`, Assert an operator;
        /// - a `for` loop's `updateBy` "must be a negative or positive non-zero value", and "AWSTOE verifies
        ///   the start, end, and updateBy values to ensure that the combination does not result in an
        ///   infinite loop" (checked where they are written as integers).
        public func validate(field: String) throws {
            let join = ComponentDocument.join
            guard !name.isEmpty else { throw IngotError.invalid(join(field, "name"), "a step needs a name") }
            guard timeoutSeconds == -1 || timeoutSeconds >= 1 else {
                throw IngotError.invalid(join(field, "timeoutSeconds"), "\(timeoutSeconds) is not allowed; accepted: -1 (no timeout) or at least 1")
            }
            guard maxAttempts >= 1 else {
                throw IngotError.invalid(join(field, "maxAttempts"), "\(maxAttempts) is not allowed; accepted: at least 1")
            }
            if action == .executeDocument {
                guard timeoutSeconds == -1 else {
                    throw IngotError.invalid(join(field, "timeoutSeconds"), "ExecuteDocument has no timeout; accepted: -1 (or leave it out)")
                }
                guard maxAttempts == 1 else {
                    throw IngotError.invalid(join(field, "maxAttempts"), "ExecuteDocument runs one time, with no retries; accepted: 1 (or leave it out)")
                }
            }
            try checkInputs(field: join(field, "inputs"))
            try checkLoop(field: join(field, "loop"))
        }

        private func checkInputs(field: String) throws {
            let keys: [String: JSONValue]
            if case .object(let o)? = inputs { keys = o } else { keys = [:] }
            switch action {
            case .executeBash:
                guard case .array? = keys["commands"] else {
                    throw IngotError.invalid(field, "ExecuteBash needs 'commands', a list of bash commands")
                }
            case .executePowerShell:
                guard (keys["commands"] != nil) != (keys["file"] != nil) else {
                    throw IngotError.invalid(field, "ExecutePowerShell needs 'commands' or 'file', not both")
                }
            case .executeBinary:
                guard keys["path"] != nil else { throw IngotError.invalid(field, "ExecuteBinary needs 'path', the binary to run") }
            case .executeDocument:
                guard keys["document"] != nil else { throw IngotError.invalid(field, "ExecuteDocument needs 'document', the component document to run") }
            case .assert:
                guard inputs != nil else { throw IngotError.invalid(field, "Assert needs a comparison or logical operator") }
            default:
                break
            }
        }

        private func checkLoop(field: String) throws {
            guard let loop else { return }
            guard case .object(let o) = loop else { throw IngotError.invalid(field, "expected a map with 'for' or 'forEach'") }
            guard (o["for"] != nil) != (o["forEach"] != nil) else {
                throw IngotError.invalid(field, "give exactly one of 'for' or 'forEach'")
            }
            if case .object(let f)? = o["for"], case .int(let start)? = f["start"], case .int(let end)? = f["end"], case .int(let by)? = f["updateBy"] {
                guard by != 0 else { throw IngotError.invalid("\(field).for.updateBy", "must be a negative or positive non-zero value") }
                guard start == end || (end > start) == (by > 0) else {
                    throw IngotError.invalid("\(field).for.updateBy", "\(by) never takes \(start) to \(end): the loop would not end")
                }
            }
        }

        /// How many times the loop runs, where it is written with literal values: a `for` loop with integer
        /// bounds ("The iterating values are in the set [start, end] and includes boundary values"), a
        /// `forEach` list, or a `forEach` delimited `list` without `{{ }}` expressions (the default
        /// delimiter is a comma). Nil without a loop or when the count depends on an expression.
        public var loopIterations: Int? {
            guard case .object(let o)? = loop else { return nil }
            if case .object(let f)? = o["for"], case .int(let start)? = f["start"], case .int(let end)? = f["end"], case .int(let by)? = f["updateBy"], by != 0 {
                let span = end - start
                guard span == 0 || (span > 0) == (by > 0) else { return nil }
                return Int(span / by) + 1
            }
            switch o["forEach"] {
            case .array(let values)?:
                return values.count
            case .object(let d)?:
                guard case .string(let list)? = d["list"], !list.contains("{{") else { return nil }
                var delimiter: Character = ","
                if case .string(let s)? = d["delimiter"] {
                    guard s.count == 1, let c = s.first else { return nil }
                    delimiter = c
                }
                return list.split(separator: delimiter, omittingEmptySubsequences: false).count
            default:
                return nil
            }
        }
    }
}

// MARK: - Action modules

/// The AWSTOE action modules, in the order
/// [toe-action-modules](https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-action-modules.html)
/// lists them: general execution, file download and upload, file system operations, software
/// installation, system actions.
///
/// Each has a **duration profile** for simulation: a typical duration and a spread, both in seconds;
/// an attempt takes `typical + spread × (2u − 1)` for a uniform `u` in [0, 1). These numbers are Ingot's
/// choices (AWS publishes none), meant to give pipelines a plausible shape:
///
/// | Modules | Typical | Spread |
/// | --- | --- | --- |
/// | Assert, SetRegistry, file operations (AppendFile, CopyFile, CreateFile, CreateFolder, CreateSymlink, DeleteFile, ListFiles, MoveFile, ReadFile, SetFileEncoding, SetFileOwner, SetFilePermissions) | 1 | 0.5 |
/// | Folder operations, which recurse (CopyFolder, DeleteFolder, MoveFolder, SetFolderOwner, SetFolderPermissions) | 2 | 1 |
/// | ExecuteBash | 20 | 15 |
/// | ExecutePowerShell | 25 | 15 |
/// | ExecuteBinary | 30 | 20 |
/// | ExecuteDocument (the nested document is not expanded) | 60 | 40 |
/// | S3Download, S3Upload | 15 | 10 |
/// | WebDownload | 20 | 15 |
/// | InstallMSI | 90 | 60 |
/// | UninstallMSI | 60 | 30 |
/// | Reboot (plus its `delaySeconds` input) | 60 | 20 |
/// | UpdateOS | 480 | 240 |
public enum ActionModule: String, CaseIterable, Sendable, Hashable {
    case assert = "Assert"
    case executeBash = "ExecuteBash"
    case executeBinary = "ExecuteBinary"
    case executeDocument = "ExecuteDocument"
    case executePowerShell = "ExecutePowerShell"
    case s3Download = "S3Download"
    case s3Upload = "S3Upload"
    case webDownload = "WebDownload"
    case appendFile = "AppendFile"
    case copyFile = "CopyFile"
    case copyFolder = "CopyFolder"
    case createFile = "CreateFile"
    case createFolder = "CreateFolder"
    case createSymlink = "CreateSymlink"
    case deleteFile = "DeleteFile"
    case deleteFolder = "DeleteFolder"
    case listFiles = "ListFiles"
    case moveFile = "MoveFile"
    case moveFolder = "MoveFolder"
    case readFile = "ReadFile"
    case setFileEncoding = "SetFileEncoding"
    case setFileOwner = "SetFileOwner"
    case setFolderOwner = "SetFolderOwner"
    case setFilePermissions = "SetFilePermissions"
    case setFolderPermissions = "SetFolderPermissions"
    case installMSI = "InstallMSI"
    case uninstallMSI = "UninstallMSI"
    case reboot = "Reboot"
    case setRegistry = "SetRegistry"
    case updateOS = "UpdateOS"

    /// A typical duration and how far either side of it an attempt may land, in seconds.
    public struct DurationProfile: Sendable, Hashable {
        public var typical: Double
        public var spread: Double

        public init(typical: Double, spread: Double) {
            self.typical = typical
            self.spread = spread
        }

        /// The duration for a uniform draw `u` in [0, 1): `typical - spread` at 0, `typical` at 0.5.
        public func duration(at u: Double) -> Double { max(0, typical + spread * (2 * u - 1)) }
    }

    /// Ingot's simulation profile (the table in the type's documentation).
    public var profile: DurationProfile {
        switch self {
        case .assert, .setRegistry, .appendFile, .copyFile, .createFile, .createFolder, .createSymlink, .deleteFile,
             .listFiles, .moveFile, .readFile, .setFileEncoding, .setFileOwner, .setFilePermissions:
            return DurationProfile(typical: 1, spread: 0.5)
        case .copyFolder, .deleteFolder, .moveFolder, .setFolderOwner, .setFolderPermissions:
            return DurationProfile(typical: 2, spread: 1)
        case .executeBash: return DurationProfile(typical: 20, spread: 15)
        case .executePowerShell: return DurationProfile(typical: 25, spread: 15)
        case .executeBinary: return DurationProfile(typical: 30, spread: 20)
        case .executeDocument: return DurationProfile(typical: 60, spread: 40)
        case .s3Download, .s3Upload: return DurationProfile(typical: 15, spread: 10)
        case .webDownload: return DurationProfile(typical: 20, spread: 15)
        case .installMSI: return DurationProfile(typical: 90, spread: 60)
        case .uninstallMSI: return DurationProfile(typical: 60, spread: 30)
        case .reboot: return DurationProfile(typical: 60, spread: 20)
        case .updateOS: return DurationProfile(typical: 480, spread: 240)
        }
    }

    /// The `timeoutSeconds` a step gets when it gives none: 7,200, but -1 for ExecuteDocument.
    public var defaultTimeoutSeconds: Int { self == .executeDocument ? -1 : ComponentDocument.Step.defaultTimeoutSeconds }

    /// "Step timeout is not supported for the Reboot action module, as it does not apply when the instance is rebooted."
    public var honoursTimeout: Bool { self != .reboot }
}

// MARK: - Simulation

extension ComponentDocument {
    /// One step as simulated: when it started (seconds from the simulation's origin), how long all its
    /// attempts took, how many it made, and how it ended.
    public struct StepRun: Sendable, Hashable {
        /// How a step ended, after its last attempt.
        public enum Outcome: Sendable, Hashable {
            case success
            /// Failed with `onFailure: Abort`: the phase stopped here.
            case failed(reason: String)
            /// Failed with `onFailure: Continue`: the next steps ran, the phase is Failed.
            case continued(reason: String)
            /// Failed with `onFailure: Ignore`: AWSTOE's `IgnoredFailure`.
            case ignored(reason: String)

            /// The step status AWSTOE reports: `Success`, `Failed` (Abort and Continue alike) or `IgnoredFailure`.
            public var awstoeStatus: String {
                switch self {
                case .success: return "Success"
                case .failed, .continued: return "Failed"
                case .ignored: return "IgnoredFailure"
                }
            }
        }

        public var name: String
        public var action: ActionModule
        public var start: Double
        public var duration: Double
        public var attempts: Int
        public var outcome: Outcome

        public init(name: String, action: ActionModule, start: Double, duration: Double, attempts: Int, outcome: Outcome) {
            self.name = name
            self.action = action
            self.start = start
            self.duration = duration
            self.attempts = attempts
            self.outcome = outcome
        }

        public var end: Double { start + duration }
    }

    /// One phase as simulated: its steps in order (up to an aborting step) and how it ended.
    public struct PhaseRun: Sendable, Hashable {
        /// The phase status AWSTOE reports.
        public enum Outcome: Sendable, Hashable {
            case success
            /// Every failure was ignored: "still considered a successful run".
            case successWithIgnoredFailure
            /// The first step that failed (Abort or Continue) and why.
            case failed(step: String, reason: String)

            /// `Success`, `SuccessWithIgnoredFailure` or `Failed`.
            public var awstoeStatus: String {
                switch self {
                case .success: return "Success"
                case .successWithIgnoredFailure: return "SuccessWithIgnoredFailure"
                case .failed: return "Failed"
                }
            }

            public var succeeded: Bool {
                if case .failed = self { return false }
                return true
            }
        }

        public var phase: Phase.Name
        public var start: Double
        public var steps: [StepRun]
        public var outcome: Outcome

        public init(phase: Phase.Name, start: Double, steps: [StepRun], outcome: Outcome) {
            self.phase = phase
            self.start = start
            self.steps = steps
            self.outcome = outcome
        }

        /// The time all its steps took.
        public var duration: Double { steps.reduce(0) { $0 + $1.duration } }
        public var end: Double { start + duration }
    }

    /// Simulates one phase in virtual time. A phase the document does not have runs nothing and succeeds.
    ///
    /// Each attempt of a step draws two numbers from `rng`, always in this order: its duration, then
    /// whether it fails at random (`failureRate`, 0 to 1, per attempt). Its duration is the module's
    /// profile (``ActionModule``) times `timeScale` (2 = a machine twice as slow) times the loop's
    /// iterations (``Step/loopIterations``, else 1), plus a Reboot's `delaySeconds`; or, when
    /// `durations` has the step's name, exactly that many seconds (step names are unique within a phase,
    /// so the name is enough; AWSTOE would refuse an extra key in the step itself).
    ///
    /// An attempt fails when `failing(stepName)` (an injected failure: every attempt fails), when the
    /// random draw says so, or when it runs past `timeoutSeconds` (-1 means none; Reboot has none): it
    /// then stops at the timeout with reason "timed out", and "AWSTOE runs the retry policy of the step
    /// and resets the timeout parameter for each new attempt". A failing step is tried up to
    /// `maxAttempts` times; then `onFailure` decides (``OnFailure``). The `if` construct is not
    /// evaluated: the step runs.
    public func simulate(
        phase name: Phase.Name, startingAt start: Double, timeScale: Double = 1, rng: inout some RandomNumberGenerator,
        durations: [String: Double] = [:], failing: (String) -> Bool = { _ in false }, failureRate: Double = 0
    ) -> PhaseRun {
        precondition(timeScale > 0 && timeScale.isFinite, "timeScale must be a positive number")
        var run = PhaseRun(phase: name, start: start, steps: [], outcome: .success)
        guard let phase = phases.first(where: { $0.name == name }) else { return run }
        var clock = start
        var firstFailure: (step: String, reason: String)?
        var ignored = false
        for step in phase.steps {
            let result = step.simulate(startingAt: clock, timeScale: timeScale, rng: &rng, duration: durations[step.name],
                                       injected: failing(step.name), failureRate: failureRate)
            run.steps.append(result)
            clock = result.end
            switch result.outcome {
            case .success: break
            case .ignored: ignored = true
            case .continued(let reason), .failed(let reason):
                if firstFailure == nil { firstFailure = (step.name, reason) }
            }
            if case .failed = result.outcome { break }   // Abort: "No further steps run after the failed step."
        }
        if let firstFailure {
            run.outcome = .failed(step: firstFailure.step, reason: firstFailure.reason)
        } else if ignored {
            run.outcome = .successWithIgnoredFailure
        }
        return run
    }
}

extension ComponentDocument.Step {
    func simulate(startingAt start: Double, timeScale: Double, rng: inout some RandomNumberGenerator,
                  duration override: Double?, injected: Bool, failureRate: Double) -> ComponentDocument.StepRun {
        let timeout: Double? = (timeoutSeconds == -1 || !action.honoursTimeout) ? nil : Double(timeoutSeconds)
        let iterations = Double(loopIterations ?? 1)
        var elapsed = 0.0, attempts = 0
        var reason: String?
        for _ in 0..<max(1, maxAttempts) {
            attempts += 1
            let u = Self.unit(&rng), f = Self.unit(&rng)
            let drawn = override ?? (action.profile.duration(at: u) * timeScale * iterations + rebootDelay)
            if let timeout, drawn > timeout {
                elapsed += timeout
                reason = "timed out"
                continue
            }
            elapsed += drawn
            if injected {
                reason = "injected failure"
            } else if f < failureRate {
                reason = "simulated failure"
            } else {
                reason = nil
                break
            }
        }
        let outcome: ComponentDocument.StepRun.Outcome
        switch (reason, onFailure) {
        case (nil, _): outcome = .success
        case (let r?, .abort): outcome = .failed(reason: r)
        case (let r?, .continue): outcome = .continued(reason: r)
        case (let r?, .ignore): outcome = .ignored(reason: r)
        }
        return ComponentDocument.StepRun(name: name, action: action, start: start, duration: elapsed, attempts: attempts, outcome: outcome)
    }

    /// Reboot's `delaySeconds` input ("Delays a specific amount of time before initiating a reboot",
    /// default 0) when written as a number.
    private var rebootDelay: Double {
        guard action == .reboot, case .object(let o)? = inputs else { return 0 }
        switch o["delaySeconds"] {
        case .int(let n)?: return Double(max(0, n))
        case .double(let d)?: return max(0, d)
        case .string(let s)?: return max(0, Double(s) ?? 0)
        default: return 0
        }
    }

    /// Uniform in [0, 1) from the top 53 bits of one draw (so a generator returning `1 << 63` gives 0.5).
    private static func unit(_ rng: inout some RandomNumberGenerator) -> Double {
        Double(rng.next() >> 11) * 0x1p-53
    }
}

// MARK: - Decoding helpers

extension Decoder {
    /// Where this value sits: the document's place from ``ComponentDocument/fieldKey``, then the coding path.
    var componentPath: String {
        ComponentDocument.path(ComponentDocument.fieldKey.flatMap { userInfo[$0] as? String } ?? "", codingPath)
    }

    /// A map with only the keys `K` has; the error names `field` and the accepted keys.
    func componentMap<K: CodingKey & CaseIterable>(_: K.Type, field: String) throws -> KeyedDecodingContainer<K> {
        guard let c = try? container(keyedBy: K.self) else { throw IngotError.invalid(ComponentDocument.named(field), "expected a map") }
        try refuseUnknownKeys(K.self, field: ComponentDocument.named(field))
        return c
    }

    /// A map of exactly one name to its definition, as `parameters:` and `constants:` entries are written.
    func singleEntry(example: String) throws -> (DynamicKey, KeyedDecodingContainer<DynamicKey>) {
        let field = ComponentDocument.named(componentPath)
        guard let c = try? container(keyedBy: DynamicKey.self) else {
            throw IngotError.invalid(field, "expected a map of one name to its definition, as in '\(example)'")
        }
        guard c.allKeys.count == 1, let key = c.allKeys.first else {
            throw IngotError.invalid(field, "give exactly one name per entry, as in '\(example)'; found \(c.allKeys.count)")
        }
        return (key, c)
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`; when the key is absent, the error names `field.key`.
    func required<T: Decodable>(_: T.Type, _ key: Key, field: String) throws -> T {
        guard contains(key) else { throw IngotError.invalid(ComponentDocument.join(field, key.stringValue), "required but missing") }
        return try decode(T.self, forKey: key)
    }
}
