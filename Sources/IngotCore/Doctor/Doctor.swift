#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What will bite: drift-prone groups, templates pointing at dead images, instances off their
/// group's image, regions missing the newest golden build, orphaned snapshots that keep costing.
public enum Doctor {
    public struct Finding: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case movingTemplateVersion = "group-on-moving-version"
            case templateImageUnusable = "template-image-unusable"
            case instanceImageDrift = "instance-image-drift"
            case goldenBuildMissing = "golden-build-missing"
            case orphanedSnapshot = "orphaned-snapshot"
            case groupTemplateMissing = "group-template-missing"
            case templateParameterUnusable = "template-parameter-unusable"
            case parameterVersionLimit = "parameter-version-limit"
            case tagFilterOnSharedImages = "tag-filter-on-shared-images"
            /// An AMI an Image Builder build made before it FAILED (its tests): Image Builder leaves it behind.
            case failedBuildImage = "failed-build-image"
        }
        public var kind: Kind
        public var region: Region
        public var resource: String
        public var detail: String
        /// An orphaned snapshot's size.
        public var sizeGiB: Int?

        public init(kind: Kind, region: Region, resource: String, detail: String, sizeGiB: Int? = nil) {
            self.kind = kind
            self.region = region
            self.resource = resource
            self.detail = detail
            self.sizeGiB = sizeGiB
        }
    }

    /// The selector doctor uses for "golden" unless told otherwise: `--owner self --tag golden=true`.
    public static let defaultGolden = ImageSelector(tags: ["golden": ["true"]], owners: [.caller])

    /// What the orphaned snapshots among `findings` add up to, and their monthly cost at list price.
    public static func orphanedSnapshotCost(_ findings: [Finding]) -> (gib: Int, monthlyUSD: Double) {
        let gib = findings.filter { $0.kind == .orphanedSnapshot }.reduce(0) { $0 + ($1.sizeGiB ?? 0) }
        return (gib, (Double(gib) * snapshotPricePerGiBMonth * 100).rounded() / 100)
    }

    /// Doctor warns from this many versions when the oldest carries a label.
    public static let parameterVersionWarning = 90

    /// Standard EBS snapshot storage, USD per GiB-month (us-east-1 list price).
    public static let snapshotPricePerGiBMonth = 0.05

    public static func examine(regions: [Region], golden: ImageSelector, cloud: some LaunchTemplateCloud & AutoScalingCloud & ParameterCloud, now: Date) async throws -> [Finding] {
        var findings: [Finding] = []
        if let warning = golden.sharedTagWarning(caller: cloud.caller), let first = regions.first {
            findings.append(Finding(kind: .tagFilterOnSharedImages, region: first, resource: "golden selector", detail: warning))
        }
        for region in regions {
            let groups = try await cloud.describeAutoScalingGroups(region: region, names: [])
            let templates = try await cloud.describeLaunchTemplates(region: region, names: [])
            for g in groups where g.usesMovingVersion {
                findings.append(Finding(kind: .movingTemplateVersion, region: region, resource: g.name,
                                        detail: "launches \(g.launchTemplateName):\(g.launchTemplateVersion): what runs can drift from what was tested, and an instance refresh cannot roll back to it"))
            }
            // Templates whose default version points at an image that is deprecated, disabled or gone, or
            // at a resolve:ssm: parameter a launch cannot use.
            var parameters = Set<String>()
            for t in templates {
                guard let v = try await cloud.describeLaunchTemplateVersions(region: region, name: t.name, versions: [.default]).first,
                      var imageId = v.data.imageId else { continue }
                let resource = "\(t.name):\(v.versionNumber)"
                if let text = v.data.ssmParameter {
                    let reference = ParameterReference(text)
                    let parameter = try await LaunchTarget.parameter(of: v, region: region, cloud: cloud)
                    parameters.insert(reference.name)
                    if let problem = reference.problem(with: parameter) {
                        findings.append(Finding(kind: .templateParameterUnusable, region: region, resource: resource, detail: "default version uses resolve:ssm:\(text), which cannot launch: \(problem)"))
                        continue
                    }
                    imageId = parameter?.value ?? ""
                }
                guard ImageID.isWellFormed(imageId) else { continue }
                if let problem = try await imageProblem(ImageID(trusted: imageId), region: region, cloud: cloud, now: now) {
                    findings.append(Finding(kind: .templateImageUnusable, region: region, resource: resource, detail: "default version uses \(imageId), which is \(problem)"))
                }
            }
            // Parameters the templates launch from, near SSM's 100 versions with a labelled oldest one:
            // the next puts past 100 are refused (ParameterMaxVersionLimitExceeded) until the label moves.
            for name in parameters.sorted() {
                guard let history = try? await cloud.getParameterHistory(region: region, name: name),
                      let oldest = history.min(by: { $0.version < $1.version }), !oldest.labels.isEmpty,
                      history.count >= parameterVersionWarning else { continue }
                let left = max(0, Parameter.versionsKept - history.count)
                findings.append(Finding(kind: .parameterVersionLimit, region: region, resource: name,
                                        detail: "\(history.count) of \(Parameter.versionsKept) versions, and the oldest (\(oldest.version)) carries \(oldest.labels.joined(separator: ", ")): "
                                            + "\(left) more \(left == 1 ? "put succeeds" : "puts succeed"), then PutParameter is refused with ParameterMaxVersionLimitExceeded until the label moves"))
            }
            // Instances running another image than the one their group launches now.
            for g in groups {
                let desired: String
                do {
                    desired = try await LaunchTarget.of(g, cloud: cloud).imageId
                } catch let e as IngotError where e.kind != .failed {
                    findings.append(Finding(kind: .groupTemplateMissing, region: region, resource: g.name,
                                            detail: "launches \(g.launchTemplateName):\(g.launchTemplateVersion), which cannot launch (\(e.message))"))
                    continue
                }
                let off = g.instances.filter { $0.imageId != desired }
                if !off.isEmpty {
                    let images = Set(off.map(\.imageId)).sorted().joined(separator: ", ")
                    findings.append(Finding(kind: .instanceImageDrift, region: region, resource: g.name,
                                            detail: "\(off.count) of \(g.instances.count) instances run \(images), not \(desired) (an instance refresh would replace them)"))
                }
            }
            // Orphaned snapshots.
            for s in try await cloud.describeSnapshots(DescribeSnapshotsRequest(region: region, orphanedOnly: true)) {
                let cost = Double(s.volumeSize) * snapshotPricePerGiBMonth
                findings.append(Finding(kind: .orphanedSnapshot, region: region, resource: s.id.rawValue,
                                        detail: "\(s.volumeSize) GiB used by no image, about $\(dollars(cost))/month", sizeGiB: s.volumeSize))
            }
        }
        // Regions where the newest golden build of a family has not landed.
        if regions.count > 1 {
            let candidates = try await GoldenImageResolver.candidates(golden, regions: regions, cloud: cloud)
            let families = Set(candidates.flatMap { $0.1.map { family(of: $0.name) } }).sorted()
            let lagging = families.flatMap { f in
                GoldenImageResolver.chooseConsistent(candidates.map { ($0.0, $0.1.filter { family(of: $0.name) == f }) }, by: golden, now: now).1
            }
            for l in lagging {
                findings.append(Finding(kind: .goldenBuildMissing, region: l.region, resource: l.missing.name,
                                        detail: "newest golden build \(l.missing.imageVersion?.description ?? l.missing.id.rawValue) (\(l.missing.id) in \(l.missing.region)) is not available here"))
            }
        }
        return findings
    }

    /// An image family: the name before its first `-DIGIT` (`golden-web-2.4.0-3` is `golden-web`).
    public static func family(of name: String) -> String {
        let chars = Array(name)
        for i in chars.indices.dropLast() where chars[i] == "-" && chars[i + 1].isNumber { return String(chars[..<i]) }
        return name
    }

    /// `12.34`.
    public static func dollars(_ amount: Double) -> String {
        let cents = Int((amount * 100).rounded())
        return "\(cents / 100)." + (cents % 100 < 10 ? "0" : "") + "\(cents % 100)"
    }

    static func imageProblem(_ id: ImageID, region: Region, cloud: some Cloud, now: Date) async throws -> String? {
        let image: Image
        do {
            guard let found = try await cloud.describeImage(id, region: region) else {
                return "deregistered or not found"
            }
            image = found
        } catch let e as IngotError where e.code == "InvalidAMIID.NotFound" {
            return "deregistered or not found"
        }
        if image.state == .disabled { return "disabled" }
        if let t = image.deprecationTime, t <= now { return "deprecated since \(Timestamp.format(t))" }
        if image.state != .available { return image.state.rawValue }
        return nil
    }
}
