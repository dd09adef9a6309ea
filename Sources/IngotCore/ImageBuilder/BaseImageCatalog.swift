import Foundation

/// Amazon's and Canonical's public base images as time passes, and the AWS-managed Image Builder
/// images (`arn:aws:imagebuilder:REGION:aws:image/amazon-linux-2023-x86/x.x.x`) that name them.
///
/// AWS documents no fixed AMI cadence ("With every Amazon Linux release ... we release a new Linux
/// Amazon Machine Image (AMI)"; the 2023.5 release notes list one every one to two weeks). Ingot's
/// catalog releases every family **every 14 days at 00:00 UTC**: Amazon Linux 2023 on the Mondays
/// counted from 2026-01-05, Ubuntu on the Thursdays counted from 2026-01-08. The Amazon Linux minor
/// version moves every quarter ("AL2023 provides a minor release every three months"), so a release
/// on 2026-12-07 is `al2023-ami-2023.13.20261207.0-kernel-6.1-x86_64`.
public enum BaseImageCatalog {
    /// One line of images: an AMI name pattern over a release date, and its Image Builder name.
    public struct Family: Sendable, Hashable {
        /// The AWS-managed Image Builder image's name (`amazon-linux-2023-x86`).
        public var imageBuilderName: String
        public var owner: AccountID
        public var ownerAlias: String?
        public var architecture: Architecture
        public var rootDeviceName: String
        /// The public SSM parameter that names the newest release.
        public var parameter: String
        /// The first release day of the cadence, and its period in days.
        public var anchor: Date
        public var periodDays: Int
        let kind: Kind

        enum Kind: Hashable { case amazonLinux2023, ubuntu(codename: String, version: String) }

        /// The AMI name of the release on `date`.
        /// - Parameter date: the release's day.
        public func amiName(released date: Date) -> String {
            let stamp = BaseImageCatalog.compactDate(date)
            switch kind {
            case .amazonLinux2023:
                return "al2023-ami-2023.\(BaseImageCatalog.amazonLinuxMinor(date)).\(stamp).0-kernel-6.1-\(architecture == .arm64 ? "arm64" : "x86_64")"
            case .ubuntu(let codename, let version):
                let disk = codename == "noble" ? "hvm-ssd-gp3" : "hvm-ssd"
                return "ubuntu/images/\(disk)/ubuntu-\(codename)-\(version)-\(architecture == .arm64 ? "arm64" : "amd64")-server-\(stamp)"
            }
        }

        /// The AMI description of the release on `date`.
        /// - Parameter date: the release's day.
        public func amiDescription(released date: Date) -> String {
            switch kind {
            case .amazonLinux2023:
                "Amazon Linux 2023 AMI 2023.\(BaseImageCatalog.amazonLinuxMinor(date)).\(BaseImageCatalog.compactDate(date)).0 \(architecture.rawValue) HVM kernel-6.1"
            case .ubuntu(let codename, let version):
                "Canonical, Ubuntu, \(version) LTS, \(architecture == .arm64 ? "arm64" : "amd64") \(codename) image"
            }
        }

        /// A SQLite GLOB pattern every release's AMI name matches (a narrowing; ``releaseDate(ofAMIName:)`` decides).
        public var amiNameGlob: String {
            switch kind {
            case .amazonLinux2023: "al2023-ami-2023.*-kernel-6.1-\(architecture == .arm64 ? "arm64" : "x86_64")"
            case .ubuntu: String(amiName(released: anchor).dropLast(8)) + "*"
            }
        }

        /// The release date an AMI name of this family carries, or nil when the name is not one of its releases.
        /// - Parameter name: an AMI name.
        public func releaseDate(ofAMIName name: String) -> Date? {
            let stamp: Substring
            switch kind {
            case .amazonLinux2023:
                let suffix = "-kernel-6.1-\(architecture == .arm64 ? "arm64" : "x86_64")"
                guard name.hasPrefix("al2023-ami-2023."), name.hasSuffix(suffix) else { return nil }
                let middle = name.dropFirst("al2023-ami-2023.".count).dropLast(suffix.count)  // 13.20261207.0
                let parts = middle.split(separator: ".")
                guard parts.count == 3 else { return nil }
                stamp = parts[1]
            case .ubuntu:
                let prefix = String(amiName(released: anchor).dropLast(8))
                guard name.hasPrefix(prefix), name.count == prefix.count + 8 else { return nil }
                stamp = name.suffix(8)
            }
            return BaseImageCatalog.date(compact: stamp)
        }

