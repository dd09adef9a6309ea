import IngotCore

/// A rollout as an SVG chart: the fleet's in-service capacity by version as a stacked area over time,
/// instances on their way in (pending, warming) and out of traffic (idle) on top, desired capacity
/// and the MinHealthy floor as lines, and what happened (checkpoints, rollbacks, faults) as markers.
///
/// Pure and deterministic: the same samples give the same bytes, so charts can be compared and
/// committed. Large runs are reduced to about one point per pixel, keeping each pixel's minimum
/// and maximum so a short dip below the floor stays visible.
///
/// ```swift
/// let svg = RolloutChart.svg(samples: result.samples, markers: [], title: "Rolling", subtitle: "100 instances",
///                            previousLabel: result.previousVersion, newLabel: result.newVersion)
/// ```
public enum RolloutChart {
    /// Something that happened at one instant, drawn as a labelled vertical line.
    public struct Marker: Sendable, Hashable {
        public var time: Double
        public var label: String
        public var kind: Kind

        public enum Kind: Sendable, Hashable {
            /// A checkpoint reached ("checkpoint 50%").
            case checkpoint
            /// A rollback started ("rollback: alarm"), drawn in red.
            case rollback
            /// Something the world did (an alarm, a lost zone, a traffic switch).
            case fault
            /// A status change ("status Successful").
            case status
        }

        public init(time: Double, label: String, kind: Kind) {
            self.time = time
            self.label = label
            self.kind = kind
        }
    }

    /// The chart as a standalone SVG document of `width` x `height` pixels. `timeAxis` names what time
    /// counts from. Series that never have a value (no instance of the previous version, a floor of 0)
    /// stay out of the legend and the drawing.
    public static func svg(samples: [FleetSample], markers: [Marker], title: String, subtitle: String, previousLabel: String, newLabel: String,
                           timeAxis: String = "time since the refresh started", width: Int = 960, height: Int = 480) -> String {
        var chart = Layout(width: Double(max(width, 320)), height: Double(max(height, 240)))
        chart.timeAxis = timeAxis
        return chart.render(samples: samples, markers: markers, title: title, subtitle: subtitle, previousLabel: previousLabel, newLabel: newLabel)
    }

    /// What happened in a simulated refresh, one marker per thing: checkpoints, faults, a traffic switch
    /// (however many instances moved at that instant), a rollback (with its reason; the fault that
    /// started it is not drawn twice), baking, and the first failed launch with how many failed in all.
    public static func markers(for r: RolloutResult) -> [Marker] {
        var markers: [Marker] = []
        // A run rolls back at most once, for `r.rollbackReason`; the fault that started it is that label.
        let rollbackAt = r.timeline.first { $0.status == .rollbackInProgress }?.time
        var lastSwitch = -Double.infinity
        var failedLaunches = 0, firstFailed: Int?
        for e in r.timeline {
            switch e.kind {
            case .checkpoint:
                markers.append(Marker(time: e.time, label: "checkpoint \(e.detail ?? "")", kind: .checkpoint))
            case .fault:
                let detail = e.detail ?? "fault"
                if e.time == rollbackAt && detail == r.rollbackReason { continue }
                markers.append(Marker(time: e.time, label: detail, kind: .fault))
            case .baseline:
                markers.append(Marker(time: e.time, label: e.detail ?? "baseline", kind: .status))
            case .servingChanged:
                guard e.time != lastSwitch else { continue }
                lastSwitch = e.time
                markers.append(Marker(time: e.time, label: "traffic switch", kind: .status))
            case .launchFailed:
                failedLaunches += 1
                if failedLaunches == 1 {
                    firstFailed = markers.count
                    markers.append(Marker(time: e.time, label: "first failed launch", kind: .fault))
                }
            case .status:
                if e.status == .rollbackInProgress {
                    markers.append(Marker(time: e.time, label: "rollback: \(r.rollbackReason ?? "")", kind: .rollback))
                } else if e.status == .baking {
                    markers.append(Marker(time: e.time, label: "baking", kind: .status))
                }
            default:
                continue
            }
        }
        if failedLaunches > 1, let i = firstFailed { markers[i].label = "first failed launch (\(failedLaunches) in all)" }
        return markers
    }
}

