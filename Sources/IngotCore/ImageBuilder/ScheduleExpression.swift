import Foundation

/// An image pipeline's `schedule.scheduleExpression`: a six-field cron expression, parsed once at the
/// edge and evaluated in virtual time.
///
/// The syntax is the one "Use cron expressions in Image Builder" documents
/// (<https://docs.aws.amazon.com/imagebuilder/latest/userguide/cron-expressions.html>):
/// "EC2 Image Builder uses a cron format that consists of six required fields. Each one is separated
/// from the others by a space in between, with no leading or trailing spaces:
/// `<Minute> <Hour> <Day> <Month> <Day of the week> <Year>`". Through the API it is written
/// `cron(0 10 * * ? *)` ("Run daily at 10:00 AM (UTC)"); the console's bare form is not the API's.
///
/// | Field        | Values          | Wildcards      |
/// |--------------|-----------------|----------------|
/// | Minute       | 0-59            | `, - * /`      |
/// | Hour         | 0-23            | `, - * /`      |
/// | Day          | 1-31            | `, - * ? / L W`|
/// | Month        | 1-12 or JAN-DEC | `, - * /`      |
/// | Day of week  | 1-7 or SUN-SAT  | `, - * ? L #`  |
/// | Year         | 1970-2199       | `, - * /`      |
///
/// Rules kept, each from that page unless marked:
/// - "You can't specify the Day-of-month and Day-of-week fields in the same cron expression. If you
///   specify a value or `*` in one of these fields, you must use a `?` in the other."
/// - Day-of-week 1 is Sunday: the table reads "1-7 or sun-sat" and the page's example
///   `cron(0 10 ? * 2-6 *)` is "Run at 10:00 AM (UTC) every weekday morning".
/// - `#` "must be followed by a number between 1 and 5"; `fri#2` is the second Friday. EventBridge
///   Scheduler adds "If you use a '#' character, you can define only one expression in the day-of-week
///   field" (<https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html>), so `#` must
///   be the whole field.
/// - `W`: "if you specify 3W, you want your build to run on the weekday closest to the third day of
///   the month". As in Quartz cron, the closest weekday never leaves the month.
/// - `L` in the day field is the month's last day ("28-31 ... depending on what the month is"). Alone
///   in the day-of-week field it is day 7, Saturday: Image Builder's page says "Sunday" there, a
///   leftover from when its table read "mon-sun", which contradicts its own 1-7 = SUN-SAT numbering;
///   EventBridge Scheduler says only "the last day of ... week". `6L` (the month's last Friday) is
///   EventBridge Scheduler's example `cron(15 10 ? * 6L 2022-2023)`; Image Builder's page is silent
///   on that form.
/// - "Cron expressions that lead to rates faster than one minute are not supported": with minutes as
///   the finest field no expression can, so there is nothing to refuse. The page states no other
///   minimum interval.
/// - `rate(...)` is refused: the API reference describes `scheduleExpression` only as "The cron
///   expression", and the user guide schedules rate-based builds through EventBridge rules instead.
/// - "Length Constraints: Minimum length of 1. Maximum length of 1024." (API reference, Schedule).
///
/// Not documented by AWS and kept strict here: ranges must run forwards (`MON-FRI`, not `FRI-MON`),
/// and `L`, `W` and `#` must each be the whole field. `a-b/n` is accepted as in Quartz cron.
///
/// ```swift
/// let schedule = try ScheduleExpression(parsing: "cron(30 22 ? * tue#2 *)")
/// let next = schedule.nextFire(after: now, in: try ScheduleExpression.parseTimeZone("Europe/Berlin"))
/// ```
public struct ScheduleExpression: Sendable, Hashable, CustomStringConvertible {
    /// The six fields as written, with names and letters upper-cased.
    private let fields: [String]
    private let minutes: [Int]
    private let hours: [Int]
    private let dayOfMonth: DayOfMonth
    private let months: [Bool]
    private let dayOfWeek: DayOfWeek
    /// Indexed by year minus 1970.
    private let years: [Bool]

    private enum DayOfMonth: Sendable, Hashable {
        /// `?`: the day-of-week field decides.
        case unspecified
        case days([Bool])
        /// `L`: the month's last day.
        case last
        /// `nW`: the weekday closest to day n, within the month.
        case nearestWeekday(Int)
    }

