import Foundation

/// The AWS-managed components Ingot's catalog has (`arn:aws:imagebuilder:REGION:aws:component/NAME/x.x.x`),
/// with documents shaped like AWS's: the same phases and action modules, simplified commands.
/// Versions are those seen in AWS's listings (`update-linux` 1.0.2/1, ...); AWS publishes no
/// authoritative list, and Ingot's catalog does not change over time.
public enum ManagedComponents {
    /// One managed component.
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var version: ImageVersion
        public var type: ComponentType
        public var platform: ImageBuilderPlatform
        public var description: String
        public var document: ComponentDocument

        /// Its build version ARN in `region`.
        /// - Parameter region: the region asked about.
        public func arn(in region: Region) -> ImageBuilderARN {
            ImageBuilderARN(region: region, owner: "aws", type: .component, name: name, version: try? VersionFilter(version.description, field: "version"))
        }
    }

    static func bash(_ name: String, _ commands: [String], onFailure: ComponentDocument.OnFailure = .abort) -> ComponentDocument.Step {
        ComponentDocument.Step(name: name, action: .executeBash, inputs: .object(["commands": .array(commands.map(JSONValue.string))]), onFailure: onFailure)
    }

    static func v(_ major: Int, _ minor: Int, _ patch: Int) -> ImageVersion { ImageVersion(major: major, minor: minor, patch: patch, build: 1) }

    /// The catalog.
    public static let catalog: [Entry] = [
        Entry(name: "update-linux", version: v(1, 0, 2), type: .build, platform: .linux,
              description: "Updates Linux by installing all available updates via the UpdateOS action module.",
              document: ComponentDocument(name: "update-linux", phases: [
                  .init(name: .build, steps: [ComponentDocument.Step(name: "UpdateOS", action: .updateOS)]),
                  .init(name: .validate, steps: [bash("ValidateUpdate", ["dnf check-update || yum check-update"])]),
              ])),
        Entry(name: "aws-cli-version-2-linux", version: v(1, 0, 4), type: .build, platform: .linux,
              description: "Installs the latest version of the AWS CLI version 2, and creates the symlink /usr/bin/aws that points to the installed application.",
              document: ComponentDocument(name: "aws-cli-version-2-linux", phases: [
                  .init(name: .build, steps: [
                      ComponentDocument.Step(name: "Download", action: .webDownload,
                                             inputs: .array([.object(["source": .string("https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip"),
                                                                      "destination": .string("/tmp/awscliv2.zip")])])),
                      bash("Install", ["unzip -q /tmp/awscliv2.zip -d /tmp", "/tmp/aws/install --update"]),
                  ]),
                  .init(name: .validate, steps: [bash("Validate", ["aws --version"])]),
              ])),
        Entry(name: "amazon-cloudwatch-agent-linux", version: v(1, 0, 1), type: .build, platform: .linux,
              description: "Installs the latest version of the Amazon CloudWatch agent.",
              document: ComponentDocument(name: "amazon-cloudwatch-agent-linux", phases: [
                  .init(name: .build, steps: [
                      ComponentDocument.Step(name: "Download", action: .s3Download,
                                             inputs: .array([.object(["source": .string("s3://amazoncloudwatch-agent/amazon_linux/amd64/latest/amazon-cloudwatch-agent.rpm"),
                                                                      "destination": .string("/tmp/amazon-cloudwatch-agent.rpm")])])),
                      bash("Install", ["rpm -U /tmp/amazon-cloudwatch-agent.rpm"]),
                  ]),
                  .init(name: .validate, steps: [bash("Validate", ["test -f /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"])]),
              ])),
        Entry(name: "python-3-linux", version: v(1, 0, 0), type: .build, platform: .linux,
              description: "Installs Python 3 from the distribution's repository.",
              document: ComponentDocument(name: "python-3-linux", phases: [
                  .init(name: .build, steps: [bash("InstallPython", ["dnf install -y python3 || apt-get install -y python3"])]),
                  .init(name: .validate, steps: [bash("Validate", ["python3 --version"])]),
              ])),
        Entry(name: "reboot-linux", version: v(1, 0, 1), type: .build, platform: .linux,
              description: "Reboots the system.",
              document: ComponentDocument(name: "reboot-linux", phases: [
                  .init(name: .build, steps: [ComponentDocument.Step(name: "Reboot", action: .reboot)]),
              ])),
        Entry(name: "simple-boot-test-linux", version: v(1, 0, 0), type: .test, platform: .linux,
              description: "Executes a simple boot test: reboots the instance and checks that it comes back.",
              document: ComponentDocument(name: "simple-boot-test-linux", phases: [
                  .init(name: .test, steps: [ComponentDocument.Step(name: "Reboot", action: .reboot), bash("CheckBoot", ["systemctl is-system-running --wait"])]),
              ])),
        Entry(name: "reboot-test-linux", version: v(1, 0, 0), type: .test, platform: .linux,
              description: "Tests whether the system can reboot successfully.",
              document: ComponentDocument(name: "reboot-test-linux", phases: [
                  .init(name: .test, steps: [ComponentDocument.Step(name: "Reboot", action: .reboot), bash("Verify", ["uptime"])]),
              ])),
    ]

    /// The entries named `name`.
    /// - Parameter name: the component's ARN name.
    public static func entries(named name: String) -> [Entry] { catalog.filter { $0.name == name } }
}

extension ComponentDocument {
    /// The component type its phases give it: "Build – This component type includes phases that are
    /// named build and validate. Test – This component type includes one phase, named test."
    public var componentType: ComponentType {
        phases.allSatisfy { $0.name == .test || $0.name == .containerHostTest } ? .test : .build
    }
}
