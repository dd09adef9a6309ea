import IngotCore

/// The compact JSON in which an image row carries its tags, block devices and launch permissions:
/// positional arrays, read back with the streaming parser (Foundation's decoder is ~20x slower).
enum RowJSON {
    static func tags(_ tags: [Tag]) -> String {
        var s = "["
        for (i, t) in tags.enumerated() {
            if i > 0 { s += "," }
            s += "["; string(t.key, &s); s += ","; string(t.value, &s); s += "]"
        }
        return s + "]"
    }

    /// `[device, snapshot, size, type, encrypted, kmsKey, deleteOnTermination, virtualName]` per device.
    static func blockDevices(_ mappings: [BlockDeviceMapping]) -> String {
        var s = "["
        for (i, m) in mappings.enumerated() {
            if i > 0 { s += "," }
            s += "["
            string(m.deviceName, &s); s += ","
            string(m.snapshotId?.rawValue, &s); s += ","
            s += m.volumeSize.map(String.init) ?? "null"; s += ","
            string(m.volumeType?.rawValue, &s); s += ","
            s += m.encrypted.map { $0 ? "true" : "false" } ?? "null"; s += ","
            string(m.kmsKeyId, &s); s += ","
            s += m.deleteOnTermination.map { $0 ? "true" : "false" } ?? "null"; s += ","
            string(m.virtualName, &s)
            s += "]"
        }
        return s + "]"
    }

    /// `[[kind, value], ...]` with kinds user, group, organization, ou.
    static func permissions(_ p: LaunchPermissions) -> String {
        var s = "["
        for (i, (kind, value)) in permissionRows(p).enumerated() {
            if i > 0 { s += "," }
            s += "["; string(kind, &s); s += ","; string(value, &s); s += "]"
        }
        return s + "]"
    }

    static func permissionRows(_ p: LaunchPermissions) -> [(String, String)] {
        var rows: [(String, String)] = []
        if p.isPublic { rows.append(("group", "all")) }
        rows += p.userIds.map { ("user", $0.rawValue) }
        rows += p.organizationArns.map { ("organization", $0) }
        rows += p.organizationalUnitArns.map { ("ou", $0) }
        return rows
    }

    private static func string(_ value: String?, _ out: inout String) {
        guard let value else { out += "null"; return }
        out += "\""
        for u in value.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    // MARK: Reading

    private static func rows(_ text: String, _ body: (JSONPullParser) throws -> Void) throws {
        let p = JSONPullParser(bytes: Array(text.utf8))
        try p.beginArray()
        while try p.nextElement() {
            try p.beginArray()
            try body(p)
            while try p.nextElement() { try p.skipValue() }
        }
    }

    private static func optionalString(_ p: JSONPullParser) throws -> String? {
        try p.nextElement() ? (p.readNull() ? nil : p.readString()) : nil
    }

    private static func optionalInt(_ p: JSONPullParser) throws -> Int? {
        try p.nextElement() ? (p.readNull() ? nil : p.readInt()) : nil
    }

    private static func optionalBool(_ p: JSONPullParser) throws -> Bool? {
        try p.nextElement() ? (p.readNull() ? nil : p.readBool()) : nil
    }

    static func decodeTags(_ text: String) throws -> [Tag] {
        var tags: [Tag] = []
        try rows(text) { p in
            tags.append(Tag(key: try optionalString(p) ?? "", value: try optionalString(p) ?? ""))
        }
        return tags
    }

    static func decodeBlockDevices(_ text: String) throws -> [BlockDeviceMapping] {
        var list: [BlockDeviceMapping] = []
        try rows(text) { p in
            let device = try optionalString(p) ?? ""
            let snapshot = try optionalString(p).map(SnapshotID.init(trusted:))
            let size = try optionalInt(p)
            let type = try optionalString(p).flatMap(VolumeType.init(rawValue:))
            let encrypted = try optionalBool(p)
            let key = try optionalString(p)
            let deleteOnTermination = try optionalBool(p)
            let virtualName = try optionalString(p)
            list.append(BlockDeviceMapping(deviceName: device, snapshotId: snapshot, volumeSize: size, volumeType: type, encrypted: encrypted,
                                           kmsKeyId: key, deleteOnTermination: deleteOnTermination, virtualName: virtualName))
        }
        return list
    }

    static func decodePermissions(_ text: String) throws -> LaunchPermissions {
        var p = LaunchPermissions()
        try rows(text) { parser in
            let kind = try optionalString(parser) ?? ""
            let value = try optionalString(parser) ?? ""
            switch kind {
            case "group": p.isPublic = true
            case "user": p.userIds.append(AccountID(trusted: value))
            case "organization": p.organizationArns.append(value)
            default: p.organizationalUnitArns.append(value)
            }
        }
        return p
    }
}
