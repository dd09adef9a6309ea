import AsyncHTTPClient
import Foundation
import IngotAWS
import IngotCore
import Testing

/// One command over an organization, on moto: Organizations ListAccounts from the management account,
/// a role assumed in every member (OrganizationAccountAccessRole), signatures and the assumed roles'
/// policies checked by moto for every request once the organization is set up.
@Suite("An organization of 30 accounts on moto_server", .motoServerWithoutPublicImages, .enabled(if: MotoServer.isInstalled, MotoServer.skipMessage))
struct OrganizationTests {
    func organizations(_ client: AWSClient, _ action: String, _ body: String) async throws -> [String: Any] {
        let bytes = try await client.json(.organizations, region: .usEast1, target: "AWSOrganizationsV20161128.\(action)", body: Array(body.utf8))
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("doctor --organization over 3 regions: every account reported, grouped by account; one without the role is an error that fails no other")
    func doctorOverTheOrganization() async throws {
        let moto = try MotoServer.require()
        let admin = AWSClient(configuration: moto.configuration(), http: .shared)
        var members: [String] = []
        do {
            _ = try await organizations(admin, "CreateOrganization", #"{"FeatureSet": "ALL"}"#)
            for n in 0..<30 {
                let made = try await organizations(admin, "CreateAccount", #"{"AccountName": "team-\#(n)", "Email": "team-\#(n)@example.com"}"#)
                members.append(try #require((made["CreateAccountStatus"] as? [String: Any])?["AccountId"] as? String))
            }
            // moto, as AWS, makes OrganizationAccountAccessRole in each new account; the audit role Ingot
            // assumes here is the team's own, in every member but the last (its policy allows everything).
            for account in members.dropLast() {
                let inAccount = CredentialProvider.assumingRole("arn:aws:iam::\(account):role/OrganizationAccountAccessRole", source: .fixed(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")),
                                                                endpoints: moto.configuration().endpoints, region: .usEast1)
                let client = AWSClient(configuration: AWSConfiguration(provider: inAccount, region: .usEast1, endpoints: moto.configuration().endpoints), http: .shared)
                try await MotoServer.createRole("ingot-auditor", trusting: "arn:aws:iam::123456789012:root", client: client)
            }
        }
        // Member 0 has a golden image and a launch template on it in us-east-1 (a registered image: no public AMIs here).
        let zero = CredentialProvider.assumingRole("arn:aws:iam::\(members[0]):role/OrganizationAccountAccessRole",
                                                   source: .fixed(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")),
                                                   endpoints: moto.configuration().endpoints, region: .usEast1)
        let member = AWSCloud(client: AWSClient(configuration: AWSConfiguration(provider: zero, region: .usEast1, endpoints: moto.configuration().endpoints), http: .shared),
                              account: AccountID(trusted: members[0]))
        var q = QueryParameters(action: "CreateVolume", version: "2016-11-15")
        q.set("AvailabilityZone", "us-east-1a")
        q.set("Size", 8)
        let volume = try #require(try await member.client.query(.ec2, region: .usEast1, q).string("volumeId"))
        q = QueryParameters(action: "CreateSnapshot", version: "2016-11-15")
        q.set("VolumeId", volume)
        let snapshot = try #require(try await member.client.query(.ec2, region: .usEast1, q).string("snapshotId"))
        let image = try await member.registerImage(RegisterImageRequest(region: .usEast1, name: try ImageName("golden-web-1.0.0"), rootDeviceName: "/dev/xvda",
                                                                        blockDeviceMappings: [BlockDeviceMapping(deviceName: "/dev/xvda", snapshotId: SnapshotID(trusted: snapshot))]))
        _ = try await member.createLaunchTemplate(CreateLaunchTemplateRequest(region: .usEast1, name: "web-lt", data: LaunchTemplateData(imageId: "ami-0123456789abcdef0", instanceType: "t3.micro")))

        // From here moto checks every signature, and the assumed roles' policies.
        let credentials = try await moto.enableSignatureChecks()
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": FileManager.default.temporaryDirectory.path,
                   "AWS_ACCESS_KEY_ID": credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
                   "AWS_ENDPOINT_URL": moto.endpoint, "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"]
        let r = try await Program.run(Program.ingot, ["doctor", "--cloud", "aws", "--organization", "--role-name", "ingot-auditor",
                                                      "--region", "us-east-1,eu-west-1,ap-southeast-2", "--output", "json", "--debug"], env: env)
        struct Document: Decodable {
            struct Account: Decodable { let accountId: String; let findings: [[String: String]]?; let error: String? }
            let accounts: [Account]
        }
        let doc = try #require(try? JSONDecoder().decode(Document.self, from: Data(r.out.utf8)), "exit \(r.code): \(r.err.suffix(2000))")
        // The management account too, with the caller's own credentials (the role exists in members only).
        #expect(Set(doc.accounts.map(\.accountId)) == Set(members + ["123456789012"]), "\(r.err)")
        let failed = doc.accounts.filter { $0.error != nil }
        #expect(failed.map(\.accountId) == [members.last], "\(failed.map { "\($0.accountId): \($0.error ?? "")" })")
        #expect(doc.accounts.filter { $0.findings != nil }.count == 30)
        // An account that could not be examined makes the run exit 3, after reporting all the others.
        #expect(r.code == 3, "\(r.err)")
        // --debug logs every call and names the credentials' source, never a secret or session token.
        #expect(r.err.contains("assume role") || r.err.contains("AssumeRole"), "\(r.err.prefix(500))")
        #expect(!r.out.contains(credentials.secretAccessKey) && !r.err.contains(credentials.secretAccessKey))
        #expect(!r.err.contains("SessionToken") && !r.err.lowercased().contains("x-amz-security-token"))

        // The table: a section per account.
        let table = try await Program.run(Program.ingot, ["doctor", "--cloud", "aws", "--accounts", members.prefix(2).joined(separator: ","), "--role-arn-template", "arn:aws:iam::{account}:role/ingot-auditor",
                                                          "--region", "us-east-1"], env: env)
        #expect(table.out.contains("== account \(members[0]) ==") && table.out.contains("== account \(members[1]) =="), "\(table.out)\(table.err)")
        // The other commands that take the accounts: each account's own resources, grouped by account.
        let two = ["--cloud", "aws", "--accounts", "\(members[0]),\(members[1])", "--role-name", "ingot-auditor", "--region", "us-east-1", "--output", "json"]
        let listed = try await Program.run(Program.ingot, ["images", "list", "--owner", "self"] + two, env: env)
        struct Images: Decodable { struct Account: Decodable { let accountId: String; let images: [CLIImage]? }; let accounts: [Account] }
        struct CLIImage: Decodable { let imageId: String }
        let images = try JSONDecoder().decode(Images.self, from: Data(listed.out.utf8))
        #expect(listed.code == 0 && images.accounts.map { $0.images?.map(\.imageId) ?? [] } == [[image.rawValue], []], "\(listed.out)\(listed.err)")
        // templates refresh: member 0's template moves to its golden image; member 1 has no such template (blocked, exit 3).
        let refreshed = try await Program.run(Program.ingot, ["templates", "refresh", "web-lt", "--owner", "self", "--name", "golden-web-*", "--set-default"] + two, env: env)
        struct Refresh: Decodable { struct Account: Decodable { let accountId: String; let templates: [Entry]? }; struct Entry: Decodable { let action: String; let imageId: String? }; let accounts: [Account] }
        let refresh = try JSONDecoder().decode(Refresh.self, from: Data(refreshed.out.utf8))
        #expect(refreshed.code == 3, "\(refreshed.err)")
        #expect(refresh.accounts[0].templates?.first?.action == "created-version" && refresh.accounts[0].templates?.first?.imageId == image.rawValue, "\(refreshed.out)")
        #expect(refresh.accounts[1].templates?.first?.action == "blocked")
        // dr plan: each account's own standby.
        let planned = try await Program.run(Program.ingot, ["dr", "plan", "--cloud", "aws", "--accounts", members[0], "--role-name", "ingot-auditor",
                                                            "--source-region", "us-east-1", "--region", "eu-west-1", "--template", "web-lt", "--output", "json"], env: env)
        struct Plans: Decodable { struct Account: Decodable { let accountId: String; let steps: [Step]? }; struct Step: Decodable { let action: String }; let accounts: [Account] }
        let plans = try JSONDecoder().decode(Plans.self, from: Data(planned.out.utf8))
        #expect(plans.accounts.first?.steps?.first?.action == "copy-image", "\(planned.out)\(planned.err)")
        // import --from-aws: each account into the store as itself.
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("org-\(UUID().uuidString).sqlite").path
        #expect(try await Program.run(Program.ingot, ["init", "--store", store], env: env).code == 0)
        let imported = try await Program.run(Program.ingot, ["import", "--from-aws", "--store", store, "--accounts", members[0], "--role-name", "ingot-auditor",
                                                             "--region", "us-east-1"], env: env)
        #expect(imported.code == 0, "\(imported.out)\(imported.err)")
        let mine = try await Program.run(Program.ingot, ["images", "list", "--store", store, "--caller-account", members[0], "--owner", "self"], env: env)
        #expect(mine.out.contains(image.rawValue), "\(mine.out)\(mine.err)")

        // On the local cloud the option is refused.
        let local = try await Program.run(Program.ingot, ["doctor", "--accounts", members[0]], env: env)
        #expect(local.code == 2 && local.err.contains("--cloud aws"), "\(local.err)")
    }
}
