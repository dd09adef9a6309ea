import Foundation
import IngotAWS
import IngotCore
import Testing

/// The same invalid or refused request ends the same way on the local cloud and on AWS (moto here):
/// the same exit code and the same AWS error code, because both backends classify codes through one
/// table (`AWSErrorKind`). (Only requests moto answers as AWS does: it has no DescribeInstanceRefreshes.)
@Suite(.enabled(if: MotoServer.isInstalled, "needs moto_server (.ci/run installs it)"), .motoServerCheckingSignatures)
struct SameErrorsTests {
    @Test func sameRequestSameExitOnBothClouds() async throws {
        let server = try MotoServer.require()
        let credentials = try #require(MotoServer.credentials)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingot-same-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = dir.appendingPathComponent("store.sqlite").path
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir.path,
                   "AWS_ACCESS_KEY_ID": credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
                   "AWS_ENDPOINT_URL": server.endpoint, "AWS_DEFAULT_REGION": "us-east-1"]
        #expect(try await Program.run(Program.ingot, ["init", "--store", store], env: env).code == 0)
        let missingImage = "ami-0000000000000000f"
        let requests: [(args: [String], code: Int32, awsCode: String?)] = [
            (["images", "show", missingImage], 1, "InvalidAMIID.NotFound"),
            (["images", "deregister", missingImage], 1, "InvalidAMIID.NotFound"),
            (["images", "show", "ami-xyz"], 2, nil),
            (["ssm", "get", "/no/such/parameter"], 1, "ParameterNotFound"),
            (["groups", "show", "no-such-asg"], 2, "ValidationError"),
            (["images", "list", "--region", "mars-1"], 2, nil),
        ]
        for r in requests {
            let local = try await Program.run(Program.ingot, r.args + ["--cloud", "local", "--store", store], env: env)
            let aws = try await Program.run(Program.ingot, r.args + ["--cloud", "aws"], env: env)
            #expect(local.code == r.code && aws.code == r.code, "\(r.args): local \(local.code) \(local.err) aws \(aws.code) \(aws.err)")
            if let code = r.awsCode {
                #expect(local.err.contains(code) && aws.err.contains(code), "\(r.args): local \(local.err) aws \(aws.err)")
            }
        }
    }
}
