import Foundation
import IngotAWS
import IngotCore
import Synchronization
import Testing

/// How many times something was asked, across the server's threads.
final class Counter: Sendable {
    private let count = Mutex(0)
    func next() -> Int { count.withLock { $0 += 1; return $0 } }
}

/// `ingot groups refresh --cloud aws --wait` against recorded AWS answers: the real instance refresh
/// is started with a pinned version and followed to its end.
@Suite struct GroupsRefreshCLITests {
    static func answers(final: String, polls: Counter = Counter(), imageId: String = "ami-0123456789abcdef0") throws -> @Sendable (RecordedRequest, Int) async -> Reply {
        let groups = try Fixture.text("describe-auto-scaling-groups.xml"), instances = try Fixture.text("describe-instances-for-group.xml")
        return { request, _ in
            switch request.action {
            case "DescribeLaunchTemplateVersions":
                return .xml("""
                    <DescribeLaunchTemplateVersionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><launchTemplateVersionSet><item>
                    <createTime>2026-11-26T11:00:00.000Z</createTime><defaultVersion>false</defaultVersion>
                    <launchTemplateData><imageId>\(imageId)</imageId><instanceType>t3.micro</instanceType></launchTemplateData>
                    <launchTemplateId>lt-0a20c965061f64abc</launchTemplateId><launchTemplateName>web-lt</launchTemplateName><versionNumber>4</versionNumber>
                    </item></launchTemplateVersionSet></DescribeLaunchTemplateVersionsResponse>
                    """)
            case "GetCallerIdentity":
                return .xml("<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDA</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>")
            case "DescribeAutoScalingGroups": return .xml(groups)
            case "DescribeInstances": return .xml(instances)
            case "StartInstanceRefresh":
                return .xml("<StartInstanceRefreshResponse><StartInstanceRefreshResult><InstanceRefreshId>ir-1</InstanceRefreshId></StartInstanceRefreshResult></StartInstanceRefreshResponse>")
            case "DescribeInstanceRefreshes":
                let n = polls.next()
                let status = n < 3 ? "InProgress" : final
                return .xml("""
                    <DescribeInstanceRefreshesResponse><DescribeInstanceRefreshesResult><InstanceRefreshes><member>
                    <InstanceRefreshId>ir-1</InstanceRefreshId><AutoScalingGroupName>web-asg</AutoScalingGroupName><Status>\(status)</Status>
                    <StartTime>2026-11-26T12:00:00Z</StartTime><PercentageComplete>\(n < 3 ? 40 : 100)</PercentageComplete><InstancesToUpdate>\(n < 3 ? 3 : 0)</InstancesToUpdate>
                    <DesiredConfiguration><LaunchTemplate><LaunchTemplateName>web-lt</LaunchTemplateName><Version>4</Version></LaunchTemplate></DesiredConfiguration>
                    </member></InstanceRefreshes></DescribeInstanceRefreshesResult></DescribeInstanceRefreshesResponse>
                    """)
            default:
                return .respond(status: 500, contentType: "text/html", body: "<html>not here</html>")
            }
        }
    }

    static func env(_ server: LoopbackServer) -> [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": FileManager.default.temporaryDirectory.path,
         "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AWS_ENDPOINT_URL": server.endpoint]
    }

    @Test func startsARollingRefreshPinnedToAVersionAndWaitsForSuccess() async throws {
        try await LoopbackServer.with(try Self.answers(final: "Successful")) { server in
            let r = try await Program.run(Program.ingot, ["groups", "refresh", "--cloud", "aws", "--group", "web-asg", "--region", "us-east-1", "--desired-version", "4",
                                                    "--auto-rollback", "--checkpoint-percentages", "50,100", "--checkpoint-delay", "10m", "--skip-matching",
                                                    "--wait", "--poll-interval", "0.05", "--output", "json"], env: Self.env(server))
            #expect(r.code == 0, "\(r.err)")
            #expect(r.out.contains("\"status\" : \"Successful\""))
            let start = try #require(server.requests.first { $0.action == "StartInstanceRefresh" }).form
            #expect(start["Strategy"] == "Rolling" && start["AutoScalingGroupName"] == "web-asg")
            #expect(start["DesiredConfiguration.LaunchTemplate.LaunchTemplateName"] == "web-lt" && start["DesiredConfiguration.LaunchTemplate.Version"] == "4")
            #expect(start["Preferences.AutoRollback"] == "true" && start["Preferences.SkipMatching"] == "true" && start["Preferences.CheckpointDelay"] == "600")
            #expect(start["Preferences.CheckpointPercentages.member.1"] == "50" && start["Preferences.CheckpointPercentages.member.2"] == "100")
            #expect(server.requests.filter { $0.action == "DescribeInstanceRefreshes" }.count == 3)
        }
    }

    /// RefreshPreferences, AutoRollback: "A rollback is not supported in the following situations: There is
    /// no desired configuration specified for the instance refresh. The Auto Scaling group has a launch
    /// template that uses an Amazon Web Services Systems Manager parameter instead of an AMI ID for the
    /// ImageId property. The Auto Scaling group uses the launch template's $Latest or $Default version."
    @Test func autoRollbackIsRefusedWhereAWSCannotRollBackAndNothingStarts() async throws {
        try await LoopbackServer.with(try Self.answers(final: "Successful", imageId: "resolve:ssm:/golden/web")) { server in
            let base = ["groups", "refresh", "--cloud", "aws", "--group", "web-asg", "--region", "us-east-1", "--auto-rollback"]
            for extra in [[], ["--desired-version", "$Latest"], ["--desired-version", "$Default"], ["--desired-version", "4"]] {
                let r = try await Program.run(Program.ingot, base + extra, env: Self.env(server))
                #expect(r.code == 1 && r.err.contains("IrreversibleInstanceRefresh"), "\(extra): \(r.err)")
            }
            #expect(!server.requests.contains { $0.action == "StartInstanceRefresh" })
        }
    }

    @Test func aRolledBackRefreshExitsThree() async throws {
        try await LoopbackServer.with(try Self.answers(final: "RollbackSuccessful")) { server in
            let r = try await Program.run(Program.ingot, ["groups", "refresh", "--cloud", "aws", "--group", "web-asg", "--region", "us-east-1",
                                                    "--wait", "--poll-interval", "0.05"], env: Self.env(server))
            #expect(r.code == 3, "\(r.out)\(r.err)")
            #expect(r.out.contains("ir-1: RollbackSuccessful"))
            // Neither --desired-version nor AutoRollback: no DesiredConfiguration, the group keeps its own setting.
            #expect(server.requests.first { $0.action == "StartInstanceRefresh" }?.form["DesiredConfiguration.LaunchTemplate.Version"] == nil)
        }
    }

    @Test func simulationOnlyOptionsAreRefusedOnAWS() async throws {
        try await LoopbackServer.with(try Self.answers(final: "Successful")) { server in
            for (args, field) in [(["--strategy", "BlueGreen"], "strategy"), (["--launch-failure-rate", "0.1"], "cloud")] {
                let r = try await Program.run(Program.ingot, ["groups", "refresh", "--cloud", "aws", "--group", "web-asg", "--region", "us-east-1"] + args, env: Self.env(server))
                #expect(r.code == 2 && r.err.contains(field), "\(args): \(r.err)")
            }
            #expect(!server.requests.contains { $0.action == "StartInstanceRefresh" })
        }
    }
}