// MARK: - Style

extension RolloutChart {
    /// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
    enum Palette {
        static let background = "#fafaf8"
        static let plot = "#ffffff"
        static let grid = "#e8e8e4"
        static let axis = "#6b6b66"
        static let text = "#1f1f1c"
        static let muted = "#5c5c57"
        static let previous = "#0072b2"
        static let new = "#e69f00"
        static let warming = "#f5d38a"
        static let pending = "#cc79a7"
        static let idle = "#b4b4ae"
        static let inService = "#7a4a00"
        static let desired = "#1f1f1c"
        static let floor = "#1f1f1c"
        static let checkpoint = "#009e73"
        static let rollback = "#d55e00"
        static let fault = "#8e44ad"
        static let status = "#6b6b66"
    }

    static let fontStack = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
    /// Points per series at most (up to three per bucket when a run is reduced).
    static let maxPoints = 2000
}

// MARK: - Layout and drawing

extension RolloutChart {
    struct Point {
        var t: Double
        var v: Double
    }

    struct Layout {
        let width: Double
        let height: Double
        var timeAxis = "time since the refresh started"
        var out = ""

        // Plot frame and the data area inside it (below the marker band).
        var plotLeft = 0.0, plotRight = 0.0, plotTop = 0.0, plotBottom = 0.0, dataTop = 0.0
        var t0 = 0.0, t1 = 1.0, yMax = 1.0

        init(width: Double, height: Double) {
            self.width = width
            self.height = height
        }

        func x(_ t: Double) -> Double { plotLeft + (t - t0) / (t1 - t0) * (plotRight - plotLeft) }
        func y(_ v: Double) -> Double { plotBottom - v / yMax * (plotBottom - dataTop) }

