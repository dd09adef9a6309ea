import Foundation
import GRDB
import Testing
import IngotCore

@Suite(.serialized) struct DurabilityTests {
    func counts(_ path: String) throws -> (images: Int, tags: Int, uses: Int, snapshots: Int, integrity: String) {
        let db = try DatabaseQueue(path: path)
        return try db.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM image WHERE import_id IS NOT NULL") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM image_tag WHERE key = 'n'") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM snapshot_use u JOIN image i ON i.id = u.image WHERE i.import_id IS NOT NULL") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM snapshot WHERE import_id IS NOT NULL") ?? -1,
             try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: ";"))
        }
    }

    @Test func killNineMidImportLeavesWholeBatchesAndASoundStore() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let total = 200_000, batch = 10_000
        let file = try ingot.writeImages("200k.json", count: total)
        let (process, _, _) = try ingot.start(["images", "import", file, "--batch-size", "\(batch)"])
        // Wait for the first committed batch, then a little more, then kill -9.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning {
            if let n = try? counts(ingot.store).images, n >= batch { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.3)
        let killedMidway = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let after = try counts(ingot.store)
        #expect(after.integrity == "ok")
        #expect(after.images % batch == 0, "partial batch: \(after.images)")
        #expect(after.images >= batch)
        if killedMidway { #expect(after.images < total) }
        #expect(after.tags == after.images)
        #expect(after.uses == after.images)
        #expect(after.snapshots == after.images)
        // The store works and the import resumes: what landed is skipped, the rest goes in.
        let resumed = try ingot.run("images", "import", file, "--output", "json")
        #expect(resumed.code == 0)
        let result = try resumed.decode(CLIJSON.ImageImport.self)
        #expect(result.skipped == after.images)
        #expect(result.imported == total - after.images)
        #expect(try counts(ingot.store).images == total)
    }

    @Test func twoProcessesWritingAtOnceLoseNothing() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let bulk = 20_000
        let file = try ingot.writeImages("20k.json", count: bulk, offset: 1_000_000)
        // One long transaction (the default batch size): readers are never blocked, writers wait for it.
        let (importer, _, importErr) = try ingot.start(["images", "import", file], tag: "importer")
        // Meanwhile a second process creates, copies and shares images one command at a time.
        var created: [String] = []
        for n in 0..<12 {
            let result = try ingot.run("images", "create", "--name", "concurrent-\(n)", "--tag", "golden=true")
            #expect(result.code == 0, "\(result.stderr)")
            created.append(IngotRunner.firstLine(result.stdout))
            #expect(try ingot.run("images", "list", "--owner", "self", "--name", "concurrent-*").code == 0)
            if n % 4 == 0 {
                let copy = try ingot.run("images", "copy", created[n], "--source-region", "us-east-1", "--region", "eu-west-1")
                #expect(copy.code == 0, "\(copy.stderr)")
            }
        }
        importer.waitUntilExit()
        #expect(importer.terminationStatus == 0, "\(ingot.read(importErr))")
        #expect(try counts(ingot.store).images == bulk)
        let mine = try ingot.run("images", "list", "--owner", "self", "--tag", "golden=true", "--output", "json")
        let images = try mine.decode(CLIJSON.ImageList.self).images
        #expect(Set(images.map(\.imageId)) == Set(created))
        #expect(try counts(ingot.store).integrity == "ok")
    }
}

