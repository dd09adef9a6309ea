import Foundation
import IngotAWS
import IngotCore
import Testing

@Suite("Instance refresh calls, replayed from the loopback server (moto has none)")
struct InstanceRefreshTests {
    static func preferences(_ configure: (inout RefreshPreferences) -> Void) -> RefreshPreferences {
        var p = RefreshPreferences()
        configure(&p)
        return p
    }

    @Test("StartInstanceRefresh pins a numbered version and sends every preference")
    func start() async throws {
        try await withReplayCloud({ _, _ in
            .xml("""
            <StartInstanceRefreshResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
              <StartInstanceRefreshResult><InstanceRefreshId>08b91cf7-8fa6-48af-b6a6-d227f40f1b9b</InstanceRefreshId></StartInstanceRefreshResult>
              <ResponseMetadata><RequestId>x</RequestId></ResponseMetadata>
            </StartInstanceRefreshResponse>
            """)
        }) { cloud, server in
            let id = try await cloud.startInstanceRefresh(StartInstanceRefreshRequest(
                region: .usEast1, autoScalingGroupName: "web-asg", launchTemplateName: "web-lt", launchTemplateVersion: 4,
                preferences: Self.preferences { p in
                    p.minHealthyPercentage = 90; p.maxHealthyPercentage = 120; p.instanceWarmup = 60
                    p.checkpointPercentages = [25, 50, 100]; p.checkpointDelay = 600; p.skipMatching = true; p.autoRollback = true
                    p.scaleInProtectedInstances = .ignore; p.standbyInstances = .wait; p.bakeTime = 300; p.alarms = ["web-5xx"]
                }))
            #expect(id == "08b91cf7-8fa6-48af-b6a6-d227f40f1b9b")
            let form = try #require(server.requests.first).form
            #expect(form["Action"] == "StartInstanceRefresh" && form["Version"] == "2011-01-01")
            #expect(form["Strategy"] == "Rolling")
            #expect(form["DesiredConfiguration.LaunchTemplate.LaunchTemplateName"] == "web-lt")
            #expect(form["DesiredConfiguration.LaunchTemplate.Version"] == "4")
            #expect(form["Preferences.MinHealthyPercentage"] == "90" && form["Preferences.MaxHealthyPercentage"] == "120")
            #expect(form["Preferences.CheckpointPercentages.member.1"] == "25" && form["Preferences.CheckpointPercentages.member.3"] == "100")
            #expect(form["Preferences.CheckpointDelay"] == "600" && form["Preferences.BakeTime"] == "300")
            #expect(form["Preferences.SkipMatching"] == "true" && form["Preferences.AutoRollback"] == "true")
            #expect(form["Preferences.ScaleInProtectedInstances"] == "Ignore" && form["Preferences.StandbyInstances"] == "Wait")
            #expect(form["Preferences.AlarmSpecification.Alarms.member.1"] == "web-5xx")
            #expect(form["Preferences.InstanceWarmup"] == "60")
        }
    }

    /// The user guide's ReplaceRootVolume example, as botocore's own Query serializer writes it, is what
    /// Ingot sends: the DesiredConfiguration's MixedInstancesPolicy with the overrides' ImageIds.
    @Test("StartInstanceRefresh with ReplaceRootVolume sends the desired MixedInstancesPolicy as botocore serializes it")
    func replaceRootVolumeRequest() async throws {
        let expected = try botocoreForm("autoscaling", "StartInstanceRefresh", """
            {"AutoScalingGroupName": "my-asg", "Strategy": "ReplaceRootVolume",
             "DesiredConfiguration": {"MixedInstancesPolicy": {"LaunchTemplate": {
               "LaunchTemplateSpecification": {"LaunchTemplateName": "my-launch-template", "Version": "1"},
               "Overrides": [{"InstanceType": "c5.large", "ImageId": "ami-0123456789abcdef0"}, {"InstanceType": "m5.large", "ImageId": "ami-0123456789abcdef0"}]},
               "InstancesDistribution": {"OnDemandBaseCapacity": 1}}}}
            """)
        try await withReplayCloud({ _, _ in
            .xml("""
            <StartInstanceRefreshResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
              <StartInstanceRefreshResult><InstanceRefreshId>08b91cf7-8fa6-48af-b6a6-d227f40f1b9b</InstanceRefreshId></StartInstanceRefreshResult>
            </StartInstanceRefreshResponse>
            """)
        }) { cloud, server in
            let policy = MixedInstancesPolicy(launchTemplateName: "my-launch-template", launchTemplateVersion: .number(1),
                                              overrides: [.init(instanceType: "c5.large", imageId: "ami-0123456789abcdef0"),
                                                          .init(instanceType: "m5.large", imageId: "ami-0123456789abcdef0")],
                                              instancesDistribution: ["onDemandBaseCapacity": .int(1)])
            _ = try await cloud.startInstanceRefresh(StartInstanceRefreshRequest(region: .usEast1, autoScalingGroupName: "my-asg", launchTemplateName: "my-launch-template",
                                                                                 launchTemplateVersion: 1, strategy: "ReplaceRootVolume", mixedInstancesPolicy: policy))
            let form = try #require(server.requests.first).form
            let sent = form.filter { !$0.key.hasPrefix("Preferences.") }
            #expect(sent == expected)
        }
    }

