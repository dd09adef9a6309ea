import Foundation
import IngotCore
import Testing

/// Expected instants are written by hand from the zones' offsets (New York EST = UTC-5, EDT = UTC-4;
/// Berlin CET = UTC+1, CEST = UTC+2; in 2026 the US changes on 8 March and 1 November, the EU on
/// 29 March and 25 October), never computed by the code under test.
@Suite struct ScheduleExpressionTests {
    static let field = "schedule.scheduleExpression"

    func instant(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    func zone(_ id: String) throws -> TimeZone { try ScheduleExpression.parseTimeZone(id) }

    func next(_ expression: String, after: String, in zoneID: String = "UTC") throws -> Date? {
        try ScheduleExpression(parsing: expression).nextFire(after: instant(after), in: zone(zoneID))
    }

    func expectInvalid(_ expression: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: IngotError.invalid(Self.field, message), sourceLocation: sourceLocation) {
            try ScheduleExpression(parsing: expression)
        }
    }

    // MARK: - The documentation's own examples

    // https://docs.aws.amazon.com/imagebuilder/latest/userguide/cron-expressions.html, "Examples of cron
    // expressions in Image Builder", API/CLI tab (source text as archived in
    // github.com/awsdocs/ec2-image-builder-user-guide, doc_source/cron-expressions.md, January 2022).
    @Test("the user guide's API examples parse and fire when their captions say")
    func userGuideExamples() throws {
        // "Run daily at 10:00 AM (UTC)"
        #expect(try next("cron(0 10 * * ? *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-01T10:00:00Z"))
        // "Run daily at 12:15 PM (UTC)"
        #expect(try next("cron(15 12 * * ? *)", after: "2026-01-01T12:15:00Z") == instant("2026-01-02T12:15:00Z"))
        // "Run daily at midnight (UTC)"
        #expect(try next("cron(0 0 * * ? *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-02T00:00:00Z"))
        // "Run at 10:00 AM (UTC) every weekday morning": 2026-01-02 is a Friday, the next weekday a Monday.
        #expect(try next("cron(0 10 ? * 2-6 *)", after: "2026-01-02T10:00:00Z") == instant("2026-01-05T10:00:00Z"))
        // "Run at 6:00 PM (UTC) every weekday evening"
        #expect(try next("cron(0 18 ? * mon-fri *)", after: "2026-01-02T19:00:00Z") == instant("2026-01-05T18:00:00Z"))
        // "Run at 8:00 AM (UTC) on the first day of every month"
        #expect(try next("cron(0 8 1 * ? *)", after: "2026-01-01T08:00:00Z") == instant("2026-02-01T08:00:00Z"))
        // "Run on the second Tuesday of every month at 10:30 PM (UTC)": Tuesdays of January 2026 are the 6th and 13th.
        #expect(try next("cron(30 22 ? * tue#2 *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-13T22:30:00Z"))
    }

    // https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html: "This example creates a
    // schedule that runs at 10:15am UTC+0 on the last Friday of each month during the years 2022 to 2023".
    @Test("EventBridge Scheduler's last-Friday example fires on the last Friday and stops after 2023")
    func lastFridayExample() throws {
        let expression = "cron(15 10 ? * 6L 2022-2023)"
        // January 2022 began on a Saturday: its Fridays were the 7th, 14th, 21st and 28th.
        #expect(try next(expression, after: "2022-01-01T00:00:00Z") == instant("2022-01-28T10:15:00Z"))
        // 2023-12-29 was the last Friday of 2023; the year field ends there.
        #expect(try next(expression, after: "2023-12-29T10:15:00Z") == nil)
    }

    @Test("the canonical text is cron(...) with names upper-cased")
    func canonicalText() throws {
        #expect(try ScheduleExpression(parsing: "cron(0 18 ? * mon-fri *)").description == "cron(0 18 ? * MON-FRI *)")
        #expect(try ScheduleExpression(parsing: "cron(30 22 ? * tue#2 *)").description == "cron(30 22 ? * TUE#2 *)")
        #expect(try ScheduleExpression(parsing: "cron(0 10 * * ? *)").description == "cron(0 10 * * ? *)")
        #expect(try ScheduleExpression(parsing: "cron(0 8 1 jan,feb ? 2026)") == ScheduleExpression(parsing: "cron(0 8 1 JAN,FEB ? 2026)"))
    }