        mutating func render(samples unsorted: [FleetSample], markers: [Marker], title: String, subtitle: String, previousLabel: String, newLabel: String) -> String {
            let samples = isSorted(unsorted) ? unsorted : stableSorted(unsorted)
            let margin = 16.0
            out.reserveCapacity(64 * 1024)
            out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\""
            out += " role=\"img\" aria-label=\"\(escape(title))\" font-family=\"\(fontStack)\">\n"
            out += "<title>\(escape(title))</title>\n"
            out += "<rect width=\"100%\" height=\"100%\" fill=\"\(Palette.background)\"/>\n"
            out += text(margin, 28, fit(title, width: width - 2 * margin, size: 18, bold: true), size: 18, weight: "600", fill: Palette.text)
            out += text(margin, 48, fit(subtitle, width: width - 2 * margin, size: 13), size: 13, fill: Palette.muted)

            // Which series have anything to show: an always-empty one stays out of the legend.
            var anyIdle = false, anyWarming = false, anyPending = false, anyPrevious = false, anyNew = false, anyFloor = false
            var peak = 0.0
            for s in samples {
                anyPrevious = anyPrevious || s.servingPrevious > 0
                anyNew = anyNew || s.servingNew > 0
                anyFloor = anyFloor || s.floor > 0
                anyIdle = anyIdle || s.idle > 0
                anyWarming = anyWarming || s.warming > 0
                anyPending = anyPending || s.pending > 0
                let stacked = Double(s.servingPrevious) + Double(s.servingNew) + Double(s.idle) + Double(s.warming) + Double(s.pending)
                peak = max(peak, stacked, Double(s.desired), Double(s.floor))
            }

            // Legend, flowing left to right under the subtitle.
            var legend: [(label: String, swatch: Swatch)] = []
            if anyPrevious || !anyNew { legend.append(("\(clip(previousLabel, 28)) in service", .area(Palette.previous))) }
            if anyNew { legend.append(("\(clip(newLabel, 28)) in service", .area(Palette.new))) }
            if anyIdle { legend.append(("idle (deregistered)", .area(Palette.idle))) }
            if anyWarming { legend.append(("warming up", .area(Palette.warming))) }
            if anyPending { legend.append(("pending (launch, boot, swap)", .area(Palette.pending))) }
            legend.append(("desired capacity", .line(Palette.desired, dashed: false)))
            if anyFloor { legend.append(("MinHealthy floor", .line(Palette.floor, dashed: true))) }
            let legendBottom = drawLegend(legend, left: margin, top: 62, right: width - margin)

            // Frame: room on the left for the tick labels and the rotated axis title, below for the time axis.
            plotLeft = 74
            plotRight = width - 22
            plotTop = legendBottom + 10
            plotBottom = height - 46

            guard !samples.isEmpty else {
                dataTop = plotTop
                out += "<rect x=\"\(num(plotLeft))\" y=\"\(num(plotTop))\" width=\"\(num(plotRight - plotLeft))\" height=\"\(num(plotBottom - plotTop))\" fill=\"\(Palette.plot)\" stroke=\"\(Palette.grid)\"/>\n"
                out += text((plotLeft + plotRight) / 2, (plotTop + plotBottom) / 2, "no samples recorded", size: 13, fill: Palette.muted, anchor: "middle")
                out += "</svg>\n"
                return out
            }

            // Time domain: from the start to the last sample or marker, with a little room so the final state shows.
            let first = samples[0].time, last = samples[samples.count - 1].time
            let finiteMarkers = markers.filter { $0.time.isFinite }
            t0 = min(0, first, finiteMarkers.map(\.time).min() ?? 0)
            var end = max(last, finiteMarkers.map(\.time).max() ?? last)
            if !(end - t0 > 0) { end = t0 + 60 }
            t1 = end + (end - t0) * 0.02

            // Marker labels are placed first: their rows decide how tall the band above the data is.
            let placed = placeMarkers(finiteMarkers)
            dataTop = plotTop + (placed.rows > 0 ? Double(placed.rows) * 17 + 6 : 8)

            let yTicks = niceTicks(peak)
            yMax = yTicks.last ?? 1

            out += "<rect x=\"\(num(plotLeft))\" y=\"\(num(plotTop))\" width=\"\(num(plotRight - plotLeft))\" height=\"\(num(plotBottom - plotTop))\" fill=\"\(Palette.plot)\"/>\n"
            let timeTicks = self.timeTicks()
            drawGrid(yTicks: yTicks, timeTicks: timeTicks)

            // The stacked areas, painted from the outermost total down so neighbours share no seam.
            let buckets = max(1, min(Int(plotRight - plotLeft), maxPoints / 3))
            let layers: [(String, (FleetSample) -> Double)] = [
                (Palette.pending, { Double($0.servingPrevious) + Double($0.servingNew) + Double($0.idle) + Double($0.warming) + Double($0.pending) }),
                (Palette.warming, { Double($0.servingPrevious) + Double($0.servingNew) + Double($0.idle) + Double($0.warming) }),
                (Palette.idle, { Double($0.servingPrevious) + Double($0.servingNew) + Double($0.idle) }),
                (Palette.new, { Double($0.servingPrevious) + Double($0.servingNew) }),
                (Palette.previous, { Double($0.servingPrevious) }),
            ]
            out += "<g clip-path=\"url(#data)\">\n"
            for (color, value) in layers {
                let points = series(samples, buckets: buckets, value: value)
                guard points.contains(where: { $0.v > 0 }) else { continue }
                out += "<path d=\"\(areaPath(points))\" fill=\"\(color)\"/>\n"
            }
            // The edge of in-service capacity, stroked: a dip narrower than a pixel still shows as a line.
            let inService = series(samples, buckets: buckets) { Double($0.servingPrevious) + Double($0.servingNew) }
            out += "<path d=\"\(linePath(inService))\" fill=\"none\" stroke=\"\(Palette.inService)\" stroke-width=\"1\" stroke-linejoin=\"bevel\"/>\n"
            let floor = series(samples, buckets: buckets) { Double($0.floor) }
            let desired = series(samples, buckets: buckets) { Double($0.desired) }
            if anyFloor {
                out += "<path d=\"\(linePath(floor))\" fill=\"none\" stroke=\"\(Palette.floor)\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
            }
            out += "<path d=\"\(linePath(desired))\" fill=\"none\" stroke=\"\(Palette.desired)\" stroke-width=\"1.75\"/>\n"
            out += "</g>\n"
            out += "<defs><clipPath id=\"data\"><rect x=\"\(num(plotLeft))\" y=\"\(num(plotTop))\" width=\"\(num(plotRight - plotLeft))\" height=\"\(num(plotBottom - plotTop + 1))\"/></clipPath></defs>\n"

            drawMarkers(placed.labels)
            drawAxes(yTicks: yTicks, timeTicks: timeTicks)
            out += "</svg>\n"
            return out
        }

