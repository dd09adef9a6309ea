#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a group launches now: the launch template version its `$Latest`, `$Default` or number names,
/// and that version's image, a `resolve:ssm:` parameter resolved as a launch resolves it. One type for
/// simulate, doctor, DR, the instance refresh and the local cloud's Auto Scaling.
public struct LaunchTarget: Sendable, Hashable {
    public var templateName: String
    public var version: Int
    /// A well-formed AMI id.
    public var imageId: String
    /// The `resolve:ssm:` reference the image came from, if any.
    public var parameter: ParameterReference?

    public init(templateName: String, version: Int, imageId: String, parameter: ParameterReference? = nil) {
        self.templateName = templateName
        self.version = version
        self.imageId = imageId
        self.parameter = parameter
    }

    public var imageIsParameter: Bool { parameter != nil }

    /// The decision, from what was read: the version, and the history of its parameter when its image
    /// id is `resolve:ssm:...`. A missing parameter version or label is `ParameterVersionNotFound`; a
    /// version with no launchable image id is Auto Scaling's `ValidationError` ("You must use a valid
    /// fully-formed launch template").
    public static func decide(templateName: String, version: LaunchTemplateVersion, parameterHistory: [Parameter]) throws -> LaunchTarget {
        var image = version.data.imageId ?? ""
        let reference = version.data.ssmParameter.map(ParameterReference.init)
        if let reference {
            guard let chosen = reference.pick(from: parameterHistory) else {
                throw IngotError.refused("ParameterVersionNotFound", "launch template \(templateName) version \(version.versionNumber): parameter \(reference) has no such version or label")
            }
            image = chosen.value
        }
        guard ImageID.isWellFormed(image) else {
            throw IngotError.refused("ValidationError", "launch template \(templateName) version \(version.versionNumber) has no launchable image id")
        }
        return LaunchTarget(templateName: templateName, version: version.versionNumber, imageId: image, parameter: reference)
    }

    /// Reads the template version (and its parameter) through the cloud, then decides.
    public static func resolve(template: String, version: TemplateVersion, region: Region,
                               cloud: some LaunchTemplateCloud & ParameterCloud) async throws -> LaunchTarget {
        guard let found = try await cloud.describeLaunchTemplateVersions(region: region, name: template, versions: [TemplateVersionSelector(version)]).first else {
            throw IngotError.refused("InvalidLaunchTemplateId.VersionNotFound", "launch template \(template) has no version \(version)")
        }
        var history: [Parameter] = []
        if let reference = found.data.ssmParameter.map(ParameterReference.init) {
            history = try await cloud.getParameterHistory(region: region, name: reference.name)
        }
        return try decide(templateName: template, version: found, parameterHistory: history)
    }

    /// What `group` launches now, or what it would launch on `version`.
    public static func of(_ group: AutoScalingGroup, version: TemplateVersion? = nil,
                          cloud: some LaunchTemplateCloud & ParameterCloud) async throws -> LaunchTarget {
        try await resolve(template: group.launchTemplateName, version: version ?? group.launchTemplateVersion, region: group.region, cloud: cloud)
    }
}