    private enum DayOfWeek: Sendable, Hashable {
        /// `?`: the day-of-month field decides.
        case unspecified
        /// Indexed 1 (Sunday) to 7 (Saturday).
        case days([Bool])
        /// `dL`: the month's last day d.
        case lastInMonth(Int)
        /// `d#n`: the month's n-th day d.
        case nth(Int, Int)
    }

    /// The first and last years a field may name, and so the years anything fires in.
    private static let firstYear = 1970
    private static let lastYear = 2199

    /// Parses `cron(Minutes Hours Day-of-month Month Day-of-week Year)`.
    ///
    /// Errors are ``IngotError/invalid(_:_:code:)`` for `field`, naming the cron field at fault and
    /// what it accepts, e.g. `schedule.scheduleExpression: day-of-week '9' is out of range; accepted: 1-7 or SUN-SAT`.
    /// - Parameters:
    ///   - text: the expression, e.g. `cron(0 10 ? * 2-6 *)`.
    ///   - field: the field named in errors.
    public init(parsing text: String, field: String = "schedule.scheduleExpression") throws {
        let form = "cron(Minutes Hours Day-of-month Month Day-of-week Year)"
        guard !text.isEmpty, text.utf8.count <= 1024 else {
            throw IngotError.invalid(field, "the expression is \(text.isEmpty ? "empty" : "longer than 1024 characters"); accepted: \(form)")
        }
        if text.hasPrefix("rate(") {
            throw IngotError.invalid(field, "'\(text)' is a rate expression, which an image pipeline's schedule does not take; accepted: \(form)")
        }
        guard text.hasPrefix("cron("), text.hasSuffix(")"), text.count > 6 else {
            throw IngotError.invalid(field, "'\(text)' is not a cron expression; accepted: \(form)")
        }
        let inner = text.dropFirst(5).dropLast()
        let parts = inner.split(separator: " ", omittingEmptySubsequences: false).map { $0.uppercased() }
        guard !parts.contains(where: \.isEmpty) else {
            throw IngotError.invalid(field, "'\(text)' has a leading, trailing or repeated space; accepted: six fields separated by single spaces, \(form)")
        }
        guard parts.count == 6 else {
            throw IngotError.invalid(field, "'\(text)' has \(parts.count) field\(parts.count == 1 ? "" : "s"); accepted: six fields, \(form)")
        }
        minutes = try Self.parseList(parts[0], .minutes, field: field)
        hours = try Self.parseList(parts[1], .hours, field: field)
        dayOfMonth = try Self.parseDayOfMonth(parts[2], field: field)
        months = Self.mask(try Self.parseList(parts[3], .month, field: field), upTo: 12)
        dayOfWeek = try Self.parseDayOfWeek(parts[4], field: field)
        years = Array(Self.mask(try Self.parseList(parts[5], .year, field: field), upTo: Self.lastYear)[Self.firstYear...])
        let either = "'?' in exactly one of day-of-month and day-of-week"
        switch (dayOfMonth, dayOfWeek) {
        case (.unspecified, .unspecified):
            throw IngotError.invalid(field, "day-of-month and day-of-week are both '?'; accepted: \(either)")
        case (.unspecified, _), (_, .unspecified):
            break
        default:
            throw IngotError.invalid(field, "day-of-month '\(parts[2])' and day-of-week '\(parts[4])' are both specified; accepted: \(either)")
        }
        fields = parts
    }

    /// The canonical text, `cron(...)` with the fields as parsed and names upper-cased:
    /// `cron(0 18 ? * mon-fri *)` reads back as `cron(0 18 ? * MON-FRI *)`.
    public var description: String { "cron(\(fields.joined(separator: " ")))" }

