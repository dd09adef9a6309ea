import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import IngotAWS
import Testing

/// The hand-written XML reader against Foundation's XMLParser on generated AWS-shaped documents:
/// the same element names (prefixes dropped), nesting and leaf text (entities and character references
/// decoded, whitespace-only leaves kept as they are; elements with children keep no text, as AWS sends
/// no mixed content).
@Suite struct XMLDifferentialTests {
    indirect enum Tree: Equatable { case element(String, String, [Tree]) }

    final class Reader: NSObject, XMLParserDelegate {
        var stack: [(name: String, text: String, children: [Tree])] = []
        var root: Tree?
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            stack.append((String(name.split(separator: ":").last ?? Substring(name)), "", []))
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let open = stack.removeLast()
            let node = Tree.element(open.name, open.children.isEmpty ? open.text : "", open.children)
            if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
        }
    }

    static func foundation(_ text: String) -> Tree? {
        let parser = XMLParser(data: Data(text.utf8))
        let reader = Reader()
        parser.delegate = reader
        return parser.parse() ? reader.root : nil
    }

    static func ours(_ e: AWSXML.Element) -> Tree { .element(e.name, e.text, e.children.map(ours)) }

    static let texts = ["ami-0123456789abcdef0", "a &amp; b", "&lt;tag&gt;", "it&apos;s &quot;quoted&quot;", "&#65;&#x42;C", "é 日本 🚀", "", "   ", "2026-11-26T12:00:00.000Z"]

    /// An element chosen by `seed`, with children below `depth` 3.
    static func element(_ seed: Int, depth: Int = 0) -> String {
        let pick = (seed &* 2654435761 &+ depth &* 40503) & 0xFFFF
        let name = ["item", "member", "imageId", "ec2:tagSet", "Status", "Preferences"][pick % 6]
        if depth >= 3 || pick % 3 == 0 { return "<\(name)>\(texts[pick % texts.count])</\(name)>" }
        let children = (0..<(pick % 4)).map { element(seed &+ $0 &* 7919, depth: depth + 1) }.joined(separator: pick % 2 == 0 ? "\n  " : "")
        return "<\(name)>\(children)</\(name)>"
    }

    @Test(arguments: 0..<150)
    func sameTreeAsFoundation(seed: Int) throws {
        let document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeImagesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
            + Self.element(seed) + "<requestId>r-\(seed)</requestId></DescribeImagesResponse>"
        let expected = try #require(Self.foundation(document), "Foundation could not read seed \(seed)")
        #expect(Self.ours(try AWSXML.parse(document)) == expected, "seed \(seed): \(document)")
    }
}
