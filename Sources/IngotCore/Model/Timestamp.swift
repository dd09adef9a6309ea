#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ISO-8601 instants as AWS prints them (`2024-03-05T10:11:12.000Z`), parsed and formatted
/// without Foundation's formatters: imports parse millions of them.
public enum Timestamp {
    /// Milliseconds since 1970 for a UTC ISO-8601 text: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]`
    /// followed by `Z`, `+HH:MM` or nothing (UTC). Nil when malformed.
    public static func parseMillis(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parseMillis(UnsafeRawBufferPointer($0)) }
    }

    public static func parseMillis(_ b: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, millis = 0
        if i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ") {
            i += 1
            guard let h = digits(2), expect(0x3A), let m = digits(2), h < 24, m < 60 else { return nil }
            hour = h; minute = m
            if expect(0x3A) {
                guard let s = digits(2), s < 60 else { return nil }
                second = s
                if expect(0x2E) {
                    var scale = 100, any = false
                    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                        millis += Int(b[i] - 0x30) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    guard any else { return nil }
                }
            }
        }
        var offset = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign = b[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = expect(0x3A)
                guard let om = digits(2) else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return seconds * 1000 + Int64(millis)
    }

    public static func parse(_ text: String) -> Date? {
        parseMillis(text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// `2024-03-05T10:11:12.000Z`, as AWS prints it.
    public static func format(_ date: Date) -> String { format(millis: millis(date)) }

    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    public static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    public static func format(millis: Int64) -> String {
        let ms = Int(((millis % 1000) + 1000) % 1000)
        let t = utc(seconds: (millis - Int64(ms)) / 1000)
        return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2)).\(pad(ms, 3))Z"
    }

    /// The UTC calendar fields of `date`, its fraction of a second dropped: by arithmetic, without a
    /// Calendar (request signing and every build's AMI names need them).
    /// - Parameter date: the instant.
    public static func utc(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        utc(seconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    static func utc(seconds: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var days = Int(seconds / 86_400)
        var rem = Int(seconds % 86_400)
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        return (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
    }

    /// `v` in decimal, zero-padded to `n` digits.
    /// - Parameters:
    ///   - v: a non-negative number.
    ///   - n: the width.
    public static func pad(_ v: Int, _ n: Int) -> String {
        let s = String(v)
        return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// A span written as a number and a unit letter (`30m`, `12h`, `90d`, `2w`, `45s`) in seconds, the
    /// unit one of `units`; nil when `text` is not such a span. The one reading of these spans: callers
    /// say which units they take and what the span may be.
    /// - Parameters:
    ///   - text: the span.
    ///   - units: the unit letters accepted, among s, m, h, d and w.
    public static func span(_ text: some StringProtocol, units: String) -> TimeInterval? {
        let seconds: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        guard let unit = text.last, units.contains(unit), let perUnit = seconds[unit], let n = Double(text.dropLast()) else { return nil }
        return n * perUnit
    }
}
