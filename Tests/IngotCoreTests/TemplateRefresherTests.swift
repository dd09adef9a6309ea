import Foundation
import IngotCore
import Testing

/// The refresher's decisions, with values (the store-backed tests in IngotLocalTests carry them out).
@Suite struct TemplateRefresherDecisionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let old = ImageID(trusted: "ami-0000000000000000a"), new = ImageID(trusted: "ami-0000000000000000b")

    static func version(_ n: Int, image: ImageID, type: String = "t3.micro") -> LaunchTemplateVersion {
        LaunchTemplateVersion(templateId: "lt-1", templateName: "web-lt", region: .usEast1, versionNumber: n, versionDescription: nil,
                              defaultVersion: n == 1, createTime: now, data: LaunchTemplateData(imageId: image.rawValue, instanceType: type))
    }

    @Test("A base already on the image is the answer; nothing is created")
    func baseAlreadyThere() {
        #expect(TemplateRefresher.versionReferencing(Self.new, base: Self.version(3, image: Self.new), later: []) == 3)
    }

    @Test("A later version made from the base with only the image changed counts as done (the oldest such)")
    func earlierRunCounts() {
        let base = Self.version(1, image: Self.old)
        let later = [Self.version(4, image: Self.new), Self.version(2, image: Self.new), Self.version(3, image: Self.new, type: "t3.large")]
        #expect(TemplateRefresher.versionReferencing(Self.new, base: base, later: later) == 2)
        // A version with other changes besides the image is not the refresher's: a new one is needed.
        #expect(TemplateRefresher.versionReferencing(Self.new, base: base, later: [Self.version(3, image: Self.new, type: "t3.large")]) == nil)
    }

    @Test("--keep deletes beyond the newest N, never a protected version")
    func pruning() {
        #expect(TemplateRefresher.versionsToDelete([1, 2, 3, 4, 5, 6], keep: 2, protected: [2, 6]) == [4, 3, 1])
        #expect(TemplateRefresher.versionsToDelete([1, 2], keep: 5, protected: []).isEmpty)
    }
}