    // MARK: - Refusals

    @Test("text that is not cron(six fields) is refused")
    func shapeErrors() {
        let form = "cron(Minutes Hours Day-of-month Month Day-of-week Year)"
        expectInvalid("0 10 * * ? *", "'0 10 * * ? *' is not a cron expression; accepted: \(form)")
        expectInvalid("rate(1 day)", "'rate(1 day)' is a rate expression, which an image pipeline's schedule does not take; accepted: \(form)")
        expectInvalid("cron(0 10 * * ?)", "'cron(0 10 * * ?)' has 5 fields; accepted: six fields, \(form)")
        // "Each one is separated from the others by a space in between, with no leading or trailing spaces"
        expectInvalid("cron( 0 10 * * ? *)", "'cron( 0 10 * * ? *)' has a leading, trailing or repeated space; accepted: six fields separated by single spaces, \(form)")
        expectInvalid("", "the expression is empty; accepted: \(form)")
    }

    @Test("a value out of its field's range is refused naming the field")
    func rangeErrors() {
        expectInvalid("cron(60 10 * * ? *)", "minutes '60' is out of range; accepted: 0-59")
        expectInvalid("cron(0 24 * * ? *)", "hours '24' is out of range; accepted: 0-23")
        expectInvalid("cron(0 10 32 * ? *)", "day-of-month '32' is out of range; accepted: 1-31")
        expectInvalid("cron(0 10 0 * ? *)", "day-of-month '0' is out of range; accepted: 1-31")
        expectInvalid("cron(0 10 1 13 ? *)", "month '13' is out of range; accepted: 1-12 or JAN-DEC")
        expectInvalid("cron(0 10 ? * 9 *)", "day-of-week '9' is out of range; accepted: 1-7 or SUN-SAT")
        // EventBridge numbers the week 1-7, so cron's usual 0 for Sunday is refused.
        expectInvalid("cron(0 10 ? * 0 *)", "day-of-week '0' is out of range; accepted: 1-7 or SUN-SAT")
        expectInvalid("cron(0 10 ? * 1-8 *)", "day-of-week '8' is out of range; accepted: 1-7 or SUN-SAT")
    }

    @Test("the year field takes 1970-2199 only")
    func yearLimits() throws {
        expectInvalid("cron(0 10 * * ? 1969)", "year '1969' is out of range; accepted: 1970-2199")
        expectInvalid("cron(0 10 * * ? 2200)", "year '2200' is out of range; accepted: 1970-2199")
        #expect(try next("cron(0 10 * * ? 2199)", after: "2199-12-31T09:00:00Z") == instant("2199-12-31T10:00:00Z"))
        #expect(try next("cron(0 10 * * ? 2199)", after: "2199-12-31T10:00:00Z") == nil)
        #expect(try next("cron(0 10 * * ? *)", after: "2199-12-31T10:00:00Z") == nil)
        #expect(try next("cron(0 0 1 1 ? 2030,2040)", after: "2026-06-01T00:00:00Z") == instant("2030-01-01T00:00:00Z"))
        #expect(try next("cron(0 0 1 1 ? 2030,2040)", after: "2030-01-01T00:00:00Z") == instant("2040-01-01T00:00:00Z"))
        // Before 1970 the first fire is the first minute the year field allows.
        #expect(try next("cron(0 0 1 1 ? *)", after: "1960-06-01T00:00:00Z") == instant("1970-01-01T00:00:00Z"))
    }

