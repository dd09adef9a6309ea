#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one notion of "now" for a store: fixed by `--at` / `INGOT_NOW`, else the wall clock.
///
/// Deprecation, pending copies and every timestamp the local cloud writes read it, so a run at a
/// fixed instant is reproducible.
public struct VirtualClock: Sendable {
    public let fixed: Date?

    public init(fixed: Date? = nil) { self.fixed = fixed }

    public static let wall = VirtualClock()

    public static func at(_ date: Date) -> VirtualClock { VirtualClock(fixed: date) }

    /// Parses an `--at` value; the error names `field`.
    public static func parse(_ text: String, field: String = "at") throws -> VirtualClock {
        guard let date = Timestamp.parse(text) else {
            throw IngotError.invalid(field, "'\(text)' is not an ISO-8601 time (e.g. 2026-11-26T12:00:00Z)")
        }
        return .at(date)
    }

    public var now: Date { fixed ?? Date() }
}