    /// The first instant strictly after `date` that the expression matches, reading the fields as
    /// wall-clock time in `timeZone`; nil when nothing matches before the end of 2199.
    ///
    /// Daylight saving time follows what EventBridge Scheduler documents (Image Builder's page says
    /// nothing about it): "When time shifts forward in the Spring, if a cron expression falls on a
    /// non-existent date and time, your schedule invocation is skipped. When time shifts backwards in
    /// the Fall, your schedule runs only once and does not repeat its invocation."
    /// (<https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html>). A skipped time
    /// is not moved to the next valid minute; a repeated wall-clock time fires at its first occurrence
    /// ("runs the schedule only once at 2:30 a.m. before the shift occurs").
    ///
    /// The search walks years, months and days that can match and, on a matching day, only the
    /// hours and minutes the fields list, so a year of a daily schedule costs a few hundred steps.
    /// - Parameters:
    ///   - date: the instant to search after; a fire exactly at `date` is not returned.
    ///   - timeZone: the IANA zone the fields are read in (Image Builder's default is UTC).
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? {
        let after = date.timeIntervalSince1970
        guard after.isFinite, after < Double(Timestamp.daysFromCivil(year: Self.lastYear + 1, month: 1, day: 2)) * 86_400 else { return nil }
        // Before 1970 nothing matches (the year field starts there): begin the walk just before it.
        let start = after < -259_200 ? -259_200 : Int(after.rounded(.down))
        let local = start + timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(start)))
        var day = Self.floorDiv(local, 86_400)
        // Minute of the local day to start from: wall-clock time is monotonic in the instant it
        // maps to (gaps skipped, repeats at their first occurrence), so nothing earlier can be after `date`.
        var fromMinute = (local - day * 86_400) / 60
        while true {
            let (year, month, monthDay) = Timestamp.civilFromDays(day)
            guard year <= Self.lastYear else { return nil }
            if year < Self.firstYear || !years[year - Self.firstYear] {
                let from = max(year + 1, Self.firstYear) - Self.firstYear
                guard let next = years[from...].firstIndex(of: true) else { return nil }
                day = Timestamp.daysFromCivil(year: Self.firstYear + next, month: 1, day: 1)
                fromMinute = 0
                continue
            }
            if !months[month] {
                day = month == 12 ? Timestamp.daysFromCivil(year: year + 1, month: 1, day: 1)
                                  : Timestamp.daysFromCivil(year: year, month: month + 1, day: 1)
                fromMinute = 0
                continue
            }
            if matches(year: year, month: month, day: monthDay, weekday: Self.weekday(ofDay: day)) {
                for hour in hours where hour * 60 + 59 >= fromMinute {
                    for minute in minutes where hour * 60 + minute >= fromMinute {
                        if let instant = Self.instant(localSeconds: day * 86_400 + hour * 3600 + minute * 60, in: timeZone),
                           Double(instant) > after {
                            return Date(timeIntervalSince1970: Double(instant))
                        }
                    }
                }
            }
            day += 1
            fromMinute = 0
        }
    }

    /// Validates an IANA time zone ID for `schedule.timezone`.
    ///
    /// The API reference (Schedule) says: "The timezone that applies to the scheduling expression.
    /// For example, "Etc/UTC", "America/Los_Angeles" in the IANA timezone format. If not specified this
    /// defaults to UTC." with "Length Constraints: Minimum length of 3. Maximum length of 100." and
    /// "Pattern: `[a-zA-Z0-9]{2,}(?:\/[a-zA-Z0-9-_+]+)*`". Callers supply the "UTC" default.
    /// - Parameters:
    ///   - id: the zone, e.g. `America/New_York`.
    ///   - field: the field named in errors.
    public static func parseTimeZone(_ id: String, field: String = "schedule.timezone") throws -> TimeZone {
        func isAlphanumeric(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
        let segments = id.split(separator: "/", omittingEmptySubsequences: false)
        let matchesPattern = (3...100).contains(id.count)
            && segments[0].count >= 2 && segments[0].allSatisfy(isAlphanumeric)
            && segments.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy { isAlphanumeric($0) || "-_+".contains($0) } }
        guard matchesPattern, let zone = TimeZone(identifier: id) else {
            throw IngotError.invalid(field, "'\(id)' is not an IANA time zone; accepted: an IANA time zone ID such as Etc/UTC or America/Los_Angeles")
        }
        return zone
    }

    // MARK: - Matching

    private func matches(year: Int, month: Int, day: Int, weekday: Int) -> Bool {
        let daysInMonth = Timestamp.daysIn(month: month, year: year)
        switch dayOfMonth {
        case .unspecified:
            break
        case .days(let days):
            return days[day]
        case .last:
            return day == daysInMonth
        case .nearestWeekday(let target):
            guard target <= daysInMonth else { return false }
            // Weekday (1 = Sunday) of the target day, from this day's.
            let targetWeekday = ((weekday - 1 + target - day) % 7 + 7) % 7 + 1
            var fire = target
            if targetWeekday == 7 { fire = target == 1 ? 3 : target - 1 }
            if targetWeekday == 1 { fire = target == daysInMonth ? target - 2 : target + 1 }
            return day == fire
        }
        switch dayOfWeek {
        case .unspecified:
            return false
        case .days(let days):
            return days[weekday]
        case .lastInMonth(let wanted):
            return weekday == wanted && day + 7 > daysInMonth
        case .nth(let wanted, let n):
            return weekday == wanted && (day - 1) / 7 + 1 == n
        }
    }

    /// 1 (Sunday) to 7 (Saturday) for days since 1970-01-01, a Thursday.
    private static func weekday(ofDay day: Int) -> Int { ((day + 4) % 7 + 7) % 7 + 1 }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The instant (seconds since 1970) a wall-clock time names in `zone`: nil inside a spring-forward
    /// gap, the earlier instant inside a fall-back repeat.
    private static func instant(localSeconds: Int, in zone: TimeZone) -> Int? {
        // Any transition near this wall-clock time lies within a day of it (offsets are at most ±14 h),
        // so the offsets a day either side are the only ones it can be read with.
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(localSeconds - 86_400)))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(localSeconds + 86_400)))
        var found: Int?
        for offset in before == after ? [before] : [before, after] {
            let candidate = localSeconds - offset
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(candidate))) == offset {
                found = min(found ?? candidate, candidate)
            }
        }
        return found
    }

    // MARK: - Parsing

    private struct CronField {
        let name: String
        let range: ClosedRange<Int>
        /// Names for the values from `range.lowerBound`, or none.
        let names: [String]
        let wildcards: String

        static let minutes = CronField(name: "minutes", range: 0...59, names: [], wildcards: ", - * /")
        static let hours = CronField(name: "hours", range: 0...23, names: [], wildcards: ", - * /")
        static let dayOfMonth = CronField(name: "day-of-month", range: 1...31, names: [], wildcards: ", - * ? / L W")
        static let month = CronField(name: "month", range: 1...12,
                                     names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
                                     wildcards: ", - * /")
        static let dayOfWeek = CronField(name: "day-of-week", range: 1...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
                                         wildcards: ", - * ? L #")
        static let year = CronField(name: "year", range: 1970...2199, names: [], wildcards: ", - * /")

        var values: String {
            let numbers = "\(range.lowerBound)-\(range.upperBound)"
            guard let first = names.first, let last = names.last else { return numbers }
            return "\(numbers) or \(first)-\(last)"
        }

        /// An error naming this cron field; `withWildcards` adds the wildcards it takes to "accepted".
        func error(_ problem: String, field: String, withWildcards: Bool = true) -> IngotError {
            .invalid(field, "\(name) \(problem); accepted: \(values)\(withWildcards ? " and the wildcards \(wildcards)" : "")")
        }
    }

    private static func mask(_ values: [Int], upTo last: Int) -> [Bool] {
        var mask = [Bool](repeating: false, count: last + 1)
        for value in values { mask[value] = true }
        return mask
    }

    /// One value: a number in range, or a name.
    private static func value(_ token: Substring, _ spec: CronField, whole: String, field: String) throws -> Int {
        if !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let number = Int(token), spec.range.contains(number) else {
                throw spec.error("'\(token)' is out of range", field: field, withWildcards: false)
            }
            return number
        }
        if let index = spec.names.firstIndex(of: String(token)) { return spec.range.lowerBound + index }
        // A wildcard between values or names (`5L`, `FRI#2`), as opposed to a misspelt name.
        func isValueOrEmpty(_ piece: Substring) -> Bool {
            piece.allSatisfy { $0.isASCII && $0.isNumber } || spec.names.contains(String(piece))
        }
        for wildcard: Character in ["?", "L", "W", "#"]
        where token.contains(wildcard) && token.split(separator: wildcard, omittingEmptySubsequences: false).allSatisfy(isValueOrEmpty) {
            if spec.wildcards.contains(wildcard) {
                throw spec.error("'\(whole)' uses '\(wildcard)' inside a list or range; it must be the whole field", field: field)
            }
            throw spec.error("'\(whole)' uses '\(wildcard)', which \(spec.name) does not accept", field: field)
        }
        throw spec.error("'\(token.isEmpty ? Substring(whole) : token)' is not a \(spec.name) value", field: field)
    }

    /// A list of values, ranges and increments (`*`, `5`, `1-15`, `MON-FRI`, `0/15`, `*/2`, `8-17/3`), sorted.
    private static func parseList(_ text: String, _ spec: CronField, field: String) throws -> [Int] {
        if text.contains("/"), !spec.wildcards.contains("/") {
            throw spec.error("'\(text)' uses '/', which \(spec.name) does not accept", field: field)
        }
        var on = [Bool](repeating: false, count: spec.range.upperBound + 1)
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw spec.error("'\(text)' has an empty list item", field: field) }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw spec.error("'\(item)' has more than one '/'", field: field) }
            let base = parts[0]
            var low: Int, high: Int
            if base == "*" {
                (low, high) = (spec.range.lowerBound, spec.range.upperBound)
            } else if base.contains("-") {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count == 2 else { throw spec.error("'\(item)' is not a range", field: field) }
                low = try value(ends[0], spec, whole: text, field: field)
                high = try value(ends[1], spec, whole: text, field: field)
                guard low <= high else { throw spec.error("'\(base)' is a range whose start is after its end", field: field) }
            } else {
                low = try value(base, spec, whole: text, field: field)
                high = parts.count == 2 ? spec.range.upperBound : low
            }
            var step = 1
            if parts.count == 2 {
                let span = spec.range.upperBound - spec.range.lowerBound
                guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let increment = Int(parts[1]), (1...span).contains(increment) else {
                    throw IngotError.invalid(field, "\(spec.name) '\(item)' has increment '\(parts[1])'; accepted: an increment of 1-\(span)")
                }
                step = increment
            }
            for v in stride(from: low, through: high, by: step) { on[v] = true }
        }
        return on.indices.filter { on[$0] }
    }

    private static func parseDayOfMonth(_ text: String, field: String) throws -> DayOfMonth {
        let spec = CronField.dayOfMonth
        if text == "?" { return .unspecified }
        if text == "L" { return .last }
        if text.contains("W") {
            let day = text.dropLast()
            guard text.hasSuffix("W"), !day.isEmpty, day.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw spec.error("'\(text)' uses 'W' but is not one day followed by W (e.g. 3W)", field: field)
            }
            return .nearestWeekday(try value(day, spec, whole: text, field: field))
        }
        for wildcard in ["?", "L"] where text.contains(wildcard) {
            throw spec.error("'\(text)' uses '\(wildcard)' with other values; it must be the whole field", field: field)
        }
        return .days(mask(try parseList(text, spec, field: field), upTo: spec.range.upperBound))
    }

    private static func parseDayOfWeek(_ text: String, field: String) throws -> DayOfWeek {
        let spec = CronField.dayOfWeek
        if text == "?" { return .unspecified }
        // "L" alone: the last day of a week that runs 1 (SUN) to 7 (SAT).
        if text == "L" { return .days(mask([7], upTo: 7)) }
        if text.contains("L") {
            guard text.hasSuffix("L"), text.count > 1, !text.dropLast().contains(where: { ",-*/L#?".contains($0) }) else {
                throw spec.error("'\(text)' uses 'L' with other values; it must be the whole field, L or one day followed by L (e.g. 6L)", field: field)
            }
            return .lastInMonth(try value(text.dropLast(), spec, whole: text, field: field))
        }
        if text.contains("#") {
            let parts = text.split(separator: "#", omittingEmptySubsequences: false)
            guard parts.count == 2, !text.contains(","), !parts[0].contains(where: { "-*/?".contains($0) }) else {
                throw spec.error("'\(text)' uses '#' with other values; it must be the whole field, one day#week", field: field)
            }
            let day = try value(parts[0], spec, whole: text, field: field)
            guard parts[1].count == 1, let week = Int(parts[1]), (1...5).contains(week) else {
                throw IngotError.invalid(field, "day-of-week '\(text)' has week '\(parts[1])' after '#'; accepted: '#' followed by a number between 1 and 5")
            }
            return .nth(day, week)
        }
        if text.contains("?") { throw spec.error("'\(text)' uses '?' with other values; it must be the whole field", field: field) }
        return .days(mask(try parseList(text, spec, field: field), upTo: spec.range.upperBound))
    }
}
