import IngotCore

/// An error an AWS endpoint answered with, before it becomes an ``IngotError``.
///
/// EC2 wraps errors as `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`;
/// Auto Scaling, STS and IAM as `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`;
/// SSM's JSON protocol as `{"__type": "...#Code", "message": "..."}`.
public struct AWSServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var httpStatus: Int
    public var requestId: String?

    public init(code: String, message: String, httpStatus: Int, requestId: String? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.requestId = requestId
    }

    public var description: String { "\(code): \(message) (HTTP \(httpStatus)" + (requestId.map { ", request \($0))" } ?? ")") }

    /// Reads either XML error envelope; nil when the document is not one.
    public static func fromXML(_ root: AWSXML.Element, httpStatus: Int) -> AWSServiceError? {
        let error: AWSXML.Element?
        let requestId: String?
        switch root.name {
        case "Response":
            error = root.at("Errors/Error")
            requestId = root.string("RequestID") ?? root.string("RequestId")
        case "ErrorResponse":
            // Auto Scaling nests one Error; some endpoints (moto's auth errors) wrap it in Errors.
            error = root.child("Error") ?? root.at("Errors/Error")
            requestId = root.string("RequestId") ?? root.string("RequestID")
        case "Error":
            error = root
            requestId = root.string("RequestId")
        default:
            return nil
        }
        guard let error, let code = error.string("Code"), !code.isEmpty else { return nil }
        return AWSServiceError(code: code, message: error.string("Message") ?? "", httpStatus: httpStatus, requestId: requestId)
    }


    /// Transient server-side codes: retried with backoff.
    public static let transientCodes: Set<String> = [
        "InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable", "RequestTimeout", "RequestTimeoutException",
        "InternalServerError",
    ]

    /// Throttling (the table's `throttled` codes across EC2, Auto Scaling and SSM, or HTTP 429): retried with backoff.
    public var isThrottling: Bool { AWSErrorKind(code: code) == .throttled || httpStatus == 429 }

    /// The library error: AWS's code and message, classified by the one table of codes (``AWSErrorKind``)
    /// the local cloud uses too.
    public var ingotError: IngotError {
        IngotError.refused(code, message.isEmpty ? code : message)
    }
}
