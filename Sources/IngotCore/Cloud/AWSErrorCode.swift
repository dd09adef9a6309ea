/// What an AWS error code says about a request, in one table that both backends use, so that the
/// same mistake ends the same way on the local cloud and on AWS (the CLI: exit 2 for invalid input,
/// exit 1 for everything else the cloud refuses).
///
/// Codes come from the EC2, Auto Scaling and SSM API references ("Common client errors" and each
/// action's errors). A code not in the table is a refusal.
public enum AWSErrorKind: String, Sendable, Hashable, CaseIterable {
    /// The request is malformed or out of range: `ValidationError`, `InvalidParameterValue`, `*.Malformed`.
    case invalidInput
    /// What the request names does not exist: `InvalidAMIID.NotFound`, `ParameterNotFound`.
    case notFound
    /// It exists but cannot be done in its state: `IncorrectState`, `InvalidSnapshot.InUse`,
    /// `IrreversibleInstanceRefresh`, a quota (`VersionLimitExceeded`).
    case refused
    /// It would create what already exists: `InvalidAMIName.Duplicate`, `ParameterAlreadyExists`.
    case conflict
    /// Slow down and retry: `RequestLimitExceeded`, `Throttling`.
    case throttled
    /// The credentials may not: `AuthFailure`, `UnauthorizedOperation`, `AccessDenied`.
    case unauthorized

    /// The kind of `code`.
    public init(code: String) {
        if let kind = Self.table[code] { self = kind; return }
        if code.hasSuffix(".Malformed") { self = .invalidInput; return }
        if code.hasSuffix("NotFound") || code.hasSuffix("NotFoundException") || code.hasSuffix("NotFoundFault") {
            self = .notFound
            return
        }
        if code.hasSuffix(".Duplicate") || code.hasSuffix("AlreadyExistsException") || code.hasSuffix("AlreadyExists") || code.hasSuffix("AlreadyExistsFault") {
            self = .conflict
            return
        }
        self = .refused
    }

    /// Whether it is the caller's input (the CLI exits 2 and writes nothing).
    public var isInvalidInput: Bool { self == .invalidInput }

    static let table: [String: AWSErrorKind] = {
        var t: [String: AWSErrorKind] = [:]
        for c in ["ValidationError", "ValidationException", "InvalidParameterValue", "InvalidParameterCombination", "MissingParameter",
                  "InvalidParameter", "MalformedQueryString", "InvalidAction", "InvalidQueryParameter", "InvalidParameterException",
                  "UnknownParameter", "InvalidAllowedPatternException", "InvalidFilter", "InvalidNextToken", "InvalidPaginationToken",
                  "ParameterPatternMismatchException", "UnsupportedParameterType", "HierarchyLevelLimitExceededException"] {
            t[c] = .invalidInput
        }
        // `*.Malformed`, `*NotFound`, `*.Duplicate` and `*AlreadyExists` codes are classified by their suffix.
        t["InvalidAMIID.Unavailable"] = .notFound
        for c in ["IncorrectState", "IncorrectInstanceState", "InvalidSnapshot.InUse", "InvalidImage.DeregistrationProtected",
                  "IrreversibleInstanceRefresh", "UnsupportedOperation", "UnsupportedGroup", "VersionLimitExceeded", "LaunchTemplateLimitExceeded",
                  "InstanceRefreshInProgress", "InstanceRefreshInProgressFault", "LimitExceeded", "LimitExceededFault", "ResourceInUse",
                  "ResourceInUseFault", "ScalingActivityInProgress", "ParameterLimitExceeded", "ParameterMaxVersionLimitExceeded",
                  "ParameterVersionLabelLimitExceeded", "InvalidAMIID.Disabled", "SsmInvalidParameter"] {
            t[c] = .refused
        }
        for c in ["RequestLimitExceeded", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
                  "RequestThrottledException", "TooManyRequestsException", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
                  "TooManyUpdates"] {
            t[c] = .throttled
        }
        for c in ["AuthFailure", "UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "InvalidClientTokenId",
                  "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException", "IncompleteSignature", "MissingAuthenticationToken",
                  "OptInRequired", "Blocked"] {
            t[c] = .unauthorized
        }
        return t
    }()
}