    @Test("a wildcard the field does not take is refused naming the field and its wildcards")
    func wildcardErrors() {
        expectInvalid("cron(5L 10 * * ? *)", "minutes '5L' uses 'L', which minutes does not accept; accepted: 0-59 and the wildcards , - * /")
        expectInvalid("cron(0 ? * * ? *)", "hours '?' uses '?', which hours does not accept; accepted: 0-23 and the wildcards , - * /")
        // Image Builder's table gives day-of-week ", - * ? L #": no '/'.
        expectInvalid("cron(0 10 ? * 1/2 *)", "day-of-week '1/2' uses '/', which day-of-week does not accept; accepted: 1-7 or SUN-SAT and the wildcards , - * ? L #")
        expectInvalid("cron(0 10 1#2 * ? *)", "day-of-month '1#2' uses '#', which day-of-month does not accept; accepted: 1-31 and the wildcards , - * ? / L W")
        expectInvalid("cron(0 10 ? JANUARY ? *)", "month 'JANUARY' is not a month value; accepted: 1-12 or JAN-DEC and the wildcards , - * /")
        expectInvalid("cron(0 10 ? * FRI-MON *)", "day-of-week 'FRI-MON' is a range whose start is after its end; accepted: 1-7 or SUN-SAT and the wildcards , - * ? L #")
        expectInvalid("cron(*/0 10 * * ? *)", "minutes '*/0' has increment '0'; accepted: an increment of 1-59")
    }

    // "You can't specify the Day-of-month and Day-of-week fields in the same cron expression. If you
    // specify a value or * in one of these fields, you must use a ? in the other."
    @Test("exactly one of day-of-month and day-of-week must be '?'")
    func questionMarkRule() throws {
        let rule = "accepted: '?' in exactly one of day-of-month and day-of-week"
        expectInvalid("cron(0 10 ? * ? *)", "day-of-month and day-of-week are both '?'; \(rule)")
        expectInvalid("cron(0 10 * * * *)", "day-of-month '*' and day-of-week '*' are both specified; \(rule)")
        expectInvalid("cron(0 10 7 * MON *)", "day-of-month '7' and day-of-week 'MON' are both specified; \(rule)")
        // "if you enter a 7 in the Day field (run the build on the seventh day of the month), the
        // Day-of-week position must contain a ?"
        #expect(try next("cron(0 10 7 * ? *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-07T10:00:00Z"))
    }

    // MARK: - Wildcards

    // "L ... specifies the last day: 28-31 for the day of the month, depending on what the month is"
    @Test("L in day-of-month is the month's last day, leap years included")
    func lastDayOfMonth() throws {
        #expect(try next("cron(0 0 L * ? *)", after: "2026-02-01T00:00:00Z") == instant("2026-02-28T00:00:00Z"))
        #expect(try next("cron(0 0 L * ? *)", after: "2028-02-01T00:00:00Z") == instant("2028-02-29T00:00:00Z"))
        #expect(try next("cron(0 0 L * ? *)", after: "2026-04-01T00:00:00Z") == instant("2026-04-30T00:00:00Z"))
        expectInvalid("cron(0 0 1,L * ? *)", "day-of-month '1,L' uses 'L' with other values; it must be the whole field; accepted: 1-31 and the wildcards , - * ? / L W")
    }

    @Test("L alone in day-of-week is day 7, Saturday")
    func lastDayOfWeek() throws {
        // 2026-01-01 is a Thursday.
        #expect(try next("cron(0 12 ? * L *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-03T12:00:00Z"))
    }

    // "if you specify 3W, you want your build to run on the weekday closest to the third day of the month"
    @Test("nW is the weekday closest to day n without leaving the month")
    func nearestWeekday() throws {
        // 2026-01-03 is a Saturday: the closest weekday is Friday the 2nd.
        #expect(try next("cron(0 9 3W * ? *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-02T09:00:00Z"))
        // 2026-08-01 is a Saturday: Friday is in July, so the build runs on Monday the 3rd.
        #expect(try next("cron(0 9 1W * ? *)", after: "2026-07-15T00:00:00Z") == instant("2026-08-03T09:00:00Z"))
        // 2026-05-31 is a Sunday: Monday is in June, so the build runs on Friday the 29th.
        #expect(try next("cron(0 9 31W * ? *)", after: "2026-05-01T00:00:00Z") == instant("2026-05-29T09:00:00Z"))
        // 2026-06-15 is a Monday, already a weekday.
        #expect(try next("cron(0 9 15W * ? *)", after: "2026-06-01T00:00:00Z") == instant("2026-06-15T09:00:00Z"))
        expectInvalid("cron(0 9 W * ? *)", "day-of-month 'W' uses 'W' but is not one day followed by W (e.g. 3W); accepted: 1-31 and the wildcards , - * ? / L W")
    }