        // MARK: Series

        /// A step series in data coordinates: each sample holds until the next. Long runs are cut into
        /// `buckets` equal time slices, each kept as its extremes in the order they happened.
        func series(_ samples: [FleetSample], buckets: Int, value: (FleetSample) -> Double) -> [Point] {
            var points: [Point] = []
            if samples.count * 2 <= maxPoints {
                points.reserveCapacity(samples.count * 2)
                for (i, s) in samples.enumerated() {
                    let next = i + 1 < samples.count ? samples[i + 1].time : t1
                    let v = value(s)
                    points.append(Point(t: s.time, v: v))
                    points.append(Point(t: next, v: v))
                }
                return simplified(points)
            }
            points.reserveCapacity(buckets * 2)
            let step = (t1 - t0) / Double(buckets)
            var index = 0
            var carry = value(samples[0])
            // Before the first sample nothing is drawn: start where the data starts.
            let firstBucket = min(buckets - 1, max(0, Int((samples[0].time - t0) / step)))
            for b in firstBucket..<buckets {
                let start = t0 + Double(b) * step, end = b == buckets - 1 ? t1 : start + step
                var low = carry, high = carry, lowAt = -1, highAt = -1, order = 0
                while index < samples.count, samples[index].time < end || b == buckets - 1 {
                    let v = value(samples[index])
                    order += 1
                    if v < low { low = v; lowAt = order }
                    if v > high { high = v; highAt = order }
                    carry = v
                    index += 1
                }
                let from = b == firstBucket ? max(start, samples[0].time) : start
                if low == high {
                    points.append(Point(t: from, v: low))
                    points.append(Point(t: end, v: low))
                } else if lowAt < highAt {
                    points.append(Point(t: from, v: low))
                    points.append(Point(t: end, v: high))
                } else {
                    points.append(Point(t: from, v: high))
                    points.append(Point(t: end, v: low))
                }
                // The bucket's last value carries on; its extremes were drawn.
                if carry != (lowAt < highAt ? high : low) {
                    points.append(Point(t: end, v: carry))
                }
            }
            return simplified(points)
        }

        /// Drops points in the middle of a horizontal or vertical run (a flat desired line is two points).
        func simplified(_ points: [Point]) -> [Point] {
            guard points.count > 2 else { return points }
            var out: [Point] = [points[0]]
            out.reserveCapacity(points.count)
            for i in 1..<(points.count - 1) {
                let a = out[out.count - 1], b = points[i], c = points[i + 1]
                if (a.v == b.v && b.v == c.v) || (a.t == b.t && b.t == c.t) { continue }
                out.append(b)
            }
            out.append(points[points.count - 1])
            return out
        }

        func linePath(_ points: [Point]) -> String {
            var d = ""
            d.reserveCapacity(points.count * 14)
            for (i, p) in points.enumerated() {
                d += i == 0 ? "M" : "L"
                d += "\(num(x(p.t))) \(num(y(p.v)))"
            }
            return d
        }

        func areaPath(_ points: [Point]) -> String {
            guard let first = points.first, let last = points.last else { return "" }
            return "M\(num(x(first.t))) \(num(y(0)))L" + linePath(points).dropFirst() + "L\(num(x(last.t))) \(num(y(0)))Z"
        }

        // MARK: Axes