        /// The Image Builder version of the release on `date`: "YYYY.M.D", as AWS's managed images are numbered.
        /// - Parameter date: the release's day.
        public func version(released date: Date) -> SemanticVersion {
            let c = Calendar.utc.dateComponents([.year, .month, .day], from: date)
            return SemanticVersion(c.year ?? 1970, c.month ?? 1, c.day ?? 1)
        }

        /// The release days in `(after, through]`.
        /// - Parameters:
        ///   - after: exclusive start.
        ///   - through: inclusive end.
        public func releases(after: Date, through: Date) -> [Date] {
            let period = Double(periodDays) * 86_400
            var k = (after.timeIntervalSince(anchor) / period).rounded(.down)
            var out: [Date] = []
            while true {
                let day = anchor.addingTimeInterval(k * period)
                if day > through { break }
                if day > after { out.append(day) }
                k += 1
            }
            return out
        }

        /// The newest release day at or before `date`.
        /// - Parameter date: the instant.
        public func latestRelease(atOrBefore date: Date) -> Date {
            let period = Double(periodDays) * 86_400
            return anchor.addingTimeInterval((date.timeIntervalSince(anchor) / period).rounded(.down) * period)
        }
    }

    static let amazonLinuxAnchor = Date(timeIntervalSince1970: 1_767_571_200)  // 2026-01-05T00:00:00Z, a Monday
    static let ubuntuAnchor = Date(timeIntervalSince1970: 1_767_830_400)  // 2026-01-08T00:00:00Z, a Thursday

    /// Every family: Amazon Linux 2023 and Ubuntu 22.04/24.04, x86_64 and arm64.
    public static let families: [Family] = {
        var out: [Family] = []
        for arch in [Architecture.x86_64, .arm64] {
            let suffix = arch == .arm64 ? "arm64" : "x86"
            out.append(Family(imageBuilderName: "amazon-linux-2023-\(suffix)", owner: .amazon, ownerAlias: "amazon", architecture: arch,
                              rootDeviceName: "/dev/xvda",
                              parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-\(arch == .arm64 ? "arm64" : "x86_64")",
                              anchor: amazonLinuxAnchor, periodDays: 14, kind: .amazonLinux2023))
            for (codename, version, major) in [("jammy", "22.04", "22"), ("noble", "24.04", "24")] {
                let ubuntuArch = arch == .arm64 ? "arm64" : "amd64"
                out.append(Family(imageBuilderName: "ubuntu-server-\(major)-lts-\(suffix)", owner: .canonical, ownerAlias: nil, architecture: arch,
                                  rootDeviceName: "/dev/sda1",
                                  parameter: "/aws/service/canonical/ubuntu/server/\(version)/stable/current/\(ubuntuArch)/hvm/\(codename == "noble" ? "ebs-gp3" : "ebs-gp2")/ami-id",
                                  anchor: ubuntuAnchor, periodDays: 14, kind: .ubuntu(codename: codename, version: version)))
            }
        }
        return out
    }()

    /// The family an AWS-managed Image Builder image name refers to.
    /// - Parameter imageBuilderName: e.g. `amazon-linux-2023-x86`.
    public static func family(imageBuilderName: String) -> Family? { families.first { $0.imageBuilderName == imageBuilderName } }

    /// The Amazon Linux 2023 minor version in force on `date` (quarterly: 2023.11 in May 2026, 2023.12 from July 2026).
    /// - Parameter date: the release's day.
    public static func amazonLinuxMinor(_ date: Date) -> Int {
        let c = Calendar.utc.dateComponents([.year, .month], from: date)
        return max(0, ((c.year ?? 2023) - 2023) * 4 + ((c.month ?? 1) - 1) / 3 - 2)
    }

    /// `YYYYMMDD` of `date` in UTC.
    /// - Parameter date: the instant.
    public static func compactDate(_ date: Date) -> String {
        let c = Calendar.utc.dateComponents([.year, .month, .day], from: date)
        let y = c.year ?? 1970, m = c.month ?? 1, d = c.day ?? 1
        return "\(y)" + (m < 10 ? "0\(m)" : "\(m)") + (d < 10 ? "0\(d)" : "\(d)")
    }

    static func date(compact: Substring) -> Date? {
        guard compact.count == 8, let n = Int(compact) else { return nil }
        return Calendar.utc.date(from: DateComponents(year: n / 10_000, month: n / 100 % 100, day: n % 100))
    }
}
