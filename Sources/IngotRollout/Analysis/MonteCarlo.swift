import IngotCore
import Foundation

/// Many simulations with seeds derived from one, spread over the cores, and what they add up to.
public enum MonteCarlo {
    /// Runs `body` once per run with `SeededGenerator.derive(seed, run: i)`, on as many workers as there
    /// are cores, and returns the results in run order (the same seed gives the same list).
    public static func map<T: Sendable>(runs: Int, seed: UInt64, _ body: @escaping @Sendable (UInt64) throws -> T) async throws -> [T] {
        let workers = max(1, min(runs, ProcessInfo.processInfo.activeProcessorCount))
        return try await withThrowingTaskGroup(of: [(Int, T)].self) { group in
            for w in 0..<workers {
                group.addTask {
                    try stride(from: w, to: runs, by: workers).map { i in (i, try body(SeededGenerator.derive(seed, run: i))) }
                }
            }
            var all: [(Int, T)] = []
            all.reserveCapacity(runs)
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Runs a refresh `runs` times and summarizes it.
    public static func rollouts(runs: Int, seed: UInt64, _ simulate: @escaping @Sendable (UInt64) throws -> RolloutResult) async throws -> MonteCarloSummary {
        let outcomes = try await map(runs: runs, seed: seed) { s in
            let r = try simulate(s)
            return MonteCarloSummary.Outcome(status: r.status, durationSeconds: r.durationSeconds, minInService: r.minInService,
                                             reason: r.status.isProblem ? (r.failureReason ?? r.rollbackReason ?? r.statusReason) : nil,
                                             strategy: r.strategy, desiredCapacity: r.desiredCapacity)
        }
        return MonteCarloSummary(seed: seed, outcomes: outcomes)
    }
}

/// The nearest-rank percentile `q` (0...1) of values sorted in the order that ranks them; nil when empty.
public func nearestRank(_ sorted: [Double], _ q: Double) -> Double? {
    sorted.isEmpty ? nil : sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
}

/// What many runs of one refresh add up to: percentiles of duration and of the lowest in-service
/// count, the share that failed or rolled back, and why.
public struct MonteCarloSummary: Sendable, Encodable {
    /// One run, as much of it as the summary needs.
    public struct Outcome: Sendable {
        public var status: RefreshStatus
        public var durationSeconds: Double
        public var minInService: Int
        /// Why a run that failed, rolled back or was cancelled did so.
        public var reason: String?
        public var strategy: String
        public var desiredCapacity: Int
    }
    public struct Percentiles: Sendable, Encodable { public let p50, p95, p99: Double }
    /// A distinct reason for a failure, rollback or cancellation, and how many runs gave it.
    public struct Reason: Sendable, Encodable { public let status: String; public let reason: String; public let runs: Int }

    public let strategy: String
    public let runs: Int
    public let seed: UInt64
    public let desiredCapacity: Int
    public let durationSeconds: Percentiles
    /// Lowest in-service count: p95 is the value 95 % of runs stay at or above.
    public let minInService: Percentiles
    /// Runs that ended Failed or RollbackFailed.
    public let failedShare: Double
    /// Runs that rolled back (RollbackSuccessful or RollbackFailed).
    public let rolledBackShare: Double
    /// Runs that did not end Successful (failed, rolled back or cancelled): any makes the command exit 3.
    public let problemRuns: Int
    public let statuses: [String: Int]
    /// Distinct reasons, most frequent first.
    public let reasons: [Reason]

    public init(seed: UInt64, outcomes: [Outcome]) {
        func percentiles(_ values: [Double], descending: Bool = false) -> Percentiles {
            let sorted = descending ? values.sorted(by: >) : values.sorted()
            func at(_ q: Double) -> Double { nearestRank(sorted, q) ?? 0 }
            return Percentiles(p50: at(0.5), p95: at(0.95), p99: at(0.99))
        }
        let n = Double(max(1, outcomes.count))
        self.strategy = outcomes.first?.strategy ?? ""
        self.runs = outcomes.count
        self.seed = seed
        self.desiredCapacity = outcomes.first?.desiredCapacity ?? 0
        self.durationSeconds = percentiles(outcomes.map(\.durationSeconds))
        self.minInService = percentiles(outcomes.map { Double($0.minInService) }, descending: true)
        self.failedShare = Double(outcomes.filter { $0.status == .failed || $0.status == .rollbackFailed }.count) / n
        self.rolledBackShare = Double(outcomes.filter { $0.status == .rollbackSuccessful || $0.status == .rollbackFailed }.count) / n
        self.statuses = Dictionary(grouping: outcomes, by: \.status.rawValue).mapValues(\.count)
        let problems = outcomes.filter { $0.status.isProblem }
        self.problemRuns = problems.count
        struct Key: Hashable { let status: String, reason: String }
        self.reasons = Dictionary(grouping: problems) { Key(status: $0.status.rawValue, reason: $0.reason ?? "no reason given") }
            .map { key, runs in Reason(status: key.status, reason: key.reason, runs: runs.count) }
            .sorted { $0.runs != $1.runs ? $0.runs > $1.runs : ($0.status, $0.reason) < ($1.status, $1.reason) }
    }
}