        /// 0 and up to seven steps of 1, 2 or 5 x 10^k instances (whole instances only) covering `peak`.
        /// A peak on a tick is the top: the marker band or a margin keeps it clear of the frame.
        func niceTicks(_ peak: Double) -> [Double] {
            let top = max(1, peak)
            var magnitude = 1.0
            while magnitude * 10 <= top { magnitude *= 10 }
            var step = 1.0
            search: for m in [magnitude / 10, magnitude, magnitude * 10] where m >= 1 {
                for f in [1.0, 2, 5] where (top / (f * m)).rounded(.up) <= 7 {
                    step = f * m
                    break search
                }
            }
            let count = Int((top / step).rounded(.up))
            return (0...max(1, count)).map { Double($0) * step }
        }

        /// Time ticks at a round step (seconds, minutes, hours, days), about one per 90 pixels.
        func timeTicks() -> [Double] {
            let span = t1 - t0
            let wanted = max(2, (plotRight - plotLeft) / 90)
            let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800, 604_800]
            var step = steps.first { span / $0 <= wanted } ?? 0
            if step == 0 {
                step = 604_800
                while span / step > wanted { step *= 2 }
            }
            var ticks: [Double] = []
            var t = (t0 / step).rounded(.up) * step
            while t <= t1 + 1e-9 {
                ticks.append(t)
                t += step
            }
            return ticks
        }

        mutating func drawGrid(yTicks: [Double], timeTicks: [Double]) {
            var d = ""
            for v in yTicks.dropFirst() { d += "M\(num(plotLeft)) \(num(y(v)))H\(num(plotRight))" }
            for t in timeTicks where t > t0 { d += "M\(num(x(t))) \(num(dataTop))V\(num(plotBottom))" }
            if !d.isEmpty { out += "<path d=\"\(d)\" stroke=\"\(Palette.grid)\" stroke-width=\"1\" fill=\"none\"/>\n" }
        }

        mutating func drawAxes(yTicks: [Double], timeTicks: [Double]) {
            out += "<path d=\"M\(num(plotLeft)) \(num(plotTop))V\(num(plotBottom))H\(num(plotRight))\" stroke=\"\(Palette.axis)\" stroke-width=\"1\" fill=\"none\"/>\n"
            var ticks = ""
            for v in yTicks { ticks += "M\(num(plotLeft - 4)) \(num(y(v)))H\(num(plotLeft))" }
            for t in timeTicks { ticks += "M\(num(x(t))) \(num(plotBottom))V\(num(plotBottom + 4))" }
            out += "<path d=\"\(ticks)\" stroke=\"\(Palette.axis)\" stroke-width=\"1\"/>\n"
            out += "<g font-size=\"11\" fill=\"\(Palette.muted)\">\n"
            for v in yTicks { out += text(plotLeft - 7, y(v) + 4, count(v), size: nil, anchor: "end") }
            for t in timeTicks { out += text(x(t), plotBottom + 17, duration(t), size: nil, anchor: "middle") }
            out += "</g>\n"
            let middle = (dataTop + plotBottom) / 2
            out += "<text x=\"20\" y=\"\(num(middle))\" transform=\"rotate(-90 20 \(num(middle)))\" font-size=\"12\" fill=\"\(Palette.muted)\" text-anchor=\"middle\">instances</text>\n"
            out += text((plotLeft + plotRight) / 2, plotBottom + 36, timeAxis, size: 12, fill: Palette.muted, anchor: "middle")
        }

        // MARK: Legend

        enum Swatch {
            case area(String)
            case line(String, dashed: Bool)
        }

        /// Draws the legend entries in rows; returns the bottom of the last row.
        mutating func drawLegend(_ entries: [(label: String, swatch: Swatch)], left: Double, top: Double, right: Double) -> Double {
            var cx = left, row = 0.0
            out += "<g font-size=\"12\" fill=\"\(Palette.text)\">\n"
            for entry in entries {
                let w = 22 + textWidth(entry.label, size: 12) + 14
                if cx > left && cx + w > right {
                    cx = left
                    row += 20
                }
                let cy = top + row
                switch entry.swatch {
                case .area(let color):
                    out += "<rect x=\"\(num(cx))\" y=\"\(num(cy - 6))\" width=\"14\" height=\"12\" rx=\"2\" fill=\"\(color)\"/>"
                case .line(let color, let dashed):
                    out += "<path d=\"M\(num(cx)) \(num(cy))h16\" stroke=\"\(color)\" stroke-width=\"\(dashed ? "1.5" : "1.75")\"\(dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
                }
                out += text(cx + 21, cy + 4, entry.label, size: nil)
                cx += w
            }
            out += "</g>\n"
            return top + row + 8
        }

