import Foundation
import IngotCore
import IngotRollout
import Testing

/// The charts' annotations, checked from the SVG's own boxes: no two marker labels overlap and none
/// leaves the plot, for every strategy (with the faults that annotate most) and for a failover drill.
@Suite struct ChartLayoutTests {
    struct Box { var x, y, width, height: Double }

    /// A number attribute of an SVG element's text.
    static func attribute(_ name: String, in element: Substring) -> Double? {
        guard let r = element.range(of: " \(name)=\"") else { return nil }
        return Double(element[r.upperBound...].prefix { $0 != "\"" })
    }

    /// The plot frame (the white rectangle drawn first) and the marker labels' boxes (rounded rectangles).
    static func boxes(_ svg: String) throws -> (plot: Box, labels: [Box]) {
        let rects = svg.components(separatedBy: "<rect").dropFirst().map { Substring($0.prefix { $0 != ">" }) }
        func box(_ e: Substring) -> Box? {
            guard let x = attribute("x", in: e), let y = attribute("y", in: e), let w = attribute("width", in: e), let h = attribute("height", in: e) else { return nil }
            return Box(x: x, y: y, width: w, height: h)
        }
        let plot = try #require(rects.first { $0.contains("fill=\"#ffffff\"") && !$0.contains("rx=") }.flatMap(box))
        let labels = rects.filter { $0.contains("rx=\"3\"") }.compactMap(box)
        return (plot, labels)
    }

    static func check(_ svg: String, _ what: String) throws {
        let (plot, labels) = try Self.boxes(svg)
        for l in labels {
            #expect(l.x >= plot.x - 0.1 && l.x + l.width <= plot.x + plot.width + 0.1, "\(what): a label leaves the plot: \(l)")
        }
        for (i, a) in labels.enumerated() {
            for b in labels[(i + 1)...] {
                let overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
                #expect(!overlap, "\(what): labels overlap: \(a) and \(b)")
            }
        }
    }

    @Test("Every strategy's chart, with faults, a rollback and checkpoints", arguments: StrategyRegistry.linked.strategies.map { $0.name })
    func strategies(name: String) throws {
        for (unhealthy, failures) in [(0.0, 0.0), (0.2, 0.1), (1.0, 0.0)] {
            var w = World()
            w.unhealthyRate = unhealthy
            w.launchFailureRate = failures
            w.alarmUnhealthyFraction = 0.3
            w.alarmAt = unhealthy == 0 ? 1500 : nil
            var p = RefreshPreferences()
            p.checkpointPercentages = [20, 50, 100]
            p.checkpointDelay = 300
            p.autoRollback = true
            var sim = try RolloutSimulation(spec: .uniform(size: 20), preferences: p, world: w,
                                            strategy: try StrategyRegistry.linked.make(name, parameters: [:]), seed: 5, record: true)
            let r = sim.run()
            let markers = RolloutChart.markers(for: r)
            // One marker per thing: a traffic switch or a rollback is drawn once per instant.
            let keys = markers.map { "\($0.time) \($0.label)" }
            #expect(Set(keys).count == keys.count, "\(name): \(keys)")
            let svg = RolloutChart.svg(samples: r.samples, markers: markers, title: name, subtitle: "", previousLabel: "previous", newLabel: "new")
            try Self.check(svg, "\(name) unhealthy \(unhealthy)")
        }
    }

    @Test("A drill's ramp: its four annotations close together, no floor or empty series in the legend")
    func drill() throws {
        var w = World()
        w.launchFailureRate = 0.02
        let r = try FailoverDrill.run(standby: 0, full: 9, zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], healthCheckGracePeriod: 300, warmup: 300,
                                      world: w, delay: 0, seed: 1)
        var markers = [RolloutChart.Marker(time: (r.secondsToFullCapacity ?? 400) + 5, label: "estimated RTO", kind: .status)]
        for (t, label) in [(r.secondsToHalfCapacity, "50 %"), (r.secondsToNinetyPercent, "90 %"), (r.secondsToFullCapacity, "100 %")] {
            if let t { markers.append(RolloutChart.Marker(time: t, label: label, kind: .checkpoint)) }
        }
        let svg = RolloutChart.svg(samples: r.samples, markers: markers, title: "DR drill", subtitle: "", previousLabel: "source region", newLabel: "DR region",
                                   timeAxis: "time since the source region was lost")
        try Self.check(svg, "drill")
        #expect(svg.contains("time since the source region was lost") && !svg.contains("refresh started"))
        #expect(!svg.contains("MinHealthy floor") && !svg.contains("source region in service"))
    }
}
