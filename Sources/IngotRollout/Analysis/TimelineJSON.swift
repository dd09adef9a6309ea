import Foundation
import IngotCore

extension RolloutResult {
    /// Writes the recorded timeline as JSON, streamed a MiB at a time and renamed into place when whole:
    /// `{"strategy":..,"seed":..,"status":..,"durationSeconds":..,"previousVersion":..,"newVersion":..,
    /// "events":[{"time":..,"event":..,"instance":..,"zone":..,"version":"previous"|"new","detail":..}]}`.
    public func writeTimeline(zones: [String], to path: String) throws {
        guard FileManager.default.createFile(atPath: path + ".partial", contents: nil), let handle = FileHandle(forWritingAtPath: path + ".partial") else {
            throw IngotError.invalid("timeline", "cannot write \(path)")
        }
        func json(_ s: String) -> String {
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
                }
            }
            return out + "\""
        }
        var buffer = "{\"strategy\":\(json(strategy)),\"seed\":\(seed),\"status\":\(json(status.rawValue)),\"durationSeconds\":\(durationSeconds),"
            + "\"previousVersion\":\(json(previousVersion)),\"newVersion\":\(json(newVersion)),\"events\":["
        for (n, e) in timeline.enumerated() {
            buffer += n == 0 ? "\n" : ",\n"
            buffer += "{\"time\":\((e.time * 1000).rounded() / 1000),\"event\":\(json(e.kind.name))"
            if e.instance >= 0 { buffer += ",\"instance\":\(e.instance)" }
            if e.zone >= 0, Int(e.zone) < zones.count { buffer += ",\"zone\":\(json(zones[Int(e.zone)]))" }
            if e.version >= 0 { buffer += ",\"version\":\(e.version == 0 ? "\"previous\"" : "\"new\"")" }
            if let d = e.detail { buffer += ",\"detail\":\(json(d))" }
            buffer += "}"
            if buffer.utf8.count > 1 << 20 { handle.write(Data(buffer.utf8)); buffer = "" }
        }
        buffer += "\n]}\n"
        handle.write(Data(buffer.utf8))
        try handle.close()
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: path + ".partial", toPath: path)
    }
}
