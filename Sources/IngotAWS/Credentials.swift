import Foundation

/// An access key pair, optionally with a session token (temporary credentials).
///
/// The secret and the token never appear in `description`, `debugDescription`, `dump` or string
/// interpolation: only the last four characters of the access key id do, as `aws configure list`
/// shows them.
///
/// ```swift
/// let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: secret)
/// print(credentials)  // AWSCredentials(accessKeyId: ****MPLE, secretAccessKey: <redacted>)
/// ```
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let accessKeyId: String
    public let secretAccessKey: String
    public let sessionToken: String?
    /// When temporary credentials stop working (nil: long-term keys).
    public let expiration: Date?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// The access key id with all but its last four characters masked.
    public var maskedAccessKeyId: String { "****" + String(accessKeyId.suffix(4)) }

    public var description: String {
        "AWSCredentials(accessKeyId: \(maskedAccessKeyId), secretAccessKey: <redacted>"
            + (sessionToken == nil ? ")" : ", sessionToken: <redacted>)")
    }

    public var debugDescription: String { description }

    // `dump` and debuggers walk the mirror: give them the redacted view, not the stored secret.
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyId": maskedAccessKeyId, "secretAccessKey": "<redacted>",
                                "sessionToken": sessionToken == nil ? "nil" : "<redacted>"], displayStyle: .struct)
    }
}
