import Foundation
import IngotAWS
import IngotCore
import Testing

/// The KMS calls the DR planner and `ingot kms` make, against moto_server's KMS (signature-checked).
@Suite("KMS keys against moto_server", .motoServerCheckingSignatures, .enabled(if: MotoServer.isInstalled, MotoServer.skipMessage))
struct MotoKMSTests {
    /// KMS: "To specify a KMS key in a different Amazon Web Services account, you must use the key ARN or
    /// alias ARN"; DescribeKey answers NotFoundException for a key that does not exist.
    @Test("CreateKey with an alias, DescribeKey by id, alias and ARN, ListKeys, CreateGrant, NotFoundException")
    func keysAliasesAndGrants() async throws {
        try await withMotoCloud { cloud in
            let alias = "alias/\(uniqueName("golden"))"
            let key = try await cloud.createKey(region: .usEast1, description: "golden images", alias: alias)
            #expect(key.manager == .customer && key.region == .usEast1 && key.arn.hasPrefix("arn:aws:kms:us-east-1:"))
            for name in [key.keyId, key.arn, alias] {
                #expect(try await cloud.describeKey(region: .usEast1, key: name).keyId == key.keyId, "\(name)")
            }
            let listed = try await cloud.listKeys(region: .usEast1).first { $0.keyId == key.keyId }
            #expect(listed?.aliases == [alias])
            try await cloud.grantKeyUse(region: .usEast1, key: key.keyId, account: AccountID(trusted: "210987654321"))
            try await cloud.grantKeyUse(region: .usEast1, key: key.keyId, account: AccountID(trusted: "210987654321"))
            // DescribeKey does not name grants: the grantees come from ListGrants (a DR plan's grant-key step settles).
            #expect(try await cloud.describeKey(region: .usEast1, key: alias).grantees == [AccountID(trusted: "210987654321")])
            let missing = await #expect(throws: IngotError.self) {
                try await cloud.describeKey(region: .usEast1, key: "1234abcd-12ab-34cd-56ef-1234567890ab")
            }
            #expect(missing?.code == "NotFoundException")
            #expect(try await cloud.findKey(region: .usEast1, key: "alias/\(uniqueName("none"))") == nil)
        }
    }
}

/// Block public access for AMIs on AWS (moto has none of these calls): the requests are what
/// botocore's EC2 serializer writes, and the answer is read as the API reference shapes it
/// (GetImageBlockPublicAccessState: imageBlockPublicAccessState, managedBy).
@Suite("Block public access for AMIs, replayed")
struct BlockPublicAccessReplayTests {
    @Test("Enable, Disable and GetImageBlockPublicAccessState as botocore sends them; the state read back")
    func calls() async throws {
        try await withReplayCloud({ request, _ in
            switch request.action {
            case "GetImageBlockPublicAccessState":
                .xml("""
                <GetImageBlockPublicAccessStateResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
                  <requestId>r</requestId><imageBlockPublicAccessState>block-new-sharing</imageBlockPublicAccessState><managedBy>account</managedBy>
                </GetImageBlockPublicAccessStateResponse>
                """)
            default:
                .xml("""
                <\(request.action)Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>
                  <imageBlockPublicAccessState>\(request.action == "EnableImageBlockPublicAccess" ? "block-new-sharing" : "unblocked")</imageBlockPublicAccessState>
                </\(request.action)Response>
                """)
            }
        }) { cloud, server in
            try await cloud.setImageBlockPublicAccess(.blockNewSharing, region: .usEast1)
            try await cloud.setImageBlockPublicAccess(.unblocked, region: .usEast1)
            #expect(try await cloud.imageBlockPublicAccess(region: .usEast1) == .blockNewSharing)
            let forms = server.requests.map(\.form)
            #expect(forms.count == 3)
            #expect(forms[0] == (try botocoreForm("ec2", "EnableImageBlockPublicAccess", #"{"ImageBlockPublicAccessState": "block-new-sharing"}"#)))
            #expect(forms[1] == (try botocoreForm("ec2", "DisableImageBlockPublicAccess", "{}")))
            #expect(forms[2] == (try botocoreForm("ec2", "GetImageBlockPublicAccessState", "{}")))
        }
    }
}
