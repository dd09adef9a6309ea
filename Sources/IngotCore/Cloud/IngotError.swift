/// The one error type of Ingot's library layer.
///
/// `invalidInput` is the caller's mistake (the CLI exits 2, nothing is written); `refused` is the
/// cloud saying no to a well-formed request (exit 1), carrying AWS's error code such as
/// `InvalidAMIID.NotFound` or `InvalidSnapshot.InUse`.
public struct IngotError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Malformed or out-of-range input: exit 2.
        case invalidInput
        /// The cloud refused a well-formed request (not found, in use, protected): exit 1.
        case refused
        /// Something broke while doing the work (I/O, a corrupt file): exit 1.
        case failed
    }

    public let kind: Kind
    /// AWS's error code where one exists (`InvalidAMIID.Malformed`), else nil.
    public let code: String?
    public let message: String

    public init(kind: Kind, code: String? = nil, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    /// Bad input for `field`: the message names the field and what is accepted.
    public static func invalid(_ field: String, _ message: String, code: String? = nil) -> IngotError {
        IngotError(kind: .invalidInput, code: code, message: "\(field): \(message)")
    }

    /// The cloud answered the request with an AWS error code: invalid input or a refusal as the one
    /// table of codes (``AWSErrorKind``) says, on both backends alike.
    public static func refused(_ code: String, _ message: String) -> IngotError {
        IngotError(kind: AWSErrorKind(code: code).isInvalidInput ? .invalidInput : .refused, code: code, message: message)
    }

    /// What the AWS error code says (nil for errors that carry none).
    public var awsKind: AWSErrorKind? { code.map(AWSErrorKind.init(code:)) }

    /// Auto Scaling's answer for a group that does not exist (a `ValidationError`, as AWS words it).
    public static func noSuchGroup(_ name: String, in region: Region? = nil) -> IngotError {
        .refused("ValidationError", "AutoScalingGroup name not found - no such group: \(name)\(region.map { " in \($0)" } ?? "")")
    }

    public static func failed(_ message: String) -> IngotError {
        IngotError(kind: .failed, message: message)
    }

    public var description: String {
        if let code { return "\(code): \(message)" }
        return message
    }
}