    // "The # (hash) is allowed only for the day of the week field, and must be followed by a number
    // between 1 and 5."
    @Test("d#n is the n-th day d of the month, n from 1 to 5, alone in its field")
    func nthWeekday() throws {
        // "if you want your build to run on the second Friday of each month, use fri#2"; Fridays of
        // January 2026 are the 2nd and 9th.
        #expect(try next("cron(0 10 ? * fri#2 *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-09T10:00:00Z"))
        // A fifth Friday exists in January 2026 (the 30th) but not in February.
        #expect(try next("cron(0 10 ? * 6#5 *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-30T10:00:00Z"))
        #expect(try next("cron(0 10 ? * 6#5 *)", after: "2026-01-30T10:00:00Z") == instant("2026-05-29T10:00:00Z"))
        expectInvalid("cron(0 10 ? * FRI#6 *)", "day-of-week 'FRI#6' has week '6' after '#'; accepted: '#' followed by a number between 1 and 5")
        expectInvalid("cron(0 10 ? * FRI#0 *)", "day-of-week 'FRI#0' has week '0' after '#'; accepted: '#' followed by a number between 1 and 5")
        // EventBridge Scheduler: "\"3#1,6#3\" is not valid because it is interpreted as two expressions."
        expectInvalid("cron(0 10 ? * 3#1,6#3 *)", "day-of-week '3#1,6#3' uses '#' with other values; it must be the whole field, one day#week; accepted: 1-7 or SUN-SAT and the wildcards , - * ? L #")
    }

    @Test("month and day names work in lists and ranges, in any case")
    func names() throws {
        // "In the Month field, jan,feb,mar includes January, February, and March."
        #expect(try next("cron(0 0 1 jan,feb,mar ? *)", after: "2026-03-02T00:00:00Z") == instant("2027-01-01T00:00:00Z"))
        #expect(try next("cron(0 0 1 JAN-MAR ? *)", after: "2026-01-01T00:00:00Z") == instant("2026-02-01T00:00:00Z"))
        // 2026-01-01 is a Thursday; SUN is day 1.
        #expect(try next("cron(0 0 ? * SUN *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-04T00:00:00Z"))
        #expect(try next("cron(0 0 ? * 1 *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-04T00:00:00Z"))
        #expect(try next("cron(0 0 ? * Sat,sun *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-03T00:00:00Z"))
    }

    @Test("/ gives increments from a start, from the field's first value, or within a range")
    func increments() throws {
        // "if you want your build to run every other day, enter */2 in the day field": days 1, 3, 5, ...
        #expect(try next("cron(0 0 */2 * ? *)", after: "2026-01-01T00:00:00Z") == instant("2026-01-03T00:00:00Z"))
        #expect(try next("cron(0 0 */2 * ? *)", after: "2026-01-31T00:00:00Z") == instant("2026-02-01T00:00:00Z"))
        // EventBridge Scheduler: "1/10 to specify every tenth minute, starting from the first minute of
        // the hour (for example, the 11th, 21st, and 31st minute, and so on)".
        #expect(try next("cron(1/10 * * * ? *)", after: "2026-01-01T10:05:00Z") == instant("2026-01-01T10:11:00Z"))
        #expect(try next("cron(1/10 * * * ? *)", after: "2026-01-01T10:51:00Z") == instant("2026-01-01T11:01:00Z"))
        #expect(try next("cron(0/15 * * * ? *)", after: "2026-01-01T10:46:30Z") == instant("2026-01-01T11:00:00Z"))
        #expect(try next("cron(0 8-17/3 * * ? *)", after: "2026-01-01T11:00:00Z") == instant("2026-01-01T14:00:00Z"))
        #expect(try next("cron(0 8-17/3 * * ? *)", after: "2026-01-01T17:00:00Z") == instant("2026-01-02T08:00:00Z"))
    }

    // MARK: - nextFire