        // MARK: Markers

        struct PlacedLabel {
            var marker: Marker
            var x: Double
            /// Row of its label in the band above the data, or nil when no row had room (the line is still drawn).
            var row: Int?
            var text: String
            /// The label box's left edge: right of the line where it fits, else left of it, else against the
            /// plot's right edge; never outside the plot.
            var left: Double
        }

        /// Gives each marker's label the first row of the band where it overlaps no other label.
        func placeMarkers(_ markers: [Marker]) -> (labels: [PlacedLabel], rows: Int) {
            let sorted = markers.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
            let maxRows = 4
            var rows: [[(Double, Double)]] = []
            var placed: [PlacedLabel] = []
            for m in sorted {
                let px = x(m.time)
                let label = fit(clip(m.label, 48), width: plotRight - plotLeft - 8, size: 11)
                let w = textWidth(label, size: 11) + 8
                let left: Double
                if px + 2 + w <= plotRight {
                    left = px + 2
                } else if px - 2 - w >= plotLeft {
                    left = px - 2 - w
                } else {
                    left = max(plotLeft, plotRight - w)
                }
                let span = (left, left + w)
                var row: Int?
                for (r, used) in rows.enumerated() where !used.contains(where: { span.0 < $0.1 + 4 && $0.0 < span.1 + 4 }) {
                    row = r
                    break
                }
                if row == nil && rows.count < maxRows {
                    rows.append([])
                    row = rows.count - 1
                }
                if let r = row { rows[r].append(span) }
                placed.append(PlacedLabel(marker: m, x: px, row: row, text: label, left: left))
            }
            return (placed, rows.count)
        }

        mutating func drawMarkers(_ labels: [PlacedLabel]) {
            for p in labels {
                let (color, width, dash) = style(p.marker.kind)
                out += "<path d=\"M\(num(p.x)) \(num(plotTop))V\(num(plotBottom))\" stroke=\"\(color)\" stroke-width=\"\(width)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>\n"
            }
            for p in labels {
                guard let row = p.row else { continue }
                let (color, _, _) = style(p.marker.kind)
                let w = textWidth(p.text, size: 11) + 8
                let top = plotTop + 4 + Double(row) * 17
                let left = p.left
                out += "<rect x=\"\(num(left))\" y=\"\(num(top))\" width=\"\(num(w))\" height=\"15\" rx=\"3\" fill=\"\(Palette.plot)\" fill-opacity=\"0.92\" stroke=\"\(color)\" stroke-width=\"0.75\"/>"
                out += text(left + 4, top + 11, p.text, size: 11, weight: p.marker.kind == .rollback ? "600" : nil, fill: color)
            }
        }

        func style(_ kind: Marker.Kind) -> (color: String, width: String, dash: String?) {
            switch kind {
            case .checkpoint: (Palette.checkpoint, "1.5", nil)
            case .rollback: (Palette.rollback, "2", nil)
            case .fault: (Palette.fault, "1.5", "4 3")
            case .status: (Palette.status, "1", "2 3")
            }
        }

        // MARK: Text

        func text(_ x: Double, _ y: Double, _ content: String, size: Int?, weight: String? = nil, fill: String? = nil, anchor: String? = nil) -> String {
            var s = "<text x=\"\(num(x))\" y=\"\(num(y))\""
            if let size { s += " font-size=\"\(size)\"" }
            if let weight { s += " font-weight=\"\(weight)\"" }
            if let fill { s += " fill=\"\(fill)\"" }
            if let anchor { s += " text-anchor=\"\(anchor)\"" }
            return s + ">\(escape(content))</text>\n"
        }

