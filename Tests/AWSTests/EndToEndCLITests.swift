import Foundation
import IngotAWS
import IngotCore
import Testing

/// Runs a program and returns its exit code and stdout (stderr appended to the message on failure).
struct Program {
    static func path(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    /// The `ingot` built beside this test bundle.
    static let ingot: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path.contains(".xctest") { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("ingot").path
    }()

    /// The same, without blocking a thread of the test's executor (a loopback server in this process answers on it).
    static func run(_ executable: String, _ args: [String], env: [String: String]) async throws -> (code: Int32, out: String, err: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do { continuation.resume(returning: try runBlocking(executable, args, env: env)) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    static func runBlocking(_ executable: String, _ args: [String], env: [String: String]) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = env
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.currentDirectoryURL = dir
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self),
                String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self))
    }
}

/// Images made with the AWS CLI in moto, `ingot templates refresh --cloud aws` across three regions,
/// the result read back with the AWS CLI; moto checks every request's signature (both clients').
@Suite(.enabled(if: MotoServer.isInstalled && Program.path("aws") != nil, "needs moto_server and the AWS CLI (.ci/run installs both)"),
       .motoServerCheckingSignatures)
struct EndToEndCLITests {
    @Test func templatesRefreshAcrossThreeRegionsReadBackWithTheAWSCLI() async throws {
        let server = try MotoServer.require()
        let credentials = try #require(MotoServer.credentials)
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-e2e-home-\(UUID().uuidString)").path
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home,
                   "AWS_ACCESS_KEY_ID": credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
                   "AWS_ENDPOINT_URL": server.endpoint, "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""]
        let aws = try #require(Program.path("aws"))
        func cli(_ args: String...) throws -> String {
            let r = try Program.runBlocking(aws, args + ["--output", "text"], env: env)
            #expect(r.code == 0, "aws \(args.joined(separator: " ")): \(r.err)")
            return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let family = uniqueName("golden-web")
        let template = uniqueName("web-lt")
        var built: [String: String] = [:]
        for region in ["us-east-1", "eu-west-1", "ap-southeast-2"] {
            let base = try cli("ec2", "describe-images", "--region", region, "--owners", "amazon", "--query", "Images[0].ImageId")
            let instance = try cli("ec2", "run-instances", "--region", region, "--image-id", base, "--count", "1", "--query", "Instances[0].InstanceId")
            built[region] = try cli("ec2", "create-image", "--region", region, "--instance-id", instance, "--name", "\(family)-1.0.0",
                                    "--tag-specifications", "ResourceType=image,Tags=[{Key=golden,Value=true}]", "--query", "ImageId")
            _ = try cli("ec2", "create-launch-template", "--region", region, "--launch-template-name", template,
                        "--launch-template-data", "{\"ImageId\":\"\(base)\",\"InstanceType\":\"t3.micro\"}", "--query", "LaunchTemplate.LaunchTemplateId")
        }
        let args = ["templates", "refresh", "--cloud", "aws", "--template", template, "--region", "us-east-1", "--region", "eu-west-1",
                    "--region", "ap-southeast-2", "--owner", "self", "--name", "\(family)-*", "--tag", "golden=true", "--set-default", "--output", "json"]
        let refreshed = try await Program.run(Program.ingot, args, env: env)
        #expect(refreshed.code == 0, "\(refreshed.err)")
        #expect(refreshed.out.components(separatedBy: "created-version").count - 1 == 3, "\(refreshed.out)")
        for (region, image) in built {
            let line = try cli("ec2", "describe-launch-template-versions", "--region", region, "--launch-template-name", template, "--versions", "$Default",
                               "--query", "LaunchTemplateVersions[0].[VersionNumber,LaunchTemplateData.ImageId,LaunchTemplateData.InstanceType]")
            #expect(line.split(whereSeparator: \.isWhitespace).map(String.init) == ["2", image, "t3.micro"], "\(region): \(line)")
        }
        // A second run changes nothing.
        let again = try await Program.run(Program.ingot, args, env: env)
        #expect(again.code == 0 && !again.out.contains("created-version"), "\(again.out)\(again.err)")

        // A template launching from an SSM parameter's label: its history comes along on import.
        let parameter = "/\(family)/ami"
        _ = try cli("ssm", "put-parameter", "--region", "us-east-1", "--name", parameter, "--type", "String", "--data-type", "aws:ec2:image",
                    "--value", try #require(built["us-east-1"]), "--query", "Version")
        _ = try cli("ssm", "put-parameter", "--region", "us-east-1", "--name", parameter, "--type", "String", "--data-type", "aws:ec2:image",
                    "--value", try #require(built["us-east-1"]), "--overwrite", "--query", "Version")
        _ = try cli("ssm", "label-parameter-version", "--region", "us-east-1", "--name", parameter, "--parameter-version", "1", "--labels", "prod",
                    "--query", "ParameterVersion")
        let ssmTemplate = uniqueName("ssm-lt")
        _ = try cli("ec2", "create-launch-template", "--region", "us-east-1", "--launch-template-name", ssmTemplate,
                    "--launch-template-data", "{\"ImageId\":\"resolve:ssm:\(parameter):prod\"}", "--query", "LaunchTemplate.LaunchTemplateId")

        // The account copied into a local store, for offline study: the images and every template version.
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-e2e-\(UUID().uuidString).sqlite").path
        #expect(try await Program.run(Program.ingot, ["init", "--store", store], env: env).code == 0)
        let imported = try await Program.run(Program.ingot, ["import", "--from-aws", "--store", store, "--region", "us-east-1", "--region", "eu-west-1", "--output", "json"], env: env)
        #expect(imported.code == 0, "\(imported.err)")
        let local = try await Program.run(Program.ingot, ["templates", "versions", template, "--store", store, "--region", "eu-west-1", "--versions", "$Default", "--output", "json"], env: env)
        #expect(local.out.contains(try #require(built["eu-west-1"])), "\(local.out)\(local.err)")
        let images = try await Program.run(Program.ingot, ["images", "list", "--store", store, "--owner", "self", "--region", "us-east-1", "--name", "\(family)-*"], env: env)
        #expect(images.out.contains(try #require(built["us-east-1"])), "\(images.out)\(images.err)")
        let history = try await Program.run(Program.ingot, ["ssm", "history", parameter, "--store", store, "--region", "us-east-1", "--output", "json"], env: env)
        #expect(history.code == 0 && history.out.contains("\"prod\""), "\(history.out)\(history.err)")
        let twice = try await Program.run(Program.ingot, ["import", "--from-aws", "--store", store, "--region", "us-east-1", "--output", "json"], env: env)
        #expect(twice.code == 0 && twice.out.contains("\"skipped\""), "\(twice.err)")
    }
}

/// `ingot distribute --cloud aws` on moto: an AMI built with the AWS CLI is copied, shared, put in
/// launch template versions and SSM parameters as a distribution configuration says; a second run
/// changes nothing. Read back with the AWS CLI. (In the end-to-end suite: it shares its moto_server.)
extension EndToEndCLITests {
    @Test func distributeCopiesSharesWritesTemplatesAndParametersAndASecondRunChangesNothing() async throws {
        let server = try MotoServer.require()
        let credentials = try #require(MotoServer.credentials)
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-dist-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home,
                   "AWS_ACCESS_KEY_ID": credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
                   "AWS_ENDPOINT_URL": server.endpoint, "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""]
        let aws = try #require(Program.path("aws"))
        func cli(_ args: String...) throws -> String {
            let r = try Program.runBlocking(aws, args + ["--output", "text"], env: env)
            #expect(r.code == 0, "aws \(args.joined(separator: " ")): \(r.err)")
            return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let family = uniqueName("golden-dist")
        let template = uniqueName("dist-lt")
        let parameter = "/\(family)/latest"
        let base = try cli("ec2", "describe-images", "--region", "us-east-1", "--owners", "amazon", "--query", "Images[0].ImageId")
        let instance = try cli("ec2", "run-instances", "--region", "us-east-1", "--image-id", base, "--count", "1", "--query", "Instances[0].InstanceId")
        let image = try cli("ec2", "create-image", "--region", "us-east-1", "--instance-id", instance, "--name", "\(family)-1.0.0", "--query", "ImageId")
        for region in ["us-east-1", "eu-west-1"] {
            let regionBase = try cli("ec2", "describe-images", "--region", region, "--owners", "amazon", "--query", "Images[0].ImageId")
            _ = try cli("ec2", "create-launch-template", "--region", region, "--launch-template-name", template,
                        "--launch-template-data", "{\"ImageId\":\"\(regionBase)\",\"InstanceType\":\"t3.micro\"}", "--query", "LaunchTemplate.LaunchTemplateId")
        }
        let yaml = """
            imageBuilder:
              distributionConfigurations:
                - name: web
                  distributions:
                    - region: us-east-1
                      launchTemplateConfigurations: [{launchTemplateId: \(template), setDefaultVersion: true}]
                      ssmParameterConfigurations: [{parameterName: \(parameter)}]
                    - region: eu-west-1
                      amiDistributionConfiguration:
                        name: "\(family)-{{ imagebuilder:buildDate }}"
                        launchPermission: {userIds: ["210987654321"]}
                      launchTemplateConfigurations: [{launchTemplateId: \(template), setDefaultVersion: true}]
                      ssmParameterConfigurations: [{parameterName: \(parameter), dataType: text}]
            """
        let file = home + "/ingot.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
        let args = ["distribute", image, "--distribution", "web", "-f", file, "--cloud", "aws", "--region", "us-east-1", "--wait", "--timeout", "2m", "--poll", "1", "--output", "json"]
        let first = try await Program.run(Program.ingot, args, env: env)
        #expect(first.code == 0, "\(first.out)\(first.err)")
        let progress = try JSONDecoder().decode(DistributionProgress.self, from: Data(first.out.utf8))
        let copy = try #require(progress.outputs.first { $0.region == .euWest1 }?.imageId?.rawValue)
        #expect(progress.isComplete && progress.outputs.count == 2)

        // Read back with the AWS CLI: the copy, its launch permission, the templates' defaults, the parameters.
        #expect(try cli("ec2", "describe-images", "--region", "eu-west-1", "--image-ids", copy, "--query", "Images[0].Name").hasPrefix("\(family)-"))
        #expect(try cli("ec2", "describe-image-attribute", "--region", "eu-west-1", "--image-id", copy, "--attribute", "launchPermission",
                        "--query", "LaunchPermissions[0].UserId") == "210987654321")
        for (region, expected) in [("us-east-1", image), ("eu-west-1", copy)] {
            let line = try cli("ec2", "describe-launch-template-versions", "--region", region, "--launch-template-name", template, "--versions", "$Default",
                               "--query", "LaunchTemplateVersions[0].[VersionNumber,LaunchTemplateData.ImageId,LaunchTemplateData.InstanceType]")
            #expect(line.split(whereSeparator: \.isWhitespace).map(String.init) == ["2", expected, "t3.micro"], "\(region): \(line)")
            #expect(try cli("ssm", "get-parameter", "--region", region, "--name", parameter, "--query", "Parameter.Value") == expected)
        }

        // A second run finds everything done: no copy, no version, no parameter version.
        let second = try await Program.run(Program.ingot, args, env: env)
        #expect(second.code == 0, "\(second.out)\(second.err)")
        let again = try JSONDecoder().decode(DistributionProgress.self, from: Data(second.out.utf8))
        #expect(again.outputs.map(\.imageId) == progress.outputs.map(\.imageId))
        #expect(again.regions.flatMap(\.launchTemplates).allSatisfy { $0.action == "unchanged" })
        #expect(again.regions.flatMap(\.parameters).allSatisfy { $0.action == "unchanged" })
        #expect(try cli("ec2", "describe-images", "--region", "eu-west-1", "--owners", "self", "--filters", "Name=name,Values=\(family)-*", "--query", "length(Images)") == "1")
        #expect(try cli("ssm", "get-parameter", "--region", "eu-west-1", "--name", parameter, "--query", "Parameter.Version") == "1")

        // A distribution the file does not have: exit 2, naming the option.
        let missing = try await Program.run(Program.ingot, ["distribute", image, "--distribution", "nope", "-f", file, "--cloud", "aws"], env: env)
        #expect(missing.code == 2 && missing.err.contains("distribution:"), "\(missing.err)")
    }
}
