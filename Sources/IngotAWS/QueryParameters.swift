import Foundation

/// The parameters of one Query-protocol request (EC2, Auto Scaling, STS, IAM): `Action`, `Version`
/// and the action's arguments, flattened the way each service wants its lists.
///
/// ```swift
/// var q = QueryParameters(action: "DescribeImages", version: EC2.version)
/// q.ec2List("Owner", ["self"])                                   // Owner.1=self
/// q.ec2Filters([("tag:golden", ["true"])])                      // Filter.1.Name=tag:golden&Filter.1.Value.1=true
/// var a = QueryParameters(action: "DescribeAutoScalingGroups", version: AutoScaling.version)
/// a.memberList("AutoScalingGroupNames", ["web-asg"])          // AutoScalingGroupNames.member.1=web-asg
/// ```
public struct QueryParameters: Sendable, Hashable {
    public struct Item: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// In insertion order (the order does not matter to AWS; it keeps request logs readable).
    public private(set) var items: [Item]

    public init(action: String, version: String) {
        items = [Item(name: "Action", value: action), Item(name: "Version", value: version)]
    }

    public var action: String { self["Action"] ?? "" }

    public subscript(name: String) -> String? { items.first { $0.name == name }?.value }

    /// Sets `name`; a nil value leaves the parameter out (AWS's "not given").
    public mutating func set(_ name: String, _ value: String?) {
        guard let value else { return }
        if let i = items.firstIndex(where: { $0.name == name }) { items[i].value = value } else { items.append(Item(name: name, value: value)) }
    }

    public mutating func set(_ name: String, _ value: Int?) { set(name, value.map(String.init)) }

    /// Booleans as AWS spells them: `true`/`false`.
    public mutating func set(_ name: String, _ value: Bool?) { set(name, value.map { $0 ? "true" : "false" }) }

    /// EC2's flattened list: `Name.1`, `Name.2`, ...
    public mutating func ec2List(_ name: String, _ values: [String]) {
        for (i, v) in values.enumerated() { set("\(name).\(i + 1)", v) }
    }

    /// EC2's `Filter.N.Name` / `Filter.N.Value.M`.
    public mutating func ec2Filters(_ filters: [(name: String, values: [String])]) {
        for (i, f) in filters.enumerated() {
            set("Filter.\(i + 1).Name", f.name)
            ec2List("Filter.\(i + 1).Value", f.values)
        }
    }

    /// EC2's tag list under `prefix`: `prefix.N.Key` / `prefix.N.Value`.
    public mutating func ec2Tags(_ prefix: String, _ tags: [(key: String, value: String)]) {
        for (i, t) in tags.enumerated() {
            set("\(prefix).\(i + 1).Key", t.key)
            set("\(prefix).\(i + 1).Value", t.value)
        }
    }

    /// Auto Scaling's (and IAM's, STS's) list: `Name.member.1`, `Name.member.2`, ...
    public mutating func memberList(_ name: String, _ values: [String]) {
        for (i, v) in values.enumerated() { set("\(name).member.\(i + 1)", v) }
    }

    /// The `application/x-www-form-urlencoded` body: everything but RFC 3986's unreserved characters
    /// percent-encoded, and space as `+`, byte for byte what botocore sends. AWS signs the body's bytes
    /// so either spelling of a space is valid there, but moto re-encodes the parsed form this way
    /// before checking a signature.
    public var formEncoded: String {
        items.map { Self.formEncode($0.name) + "=" + Self.formEncode($0.value) }.joined(separator: "&")
    }

    static func formEncode(_ text: String) -> String {
        SigV4Signer.uriEncode(text).replacingOccurrences(of: "%20", with: "+")
    }
}