@Suite struct TemplateRefreshCLITests {
    @Test func twoRefreshesAtOnceCreateExactlyOneVersion() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let old = IngotRunner.firstLine(try ingot.run("images", "create", "--name", "golden-web-1", "--tag", "golden=true", "--at", "2026-11-20T00:00:00Z").stdout)
        #expect(try ingot.run("templates", "create", "web-lt", "--image-id", old, "--instance-type", "t3.micro", "--user-data", "#!/bin/sh").code == 0)
        let new = IngotRunner.firstLine(try ingot.run("images", "create", "--name", "golden-web-2", "--tag", "golden=true").stdout)
        let args = ["templates", "refresh", "--template", "web-lt", "--owner", "self", "--name", "golden-web-*", "--tag", "golden=true", "--set-default", "--output", "json"]
        let dry = try ingot.run(args + ["--dry-run"])
        #expect(dry.code == 0)
        #expect(dry.stdout.contains("\"action\" : \"would-create\""))
        let runners = try (0..<4).map { n in try ingot.start(args, tag: "refresh-\(n)") }
        for (p, _, _) in runners { p.waitUntilExit(); #expect(p.terminationStatus == 0) }
        let outputs = runners.map { ingot.read($0.1) }
        // Each run either made the version, found it and made it the default, or found both done.
        let actions = ["created-version", "changed-default", "unchanged"]
        #expect(outputs.filter { out in actions.contains { out.contains("\"action\" : \"\($0)\"") } }.count == 4, "\(outputs)")
        let versions = try ingot.run("templates", "versions", "web-lt", "--output", "json")
        let list = try versions.decode(CLIJSON.TemplateVersions.self).launchTemplateVersions
        #expect(list.map(\.versionNumber) == [2, 1])
        #expect(list[0].defaultVersion)
        #expect(list[0].launchTemplateData.imageId == new)
        #expect(list[0].launchTemplateData.userData == Data("#!/bin/sh".utf8).base64EncodedString())
        // A template whose region has no golden image is blocked: exit 3.
        #expect(try ingot.run(["templates", "refresh", "--template", "web-lt", "--region", "eu-west-1", "--owner", "self", "--name", "golden-web-*"]).code == 3)
        let bad = try ingot.run("templates", "create", "x", "--image-id", "ami-1")
        #expect(bad.code == 2)
        #expect(bad.stderr.contains("template: 'x' must be 3 to 128 characters"))
    }
}

@Suite struct IngotFileTests {
    @Test func refreshFromIngotYAML() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let old = IngotRunner.firstLine(try ingot.run("images", "create", "--name", "golden-api-1.0.0", "--version", "1.0.0/1", "--at", "2026-11-20T00:00:00Z").stdout)
        #expect(try ingot.run("templates", "create", "api-lt", "--image-id", old).code == 0)
        // Built earlier but a higher version: with order: version it wins.
        let higher = IngotRunner.firstLine(try ingot.run("images", "create", "--name", "golden-api-1.1.0", "--version", "1.1.0/1", "--at", "2026-11-21T00:00:00Z").stdout)
        _ = try ingot.run("images", "create", "--name", "golden-api-hotfix", "--version", "1.0.1/1")
        let yaml = ingot.file("ingot.yaml")
        try Data("""
            selectors:
              api: {names: ["golden-api-*"], owners: [self], order: version}
            templates:
              - {name: api-lt, regions: [us-east-1], selector: api, setDefault: true}
            """.utf8).write(to: URL(fileURLWithPath: yaml))
        let result = try ingot.run("templates", "refresh", "-f", yaml, "--output", "json")
        #expect(result.code == 0)
        #expect(result.stdout.contains("\"imageId\" : \"\(higher)\""))
        #expect(result.stdout.contains("\"action\" : \"created-version\""))
        let conflict = try ingot.run("templates", "refresh", "-f", yaml, "--template", "api-lt")
        #expect(conflict.code == 2)
        #expect(conflict.stderr.contains("file: -f takes templates, regions, selectors and options from the file"))
        // A misspelt key is refused, not ignored (`name` for `names` would select every image).
        try Data("selectors:\n  api: {name: \"golden-api-*\", owners: [self]}\ntemplates:\n  - {name: api-lt, regions: [us-east-1], selector: api}\n".utf8)
            .write(to: URL(fileURLWithPath: yaml))
        let misspelt = try ingot.run("templates", "refresh", "-f", yaml)
        #expect(misspelt.code == 2)
        #expect(misspelt.stderr.contains("selectors.api: unknown key 'name'"))
        #expect(try ingot.run("resolve", "--name", "x*", "--region", ",").code == 2)
    }
}