    @Test("nextFire is strictly after the given instant, seconds included")
    func strictlyAfter() throws {
        #expect(try next("cron(0 10 * * ? *)", after: "2026-01-01T10:00:00Z") == instant("2026-01-02T10:00:00Z"))
        #expect(try next("cron(0 10 * * ? *)", after: "2026-01-01T09:59:59Z") == instant("2026-01-01T10:00:00Z"))
        #expect(try next("cron(* * * * ? *)", after: "2026-01-01T09:59:59Z") == instant("2026-01-01T10:00:00Z"))
        #expect(try next("cron(0 0 29 2 ? *)", after: "2026-03-01T00:00:00Z") == instant("2028-02-29T00:00:00Z"))
        // 30 February never comes.
        #expect(try next("cron(0 0 30 2 ? *)", after: "2026-03-01T00:00:00Z") == nil)
    }

    @Test("fields are read as wall-clock time in New York")
    func newYork() throws {
        // January: EST, UTC-5.
        #expect(try next("cron(0 10 * * ? *)", after: "2026-01-15T00:00:00Z", in: "America/New_York") == instant("2026-01-15T15:00:00Z"))
        // July: EDT, UTC-4.
        #expect(try next("cron(0 10 * * ? *)", after: "2026-07-15T00:00:00Z", in: "America/New_York") == instant("2026-07-15T14:00:00Z"))
        // 23:30 on Friday 2 January in New York is already Saturday in UTC; the weekday is New York's.
        #expect(try next("cron(30 23 ? * FRI *)", after: "2026-01-01T00:00:00Z", in: "America/New_York") == instant("2026-01-03T04:30:00Z"))
    }

    @Test("fields are read as wall-clock time in Berlin")
    func berlin() throws {
        // January: CET, UTC+1.
        #expect(try next("cron(0 9 * * ? *)", after: "2026-01-15T00:00:00Z", in: "Europe/Berlin") == instant("2026-01-15T08:00:00Z"))
        // The last day of the month in Berlin begins at 23:00 UTC the day before.
        #expect(try next("cron(0 0 L * ? *)", after: "2026-01-15T00:00:00Z", in: "Europe/Berlin") == instant("2026-01-30T23:00:00Z"))
    }

    // EventBridge Scheduler (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
    // "When time shifts forward in the Spring, if a cron expression falls on a non-existent date and
    // time, your schedule invocation is skipped. When time shifts backwards in the Fall, your schedule
    // runs only once and does not repeat its invocation. The following invocations occur normally at
    // the specified date and time." Image Builder's own page says nothing about daylight saving time.
    @Test("the first tick after spring-forward uses the new offset")
    func springForwardOffset() throws {
        // 03:30 on 7 March is EST (08:30Z); on 8 March, EDT (07:30Z).
        #expect(try next("cron(30 3 * * ? *)", after: "2026-03-07T08:30:00Z", in: "America/New_York") == instant("2026-03-08T07:30:00Z"))
        // Berlin: 09:00 CET on 28 March is 08:00Z; 09:00 CEST on 29 March is 07:00Z.
        #expect(try next("cron(0 9 * * ? *)", after: "2026-03-28T08:00:00Z", in: "Europe/Berlin") == instant("2026-03-29T07:00:00Z"))
    }

    @Test("a time that does not exist on the spring-forward day is skipped, not moved")
    func springForwardGap() throws {
        // 02:30 does not exist in New York on 8 March 2026 (01:59 EST is followed by 03:00 EDT);
        // the next run is 02:30 EDT on 9 March.
        #expect(try next("cron(30 2 * * ? *)", after: "2026-03-07T07:30:00Z", in: "America/New_York") == instant("2026-03-09T06:30:00Z"))
        // Berlin skips 02:00-02:59 on 29 March; 02:30 CEST on 30 March is 00:30Z.
        #expect(try next("cron(30 2 * * ? *)", after: "2026-03-28T01:30:00Z", in: "Europe/Berlin") == instant("2026-03-30T00:30:00Z"))
        // An every-15-minutes schedule goes from 01:45 EST (06:45Z) straight to 03:00 EDT (07:00Z).
        #expect(try next("cron(0/15 * * * ? *)", after: "2026-03-08T06:45:00Z", in: "America/New_York") == instant("2026-03-08T07:00:00Z"))
    }

