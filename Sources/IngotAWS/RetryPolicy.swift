/// Capped exponential backoff with full jitter, bounded in attempts and in total time.
///
/// The n-th retry waits a random time in `0 ... min(maxDelay, baseDelay * 2^n)` (AWS's "full
/// jitter"), and no retry starts once `maxTotal` would be exceeded.
///
/// ```swift
/// let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(20), maxTotal: .seconds(60))
/// ```
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included (1: never retry).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// No retry is started when the time spent plus the next wait would exceed this.
    public var maxTotal: Duration
    /// Each attempt's deadline (connect, send and read the whole answer).
    public var attemptTimeout: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(20),
                maxTotal: Duration = .seconds(120), attemptTimeout: Duration = .seconds(60)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotal = maxTotal
        self.attemptTimeout = attemptTimeout
    }

    public static let standard = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The ceiling of the wait before retry number `retry` (0 for the first retry).
    public func ceiling(retry: Int) -> Duration {
        let factor = 1 << min(retry, 30)
        let raw = baseDelay * factor
        return raw < maxDelay ? raw : maxDelay
    }

    /// The wait before retry number `retry`, given a uniform random `unit` in 0..<1.
    public func delay(retry: Int, unit: Double) -> Duration {
        ceiling(retry: retry) * min(max(unit, 0), 1)
    }
}

/// Why a failed attempt may be retried.
public enum RetryReason: Sendable, Hashable, CustomStringConvertible {
    case throttled(String)
    case serverError(Int)
    case connection(String)
    /// The endpoint's clock is this many seconds ahead (negative: behind) of ours.
    case clockSkew(Int)

    public var description: String {
        switch self {
        case .clockSkew(let seconds): "clock skew of \(seconds) s"
        case .throttled(let code): "throttled (\(code))"
        case .serverError(let status): "HTTP \(status)"
        case .connection(let what): "connection: \(what)"
        }
    }
}

/// Time as the retry loop sees it: how long since the call began, and waiting. The real clock by
/// default; tests pass one they advance, so that waits take no time and bounds are exact.
public struct RetryTimer: Sendable {
    /// Time since an origin fixed when the timer was made.
    public var elapsed: @Sendable () -> Duration
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(elapsed: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.elapsed = elapsed
        self.sleep = sleep
    }

    /// The continuous clock and `Task.sleep`.
    public static var real: RetryTimer {
        let clock = ContinuousClock(), origin = clock.now
        return RetryTimer(elapsed: { clock.now - origin }, sleep: { try await Task.sleep(for: $0) })
    }
}
