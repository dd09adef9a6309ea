import Foundation
import IngotCore
import Testing

/// ingot.yaml decodes with any decoder (JSON here, YAML in the CLI); a key the file format does not have
/// is refused naming where it is, since `name:` for `names:` would otherwise select every image.
@Suite struct IngotConfigTests {
    static func decode(_ json: String) throws -> IngotConfig {
        try JSONDecoder().decode(IngotConfig.self, from: Data(json.utf8))
    }

    @Test("Unknown keys are refused at every level, naming the field")
    func unknownKeys() {
        let cases = [
            (#"{"selector": {}}"#, "file: unknown key 'selector'"),
            (#"{"selectors": {"web": {"name": ["x"]}}}"#, "selectors.web: unknown key 'name'"),
            (#"{"templates": [{"name": "web-lt", "regions": ["us-east-1"], "selector": "web", "default": true}]}"#, "templates[0]: unknown key 'default'"),
            (#"{"dr": {"source": "us-east-1"}}"#, "dr: unknown key 'source'"),
        ]
        for (json, message) in cases {
            let e = #expect(throws: IngotError.self) { try Self.decode(json) }
            #expect(e?.kind == .invalidInput && e?.message.hasPrefix(message) == true, "\(json): \(e?.message ?? "")")
        }
        let selectorFile = #expect(throws: IngotError.self) { try JSONDecoder().decode(SelectorSpec.File.self, from: Data(#"{"owner": ["self"]}"#.utf8)) }
        #expect(selectorFile?.message.hasPrefix("selector: unknown key 'owner'") == true)
        let wrapped = #expect(throws: IngotError.self) { try JSONDecoder().decode(SelectorSpec.File.self, from: Data(#"{"selector": {"owner": ["self"]}}"#.utf8)) }
        #expect(wrapped?.message.hasPrefix("selector: unknown key 'owner'") == true)
    }

    @Test("Templates become refresh jobs with their selector; a missing selector or a keep of 0 names the entry")
    func jobs() throws {
        let config = try Self.decode(#"""
            {"selectors": {"web": {"names": ["golden-web-*"], "tags": {"golden": "true"}, "owners": ["self"]}},
             "templates": [{"name": "web-lt", "regions": ["us-east-1", "eu-west-1"], "selector": "web", "setDefault": true, "keep": 5, "base": "latest"}]}
            """#)
        let job = try #require(try config.refreshJobs(dryRun: true).first)
        #expect(job.templates == ["web-lt"] && job.regions == [.usEast1, .euWest1])
        #expect(job.selector == ImageSelector(names: ["golden-web-*"], tags: ["golden": ["true"]], owners: [.caller]))
        #expect(job.options == TemplateRefresher.Options(base: .latest, setDefault: true, keep: 5, dryRun: true))
        for (json, field) in [(#"{"templates": [{"name": "web-lt", "regions": ["us-east-1"], "selector": "api"}]}"#, "templates[0].selector"),
                              (#"{"selectors": {"web": {"owners": ["self"]}}, "templates": [{"name": "web-lt", "regions": ["us-east-1"], "selector": "web", "keep": 0}]}"#, "templates[0].keep")] {
            let e = #expect(throws: IngotError.self) { try Self.decode(json).refreshJobs(dryRun: false) }
            #expect(e?.message.hasPrefix(field) == true, "\(e?.message ?? "")")
        }
    }
}
