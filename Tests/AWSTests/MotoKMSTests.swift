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