    @Test("checkpoints out of order are refused before any request")
    func badCheckpoints() async throws {
        try await withReplayCloud({ _, _ in .xml("<x/>") }) { cloud, server in
            let error = await #expect(throws: IngotError.self) {
                try await cloud.startInstanceRefresh(StartInstanceRefreshRequest(
                    region: .usEast1, autoScalingGroupName: "web-asg", launchTemplateName: "web-lt", launchTemplateVersion: 4,
                    preferences: Self.preferences { $0.checkpointPercentages = [50, 25, 100] }))
            }
            #expect(error?.kind == .invalidInput)
            #expect(server.requests.isEmpty)
        }
    }

    @Test("DescribeInstanceRefreshes follows NextToken and reads preferences, desired configuration and rollback details")
    func describe() async throws {
        let page1 = try Fixture.text("describe-instance-refreshes-page1.xml"), page2 = try Fixture.text("describe-instance-refreshes-page2.xml")
        try await withReplayCloud({ r, _ in .xml(r.form["NextToken"] == "refresh-page-2" ? page2 : page1) }) { cloud, server in
            let refreshes = try await cloud.describeInstanceRefreshDetails(region: .usEast1, group: "web-asg")
            #expect(refreshes.map(\.status) == [.inProgress, .rollbackSuccessful])
            let running = refreshes[0]
            #expect(running.percentageComplete == 5 && running.instancesToUpdate == 7)
            #expect(running.preferences.checkpointPercentages == [25, 50, 100])
            #expect(running.preferences.minHealthyPercentage == 90 && running.preferences.maxHealthyPercentage == 120)
            #expect(running.preferences.autoRollback == true && running.preferences.skipMatching == true)
            #expect(running.preferences.alarms == ["web-5xx"] && running.preferences.bakeTime == 300)
            // The record both clouds share.
            let record = running.record(region: .usEast1)
            #expect(record.status == .inProgress && record.desiredLaunchTemplateVersion == 4 && record.preferences["Alarms"] == "web-5xx")
            #expect(running.desiredLaunchTemplateName == "web-lt" && running.desiredLaunchTemplateVersion == "4")
            #expect(running.endTime == nil && running.rollbackReason == nil)
            let rolledBack = refreshes[1]
            #expect(rolledBack.rollbackReason == "Alarm web-5xx went into ALARM state.")
            #expect(rolledBack.percentageCompleteOnRollback == 40 && rolledBack.instancesToUpdateOnRollback == 6)
            #expect(rolledBack.endTime == Timestamp.parse("2024-05-30T10:40:00Z"))
            #expect(rolledBack.preferences.checkpointPercentages.isEmpty)
            #expect(server.requests.map { $0.form["AutoScalingGroupName"] } == ["web-asg", "web-asg"])
        }
    }

    @Test("Cancel and Rollback return the refresh id; no refresh in progress is AWS's error")
    func cancelAndRollback() async throws {
        try await withReplayCloud({ r, _ in
            switch r.action {
            case "CancelInstanceRefresh":
                .xml("<CancelInstanceRefreshResponse><CancelInstanceRefreshResult><InstanceRefreshId>c-1</InstanceRefreshId></CancelInstanceRefreshResult></CancelInstanceRefreshResponse>")
            default:
                .respond(status: 400, body: """
                <ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type>
                <Code>ActiveInstanceRefreshNotFound</Code><Message>No in progress or pending Instance Refresh found for Auto Scaling group web-asg</Message>
                </Error><RequestId>r</RequestId></ErrorResponse>
                """)
            }
        }) { cloud, server in
            let cancelled = try await cloud.cancelInstanceRefresh(region: .usEast1, group: "web-asg")
            #expect(cancelled == "c-1")
            let error = await #expect(throws: IngotError.self) { try await cloud.rollbackInstanceRefresh(region: .usEast1, group: "web-asg") }
            #expect(error?.code == "ActiveInstanceRefreshNotFound")
            #expect(server.requests.map(\.action) == ["CancelInstanceRefresh", "RollbackInstanceRefresh"])
        }
    }
}