        /// Shortens `s` with an ellipsis until its estimated width fits.
        func fit(_ s: String, width: Double, size: Double, bold: Bool = false) -> String {
            let scale = bold ? 1.06 : 1
            guard textWidth(s, size: size) * scale > width else { return s }
            var chars = Array(s)
            while !chars.isEmpty && textWidth(String(chars) + "…", size: size) * scale > width { chars.removeLast() }
            return String(chars) + "…"
        }
    }

    // MARK: - Helpers

    static func isSorted(_ samples: [FleetSample]) -> Bool {
        zip(samples, samples.dropFirst()).allSatisfy { $0.time <= $1.time }
    }

    static func stableSorted(_ samples: [FleetSample]) -> [FleetSample] {
        samples.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element).filter { $0.time.isFinite }
    }

    /// A generous width of `s` in a proportional sans-serif face (DejaVu Sans' metrics, the widest common
    /// fallback for system-ui): a pure renderer has no font metrics, and too wide only costs spacing.
    static func textWidth(_ s: String, size: Double) -> Double {
        var em = 0.0
        for ch in s.unicodeScalars {
            switch ch {
            case "i", "l", "j", "I", "!", "|", ".", ",", ":", ";", "'", "`": em += 0.3
            case " ": em += 0.32
            case "f", "t", "r", "(", ")", "[", "]", "-", "/": em += 0.41
            case "m", "w", "M", "W", "%", "@": em += 0.98
            case "A"..."Z": em += 0.74
            case "0"..."9": em += 0.64
            default: em += ch.value < 0x80 ? 0.62 : 0.7
            }
        }
        return em * size
    }

    static func clip(_ s: String, _ limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 allows no other control characters.
            case "\t", "\n", "\r": out += " "
            default: if ch.value >= 0x20 && !(0xFFFE...0xFFFF).contains(ch.value) { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// A coordinate with at most one decimal ("12", "12.5", "-3.2"); the same value always prints the same.
    static func num(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let tenths = Int((v * 10).rounded())
        if tenths % 10 == 0 { return String(tenths / 10) }
        let a = tenths.magnitude
        return "\(tenths < 0 ? "-" : "")\(a / 10).\(a % 10)"
    }

    /// An instance count for the axis: "950", "2,500", "10k", "12.5k".
    static func count(_ v: Double) -> String {
        let n = Int(v.rounded())
        if n >= 10_000 {
            let tenths = (n + 50) / 100
            return tenths % 10 == 0 ? "\(tenths / 10)k" : "\(tenths / 10).\(tenths % 10)k"
        }
        if n >= 1000 {
            let rest = n % 1000
            return "\(n / 1000),\(rest < 10 ? "00" : rest < 100 ? "0" : "")\(rest)"
        }
        return String(n)
    }

    /// Seconds as "0", "45s", "5m", "1h", "1h30m", "2d6h".
    static func duration(_ t: Double) -> String {
        var s = Int(t.rounded())
        guard s != 0 else { return "0" }
        let sign = s < 0 ? "-" : ""
        s = abs(s)
        let parts = [(s / 86400, "d"), (s % 86400 / 3600, "h"), (s % 3600 / 60, "m"), (s % 60, "s")]
        return sign + parts.filter { $0.0 > 0 }.map { "\($0.0)\($0.1)" }.joined()
    }
}

extension RolloutChart.Layout {
    func num(_ v: Double) -> String { RolloutChart.num(v) }
    func count(_ v: Double) -> String { RolloutChart.count(v) }
    func duration(_ t: Double) -> String { RolloutChart.duration(t) }
    func escape(_ s: String) -> String { RolloutChart.escape(s) }
    func clip(_ s: String, _ limit: Int) -> String { RolloutChart.clip(s, limit) }
    func textWidth(_ s: String, size: Double) -> Double { RolloutChart.textWidth(s, size: size) }
    func isSorted(_ s: [FleetSample]) -> Bool { RolloutChart.isSorted(s) }
    func stableSorted(_ s: [FleetSample]) -> [FleetSample] { RolloutChart.stableSorted(s) }
    var fontStack: String { RolloutChart.fontStack }
    var maxPoints: Int { RolloutChart.maxPoints }
    typealias Palette = RolloutChart.Palette
}
