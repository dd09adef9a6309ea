import Foundation
import IngotCore
import Testing

/// What a group launches, decided from plain values (the same decision simulate, doctor, DR, the
/// instance refresh and the local Auto Scaling code use).
@Suite struct LaunchTargetTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func version(_ n: Int, imageId: String?) -> LaunchTemplateVersion {
        LaunchTemplateVersion(templateId: "lt-1", templateName: "web-lt", region: .usEast1, versionNumber: n, versionDescription: nil,
                              defaultVersion: false, createTime: now, data: LaunchTemplateData(imageId: imageId))
    }

    static func parameter(_ version: Int, _ value: String, labels: [String] = []) -> Parameter {
        Parameter(name: "/golden/web", region: .usEast1, type: "String", dataType: "aws:ec2:image", value: value, version: version, labels: labels,
                  lastModifiedDate: now)
    }

    static let history = [parameter(1, "ami-0000000000000000a", labels: ["stable"]), parameter(3, "ami-0000000000000000c"), parameter(2, "ami-0000000000000000b")]

    @Test("An AMI id is launched as it is")
    func plainImage() throws {
        let target = try LaunchTarget.decide(templateName: "web-lt", version: Self.version(4, imageId: "ami-0000000000000000a"), parameter: nil)
        #expect(target == LaunchTarget(templateName: "web-lt", version: 4, imageId: "ami-0000000000000000a"))
        #expect(!target.imageIsParameter)
    }

    /// Launch templates (EC2 user guide): "resolve:ssm:parameter-name", "resolve:ssm:parameter-name:version-number"
    /// and "resolve:ssm:parameter-name:label" name the parameter's latest version, a version, or the version with the label.
    @Test("resolve:ssm: launches the parameter version GetParameter names: the latest, a version number or a label")
    func parameterForms() throws {
        for (reference, expected) in [("/golden/web", "ami-0000000000000000c"), ("/golden/web:2", "ami-0000000000000000b"), ("/golden/web:stable", "ami-0000000000000000a")] {
            let chosen = ParameterReference(reference).pick(from: Self.history)
            let target = try LaunchTarget.decide(templateName: "web-lt", version: Self.version(1, imageId: "resolve:ssm:" + reference), parameter: chosen)
            #expect(target.imageId == expected, "\(reference)")
            #expect(target.parameter == ParameterReference(reference))
        }
        #expect(ParameterReference("/golden/web:9").pick(from: Self.history) == nil && ParameterReference("/golden/web:canary").pick(from: Self.history) == nil)
    }

    /// AWS is silent on the error code (a launch fails as a scaling activity); Ingot's choice, documented in
    /// docs/resolve-and-templates.md, is Auto Scaling's generic ValidationError.
    @Test("A missing parameter, or no image id at all, launches nothing: ValidationError, never another version's image")
    func refusals() {
        for imageId in ["resolve:ssm:/golden/web:9", "", "not-an-ami"] {
            let e = #expect(throws: IngotError.self) {
                try LaunchTarget.decide(templateName: "web-lt", version: Self.version(1, imageId: imageId.isEmpty ? nil : imageId), parameter: nil)
            }
            #expect(e?.code == "ValidationError" && e?.kind == .invalidInput, "\(imageId)")
        }
    }

    /// LaunchTemplateSpecification (Auto Scaling API reference), Version: "The version number, $Latest, or
    /// $Default. ... If the value is $Latest, Amazon EC2 Auto Scaling selects the latest version of the launch
    /// template when launching instances. If the value is $Default, Amazon EC2 Auto Scaling selects the
    /// default version of the launch template when launching instances."
    @Test("TemplateVersion: $Latest, $Default or a number, named in AWS's spelling; moving versions are the $ ones")
    func versions() throws {
        #expect(try TemplateVersion("$Latest") == .latest && TemplateVersion("$Default") == .default && TemplateVersion("7") == .number(7))
        #expect(TemplateVersion.latest.isMoving && TemplateVersion.default.isMoving && !TemplateVersion.number(1).isMoving)
        #expect(TemplateVersion.number(3).number(default: 2, latest: 5) == 3 && TemplateVersion.latest.number(default: 2, latest: 5) == 5)
        let json = try JSONEncoder().encode([TemplateVersion.latest, .number(3)])
        #expect(String(decoding: json, as: UTF8.self) == #"["$Latest","3"]"#)
        #expect(try JSONDecoder().decode([TemplateVersion].self, from: json) == [.latest, .number(3)])
    }
}
