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

    /// The decision, from what was read: the version, and (when its image id is `resolve:ssm:...`) the
    /// parameter version that reference names, as GetParameter answers `NAME`, `NAME:VERSION` or
    /// `NAME:LABEL` (nil: none). AWS's references do not name the error for a version that launches no
    /// image (that shows as a failed scaling activity); Ingot refuses it with Auto Scaling's generic
    /// `ValidationError`, as its local Auto Scaling always has (docs/resolve-and-templates.md).
    public static func decide(templateName: String, version: LaunchTemplateVersion, parameter: Parameter?) throws -> LaunchTarget {
        var image = version.data.imageId ?? ""
        let reference = version.data.ssmParameter.map(ParameterReference.init)
        if let reference {
            guard let parameter else {
                throw IngotError.refused("ValidationError", "launch template \(templateName) version \(version.versionNumber): parameter \(reference) not found (no such parameter, version or label)")
            }
            image = parameter.value
        }
        guard ImageID.isWellFormed(image) else {
            throw IngotError.refused("ValidationError", "launch template \(templateName) version \(version.versionNumber) has no launchable image id")
        }
        return LaunchTarget(templateName: templateName, version: version.versionNumber, imageId: image, parameter: reference)
    }

    /// Reads the template version (and its parameter, with GetParameter) through the cloud, then decides.
    public static func resolve(template: String, version: TemplateVersion, region: Region,
                               cloud: some LaunchTemplateCloud & ParameterCloud) async throws -> LaunchTarget {
        guard let found = try await cloud.describeLaunchTemplateVersions(region: region, name: template, versions: [TemplateVersionSelector(version)]).first else {
            throw IngotError.refused("InvalidLaunchTemplateId.VersionNotFound", "launch template \(template) has no version \(version)")
        }
        return try decide(templateName: template, version: found, parameter: try await parameter(of: found, region: region, cloud: cloud))
    }

    /// The parameter version a template version's `resolve:ssm:` names (nil: none, or not found; other
    /// refusals, such as access denied, are thrown).
    public static func parameter(of version: LaunchTemplateVersion, region: Region, cloud: some ParameterCloud) async throws -> Parameter? {
        guard let reference = version.data.ssmParameter else { return nil }
        do {
            return try await cloud.getParameter(region: region, name: reference)
        } catch let e as IngotError where e.code == "ParameterNotFound" || e.code == "ParameterVersionNotFound" {
            return nil
        }
    }

    /// What `group` launches now (a mixed instances policy's override AMI first), or what it would
    /// launch on `version`: a desired configuration moves the overrides' AMIs to the version's own image
    /// (``MixedInstancesPolicy/desired(version:imageId:)``).
    public static func of(_ group: AutoScalingGroup, version: TemplateVersion? = nil,
                          cloud: some LaunchTemplateCloud & ParameterCloud) async throws -> LaunchTarget {
        let target = try await resolve(template: group.launchTemplateName, version: version ?? group.launchTemplateVersion, region: group.region, cloud: cloud)
        return version == nil ? target.launching(from: group.mixedInstancesPolicy) : target
    }

    /// This target with the AMI a mixed instances policy's overrides name instead of the template's.
    public func launching(from policy: MixedInstancesPolicy?) -> LaunchTarget {
        guard let image = policy?.launchImage else { return self }
        return LaunchTarget(templateName: templateName, version: version, imageId: image)
    }
}

extension ParameterReference {
    /// Why a launch template cannot name this parameter in `resolve:ssm:` (nil: it can), given the
    /// parameter version it names (nil: no such parameter, version or label). The EC2 guide: "Launch
    /// templates require that user-defined Systems Manager parameters adhere to the following format
    /// ... Parameter type: String ... Parameter data type: aws:ec2:image".
    public func problem(with parameter: Parameter?) -> String? {
        guard let parameter else { return "The following aliases are invalid: \(self) (no such parameter, version or label)" }
        guard parameter.dataType == "aws:ec2:image" else {
            return "Unsupported data type. The following parameter data types are supported: aws:ec2:image (\(parameter.name) is \(parameter.dataType))"
        }
        return nil
    }
}