@Suite struct AccountImportTests {
    @Test func importsTemplatesGroupsAndParametersFromAWSCLIOutput() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let image = IngotRunner.firstLine(try ingot.run("images", "create", "--name", "golden-web-1", "--tag", "golden=true").stdout)
        func write(_ name: String, _ text: String) throws -> String {
            let path = ingot.file(name)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let templates = try write("lt.json", """
            {"LaunchTemplateVersions": [
              {"LaunchTemplateId": "lt-0abcdef1234567890", "LaunchTemplateName": "web-lt", "VersionNumber": 2, "DefaultVersion": false,
               "CreateTime": "2026-11-01T00:00:00+00:00", "LaunchTemplateData": {"ImageId": "\(image)", "InstanceType": "t3.large"}},
              {"LaunchTemplateId": "lt-0abcdef1234567890", "LaunchTemplateName": "web-lt", "VersionNumber": 1, "DefaultVersion": true,
               "CreateTime": "2026-10-01T00:00:00+00:00", "LaunchTemplateData": {"ImageId": "ami-0123456789abcdef0", "InstanceType": "t3.micro",
               "UserData": "IyEvYmluL3No", "MetadataOptions": {"HttpTokens": "required"},
               "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "web"}]}]}}
            ]}
            """)
        let groups = try write("asg.json", """
            {"AutoScalingGroups": [{"AutoScalingGroupName": "web-asg", "LaunchTemplate": {"LaunchTemplateName": "web-lt", "Version": "$Latest"},
              "MinSize": 1, "MaxSize": 4, "DesiredCapacity": 2, "AvailabilityZones": ["us-east-1a", "us-east-1b"], "HealthCheckGracePeriod": 300,
              "CreatedTime": "2026-10-02T00:00:00Z",
              "Instances": [{"InstanceId": "i-0123456789abcdef0", "AvailabilityZone": "us-east-1a", "LifecycleState": "InService", "HealthStatus": "Healthy", "LaunchTemplate": {"Version": "1"}},
                            {"InstanceId": "i-0123456789abcdef1", "AvailabilityZone": "us-east-1b", "LifecycleState": "InService", "HealthStatus": "Healthy", "LaunchTemplate": {"Version": "2"}}]}]}
            """)
        let parameters = try write("ssm.json", """
            {"Parameters": [{"Name": "/golden/web", "Type": "String", "Value": "\(image)", "Version": 7, "DataType": "aws:ec2:image"}], "InvalidParameters": []}
            """)
        #expect(try ingot.run("import", templates, "--region", "us-east-1").stdout.contains("imported 2 launch template versions"))
        #expect(try ingot.run("import", groups, "--region", "us-east-1").stdout.contains("imported 1 auto scaling groups"))
        #expect(try ingot.run("import", parameters, "--region", "us-east-1").stdout.contains("imported 1 SSM parameters"))
        #expect(try ingot.run("import", parameters, "--region", "us-east-1").stdout.contains("(1 already present)"))
        let versions = try ingot.run("templates", "versions", "web-lt", "--versions", "$Default")
        #expect(versions.stdout.contains("ami-0123456789abcdef0"))
        let show = try ingot.run("groups", "show", "web-asg", "--output", "json")
        let group = try show.decode(CLIJSON.Group.self)
        #expect(group.instances.map(\.imageId).sorted() == [image, "ami-0123456789abcdef0"].sorted())
        #expect(try ingot.run("ssm", "get", "/golden/web:7").stdout == "\(image)\n")
        // The imported fleet already shows what doctor would tell: a moving version, a drifted instance, a template on a missing image.
        let doctor = try ingot.run("doctor", "--output", "json")
        #expect(doctor.code == 3)
        for kind in ["group-on-moving-version", "instance-image-drift", "template-image-unusable"] { #expect(doctor.stdout.contains(kind), "\(kind)") }
        let bad = try ingot.run("import", try write("bad.json", "{\"Reservations\": []}"), "--region", "us-east-1")
        #expect(bad.code == 2)
    }
}