    @Test("a time that occurs twice on the fall-back day runs once, at its first occurrence")
    func fallBack() throws {
        // 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST) on 1 November 2026.
        #expect(try next("cron(30 1 * * ? *)", after: "2026-10-31T12:00:00Z", in: "America/New_York") == instant("2026-11-01T05:30:00Z"))
        #expect(try next("cron(30 1 * * ? *)", after: "2026-11-01T05:30:00Z", in: "America/New_York") == instant("2026-11-02T06:30:00Z"))
        // Asked from inside the repeated hour, the repeat is still not a run.
        #expect(try next("cron(30 1 * * ? *)", after: "2026-11-01T06:00:00Z", in: "America/New_York") == instant("2026-11-02T06:30:00Z"))
        // The first tick after the change uses EST: 10:00 EST is 15:00Z.
        #expect(try next("cron(0 10 * * ? *)", after: "2026-11-01T12:00:00Z", in: "America/New_York") == instant("2026-11-01T15:00:00Z"))
        // Berlin repeats 02:00-02:59 on 25 October: 02:30 CEST is 00:30Z; the next run is 02:30 CET on 26 October.
        #expect(try next("cron(30 2 * * ? *)", after: "2026-10-25T00:30:00Z", in: "Europe/Berlin") == instant("2026-10-26T01:30:00Z"))
        // Every 15 minutes: 01:45 EDT (05:45Z) is followed by 02:00 EST (07:00Z); the repeated hour does not run again.
        #expect(try next("cron(0/15 * * * ? *)", after: "2026-11-01T05:45:00Z", in: "America/New_York") == instant("2026-11-01T07:00:00Z"))
    }

    @Test("a daily schedule fires 365 times in 2026, in UTC and across New York's two changes")
    func yearOfDailyFires() throws {
        let end = try instant("2027-01-01T00:00:00Z")
        for zoneID in ["UTC", "America/New_York", "Europe/Berlin"] {
            let schedule = try ScheduleExpression(parsing: "cron(0 10 * * ? *)")
            let zone = try zone(zoneID)
            var fires: [Date] = []
            var cursor = try instant("2026-01-01T00:00:00Z")
            while let fire = schedule.nextFire(after: cursor, in: zone), fire < end {
                fires.append(fire)
                cursor = fire
            }
            #expect(fires.count == 365, "\(zoneID)")
            #expect(zip(fires, fires.dropFirst()).allSatisfy { $0 < $1 }, "\(zoneID)")
        }
    }

    @Test("twenty daily pipelines over a year walk 7300 fires")
    func twentyPipelinesForAYear() throws {
        let schedules = try (0..<20).map { try ScheduleExpression(parsing: "cron(\($0 * 3) \($0 % 24) * * ? *)") }
        let zone = try zone("America/New_York")
        let end = try instant("2027-01-01T00:00:00Z")
        var total = 0
        for schedule in schedules {
            var cursor = try instant("2026-01-01T00:00:00Z")
            while let fire = schedule.nextFire(after: cursor, in: zone), fire < end {
                total += 1
                cursor = fire
            }
        }
        // Hour 2 does not exist on 8 March in New York, so the one schedule at 02:06 skips that day.
        #expect(total == 20 * 365 - 1)
    }

    // MARK: - Time zones

    // API reference, Schedule: "For example, "Etc/UTC", "America/Los_Angeles" in the IANA timezone
    // format. If not specified this defaults to UTC."
    @Test("time zones are IANA IDs")
    func timeZones() throws {
        #expect(try ScheduleExpression.parseTimeZone("Etc/UTC").secondsFromGMT() == 0)
        #expect(try ScheduleExpression.parseTimeZone("America/Los_Angeles").identifier == "America/Los_Angeles")
        #expect(try ScheduleExpression.parseTimeZone("UTC").secondsFromGMT() == 0)
        let accepted = "accepted: an IANA time zone ID such as Etc/UTC or America/Los_Angeles"
        for bad in ["Mars/Olympus_Mons", "", "America/", "+05:00"] {
            #expect(throws: IngotError.invalid("schedule.timezone", "'\(bad)' is not an IANA time zone; \(accepted)")) {
                try ScheduleExpression.parseTimeZone(bad)
            }
        }
        #expect(throws: IngotError.invalid("pipeline.timezone", "'Nowhere' is not an IANA time zone; \(accepted)")) {
            try ScheduleExpression.parseTimeZone("Nowhere", field: "pipeline.timezone")
        }
    }
}
