import Foundation
import PropertyBased
import Testing
@testable import IngotCore

/// `DRPlanner.decide` with values: what a plan does for each state of the DR region, read from a
/// `DRSnapshot` built by hand. (The store-backed tests in IngotLocalTests read the same through the
/// local cloud, and the CLI tests run `ingot dr` end to end.)
@Suite struct DRDecisionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let me = AccountID.defaultLocal, other = AccountID(trusted: "210987654321")
    static let sourceId = ImageID(trusted: "ami-00000000000000a01")

    static func image(_ id: ImageID, region: Region = .euWest1, name: String = "golden-web-1.2.0-1", version: String = "1.2.0/1",
                      state: ImageState = .available, source: ImageID? = nil, size: Int = 20, key: String? = nil,
                      tags: [Tag] = [Tag(key: "golden", value: "true")], created: Date = now.addingTimeInterval(-86_400)) -> Image {
        Image(id: id, region: region, ownerId: me, name: name, state: state, creationDate: created,
              blockDeviceMappings: [BlockDeviceMapping(deviceName: "/dev/xvda", volumeSize: size, encrypted: key != nil, kmsKeyId: key)],
              tags: tags, sourceImageId: source, sourceImageRegion: source.map { _ in .usEast1 }, imageVersion: ImageVersion(parsing: version))
    }

    static let group = AutoScalingGroup(name: "web-asg", region: .usEast1, launchTemplateName: "web-lt", launchTemplateVersion: .number(1), minSize: 0, maxSize: 10,
                                        desiredCapacity: 8, availabilityZones: ["us-east-1a", "us-east-1b"], healthCheckGracePeriod: 300,
                                        defaultInstanceWarmup: nil, createdTime: now, instances: [])

    static func version(_ n: Int, image: String, region: Region = .usEast1, isDefault: Bool = true) -> LaunchTemplateVersion {
        LaunchTemplateVersion(templateId: "lt-0000000000000000a", templateName: "web-lt", region: region, versionNumber: n, versionDescription: nil,
                              defaultVersion: isDefault, createTime: now, data: LaunchTemplateData(imageId: image, instanceType: "c7i.large"))
    }

    /// The group web-asg (8 instances) on `source` in us-east-1; `drImages` in eu-west-1, with their lineage roots.
    static func snapshot(source: Image? = image(sourceId, region: .usEast1), drImages: [Image] = [], roots: [ImageID: ImageID] = [:],
                         keys: [DRSnapshot.KeyName: DRSnapshot.KeyLookup] = [:]) -> DRSnapshot {
        DRSnapshot(caller: me,
                   sources: [DRSnapshot.Source(workload: .group("web-asg"), group: group, templateName: "web-lt",
                                               version: version(1, image: sourceId.rawValue), imageId: sourceId.rawValue, image: source)],
                   drImages: ["golden-web": drImages], roots: roots, keys: keys)
    }

    static func request(_ mode: DRMode = .pilotLight, standby: StandbyCapacity? = nil, dr: AccountID? = nil, kms: String? = nil) -> DRRequest {
        DRRequest(sourceRegion: .usEast1, region: .euWest1, mode: mode, standbyCapacity: standby, drAccount: dr, kmsKeyId: kms, workloads: [.group("web-asg")])
    }

    static func decide(_ snapshot: DRSnapshot, _ request: DRRequest = request(), now: Date = now) -> DRPlan {
        DRPlanner.decide(request, snapshot, now: now)
    }

    static let copyId = ImageID(trusted: "ami-00000000000000b01")

    @Test("No copy: a blocker, then copy (300 s + 45 s per GiB across regions), template and group")
    func missingCopy() {
        let plan = Self.decide(Self.snapshot())
        #expect(plan.workloads[0].imageStatus == .missing)
        #expect(plan.blockers.map(\.resource) == ["image \(Self.sourceId) (golden-web-1.2.0-1)"])
        #expect(plan.steps.map(\.name) == ["copy-image", "create-template", "create-group"])
        #expect(plan.steps[0].estimatedSeconds == 300 + 45 * 20 && plan.rtoBreakdown.copy == 1200)
        // Everything after the copy waits for it; the group is made at capacity 0 (pilot light).
        #expect(plan.steps[1].waitsFor != nil && plan.steps[2].waitsFor != nil)
        guard case .createGroup(_, let settings) = plan.steps[2].action else { Issue.record("no create-group"); return }
        #expect(settings.desiredCapacity == 0 && settings.launchTemplateVersion == .default && settings.availabilityZones?.count == 2)
    }

    @Test("A copy is found by its lineage root whatever its name, else by the family's version")
    func copyByLineageThenVersion() {
        let renamed = Self.image(Self.copyId, name: "golden-web-1.2.0-1-dr-2026", version: "9.9.9/9", source: ImageID(trusted: "ami-00000000000000c01"))
        let plan = Self.decide(Self.snapshot(drImages: [renamed], roots: [Self.copyId: Self.sourceId]))
        #expect(plan.workloads[0].drImage?.id == Self.copyId && plan.workloads[0].imageStatus == .available && plan.blockers.isEmpty)
        #expect(plan.steps.map(\.name) == ["create-template", "create-group"])
        // Without lineage, the same version of the family counts; another version does not.
        #expect(Self.decide(Self.snapshot(drImages: [Self.image(Self.copyId)])).workloads[0].imageStatus == .available)
        #expect(Self.decide(Self.snapshot(drImages: [Self.image(Self.copyId, version: "1.2.0/2")])).workloads[0].imageStatus == .missing)
    }

    @Test("A pending copy is a warning; the RTO waits until it lands, and launches wait for it")
    func pendingCopy() {
        var pending = Self.image(Self.copyId, state: .pending)
        pending.availableAt = Self.now.addingTimeInterval(600)
        let plan = Self.decide(Self.snapshot(drImages: [pending]), Self.request(.warmStandby))
        #expect(plan.workloads[0].imageStatus == .pending && plan.blockers.isEmpty)
        #expect(plan.rtoBreakdown.copy == 600 && plan.warnings.contains { $0.reason.contains("in 600 s") })
        #expect(plan.steps.first { $0.name == "scale-group" }?.waitsFor?.contains(Self.copyId.rawValue) == true)
    }

    @Test("An available copy is preferred to a deprecated one; a deprecated copy alone still launches")
    func deprecatedCopies() {
        var deprecated = Self.image(ImageID(trusted: "ami-00000000000000b02"))
        deprecated.deprecationTime = Self.now.addingTimeInterval(-60)
        let both = Self.decide(Self.snapshot(drImages: [deprecated, Self.image(Self.copyId, created: Self.now.addingTimeInterval(-7 * 86_400))]))
        #expect(both.workloads[0].drImage?.id == Self.copyId && both.workloads[0].imageStatus == .available)
        let alone = Self.decide(Self.snapshot(drImages: [deprecated]))
        #expect(alone.workloads[0].imageStatus == .deprecated && alone.workloads[0].imageStatus.isLaunchable)
        #expect(alone.warnings.contains { $0.reason.contains("deprecated since") } && !alone.steps.contains { $0.name == "copy-image" })
    }

    @Test("A disabled copy is a blocker, and the new copy takes another name (the old one still holds it)")
    func disabledCopy() {
        let plan = Self.decide(Self.snapshot(drImages: [Self.image(Self.copyId, state: .disabled)]))
        #expect(plan.workloads[0].imageStatus == .disabled && plan.blockers.contains { $0.reason.contains("disabled: it cannot launch") })
        guard case .copyImage(_, _, _, let name)? = plan.steps.first?.action else { Issue.record("no copy step"); return }
        #expect(name?.hasPrefix("golden-web-1.2.0-1-dr-") == true)
    }

    @Test("An older build in the DR region is stale: launchable, a warning, and a copy of the new build")
    func staleCopy() {
        let older = Self.image(Self.copyId, name: "golden-web-1.1.0-1", version: "1.1.0/1")
        let plan = Self.decide(Self.snapshot(drImages: [older]))
        #expect(plan.workloads[0].imageStatus == .stale && plan.workloads[0].drImage?.id == Self.copyId && plan.blockers.isEmpty)
        #expect(plan.steps.first?.name == "copy-image")
    }

    @Test("Keys: a customer key of the source region needs --kms-key-id; a key the caller may not use is a blocker")
    func keys() {
        let sourceKey = "arn:aws:kms:us-east-1:123456789012:key/abc"
        let customer = KMSKey(keyId: "abc", region: .usEast1, ownerId: Self.me, description: "", manager: .customer, creationDate: Self.now)
        let encrypted = Self.image(Self.sourceId, region: .usEast1, key: sourceKey)
        let keys: [DRSnapshot.KeyName: DRSnapshot.KeyLookup] = [DRSnapshot.KeyName(region: .usEast1, key: sourceKey): .found(customer)]
        let without = Self.decide(Self.snapshot(source: encrypted, keys: keys))
        #expect(without.blockers.contains { $0.reason.contains("KMS keys are regional") } && !without.steps.contains { $0.name == "copy-image" })
        var denied = keys
        denied[DRSnapshot.KeyName(region: .euWest1, key: "alias/theirs")] = .denied("not authorized to perform kms:DescribeKey")
        let theirs = Self.decide(Self.snapshot(source: encrypted, keys: denied), Self.request(kms: "alias/theirs"))
        #expect(theirs.blockers.contains { $0.reason.contains("may use (not authorized") })
        let garbage = Self.decide(Self.snapshot(source: encrypted, keys: keys), Self.request(kms: "not a key!"))
        #expect(garbage.blockers.contains { $0.reason.contains("is not a KMS key id, alias, key ARN or alias ARN") })
    }

    @Test("A DR account: AWS's own key cannot be shared; a customer key of the DR region is granted, then the copy shared")
    func drAccount() {
        // "You cannot share resources encrypted under an AWS managed key with other accounts" (KMS developer guide).
        let awsKey = Self.image(Self.sourceId, region: .usEast1, key: ImageRules.defaultEBSKey)
        let keys: [DRSnapshot.KeyName: DRSnapshot.KeyLookup] = [
            DRSnapshot.KeyName(region: .usEast1, key: ImageRules.defaultEBSKey): .found(.awsManagedEBS(account: Self.me, region: .usEast1)),
        ]
        #expect(Self.decide(Self.snapshot(source: awsKey, keys: keys), Self.request(dr: Self.other)).blockers.contains { $0.reason.contains("cannot be shared") })
        // "If you share an AMI that is backed by encrypted snapshots, you must allow the AWS accounts to use the KMS keys."
        let drKey = KMSKey(keyId: "dr", region: .euWest1, ownerId: Self.me, description: "", manager: .customer, creationDate: Self.now, aliases: ["alias/dr"])
        var withDR = keys
        withDR[DRSnapshot.KeyName(region: .euWest1, key: "alias/dr")] = .found(drKey)
        let plan = Self.decide(Self.snapshot(source: awsKey, keys: withDR), Self.request(dr: Self.other, kms: "alias/dr"))
        #expect(plan.blockers.allSatisfy { !$0.reason.contains("key") })
        #expect(plan.steps.map(\.name).prefix(3) == ["copy-image", "grant-key", "share-image"])
        var granted = drKey
        granted.grantees = [Self.other]
        withDR[DRSnapshot.KeyName(region: .euWest1, key: "alias/dr")] = .found(granted)
        #expect(!Self.decide(Self.snapshot(source: awsKey, keys: withDR), Self.request(dr: Self.other, kms: "alias/dr")).steps.contains { $0.name == "grant-key" })
    }

    @Test("The DR template's default must launch the copy: an older version that does becomes the default, else a new version")
    func drTemplate() {
        var snapshot = Self.snapshot(drImages: [Self.image(Self.copyId)])
        let template = LaunchTemplate(id: "lt-0000000000000000b", name: "web-lt", region: .euWest1, ownerId: Self.me, createTime: Self.now,
                                      defaultVersionNumber: 3, latestVersionNumber: 3, tags: [])
        snapshot.drTemplates = ["web-lt": template]
        snapshot.drTemplateVersions["web-lt"] = [Self.version(1, image: "ami-00000000000000d01", region: .euWest1, isDefault: false),
                                                 Self.version(2, image: Self.copyId.rawValue, region: .euWest1, isDefault: false),
                                                 Self.version(3, image: "ami-00000000000000d02", region: .euWest1)]
        let back = Self.decide(snapshot)
        #expect(back.steps.first?.action == .setDefault(name: "web-lt", version: 2))
        snapshot.drTemplateVersions["web-lt"]?.remove(at: 1)
        let ahead = Self.decide(snapshot)
        #expect(ahead.steps.prefix(2).map(\.action) == [.createTemplateVersion(name: "web-lt", imageId: Self.copyId.rawValue, after: 3),
                                                         .setDefault(name: "web-lt", version: 4)])
        snapshot.drTemplates["web-lt"]?.defaultVersionNumber = 2
        snapshot.drTemplateVersions["web-lt"] = [Self.version(2, image: Self.copyId.rawValue, region: .euWest1)]
        #expect(!Self.decide(snapshot).steps.contains { $0.name.contains("template") || $0.name == "set-default" })
    }

    @Test("Capacity follows the mode: pilot light 0, warm standby a share, active-active all; backup-restore makes the group at failover")
    func modes() {
        let snapshot = Self.snapshot(drImages: [Self.image(Self.copyId)])
        #expect(Self.decide(snapshot, Self.request(.pilotLight)).workloads[0].standbyCapacity == 0)
        #expect(Self.decide(snapshot, Self.request(.warmStandby, standby: .percent(25))).workloads[0].standbyCapacity == 2)
        #expect(Self.decide(snapshot, Self.request(.activeActive)).workloads[0].standbyCapacity == 8)
        let backup = Self.decide(snapshot, Self.request(.backupRestore))
        #expect(!backup.steps.contains { $0.name == "create-group" } && backup.rtoBreakdown.setup == 60)
    }
}

/// Carrying a plan out converges: a model of what each step does to the DR region (CopyImage lands a
/// copy of the source with its lineage, ModifyImageAttribute adds the account, CreateGrant the grantee,
/// and so on), applied as `DRApplier` does (the first step that waits for nothing, then plan again),
/// must end with nothing to do and the standby ready, judged from the region's state alone, whenever
/// nothing in the plan was impossible (no key the DR side cannot use).
@Suite struct DRConvergenceTests {
    typealias T = DRDecisionTests

    /// Applies one step to the snapshot as AWS would (copies land available at once).
    static func apply(_ step: DRStep, to s: inout DRSnapshot, copies: inout Int) {
        switch step.action {
        case .copyImage(let sourceId, let encrypted, let kmsKeyId, let name):
            guard let source = s.sources.compactMap(\.image).first(where: { $0.id == sourceId }) else { return }
            copies += 1
            let id = ImageID(trusted: String(format: "ami-%017x", 0xe00 + copies))
            var copy = T.image(id, name: name ?? source.name, version: source.imageVersion?.description ?? "", source: source.id,
                               size: source.totalSnapshotGiB, key: encrypted ? (kmsKeyId ?? ImageRules.defaultEBSKey) : nil, tags: source.tags, created: T.now)
            copy.imageVersion = source.imageVersion
            s.drImages[Doctor.family(of: source.name), default: []].append(copy)
            s.roots[id] = s.root(of: source)
        case .shareImage(let image, let account):
            for (family, images) in s.drImages {
                s.drImages[family] = images.map { i in
                    var i = i
                    if i.id == image { i.launchPermissions.userIds.append(account) }
                    return i
                }
            }
        case .grantKey(let arn, let account):
            for (name, lookup) in s.keys {
                if case .found(var key) = lookup, key.arn == arn {
                    key.grantees.append(account)
                    s.keys[name] = .found(key)
                }
            }
        case .createTemplate(let name, let data):
            s.drTemplates[name] = LaunchTemplate(id: "lt-0000000000000000e", name: name, region: .euWest1, ownerId: T.me, createTime: T.now,
                                                 defaultVersionNumber: 1, latestVersionNumber: 1, tags: [])
            var v = T.version(1, image: "", region: .euWest1)
            v.data = data
            s.drTemplateVersions[name] = [v]
        case .createTemplateVersion(let name, let imageId, _):
            guard let template = s.drTemplates[name] else { return }
            let base = s.drTemplateVersions[name]?.first { $0.versionNumber == template.defaultVersionNumber }
            var v = T.version(template.latestVersionNumber + 1, image: imageId, region: .euWest1, isDefault: false)
            if var data = base?.data {
                data.imageId = imageId
                v.data = data
            }
            s.drTemplateVersions[name, default: []].append(v)
            s.drTemplates[name]?.latestVersionNumber += 1
        case .setDefault(let name, let version):
            s.drTemplates[name]?.defaultVersionNumber = version
        case .createGroup(let name, let settings):
            s.drGroups[name] = AutoScalingGroup(name: name, region: .euWest1, launchTemplateName: settings.launchTemplateName ?? "",
                                                launchTemplateVersion: settings.launchTemplateVersion ?? .default, minSize: settings.minSize ?? 0,
                                                maxSize: settings.maxSize ?? 0, desiredCapacity: settings.desiredCapacity ?? 0,
                                                availabilityZones: settings.availabilityZones ?? [], healthCheckGracePeriod: settings.healthCheckGracePeriod ?? 0,
                                                defaultInstanceWarmup: settings.defaultInstanceWarmup, createdTime: T.now, instances: [])
        case .scaleGroup(let name, let desired):
            guard var group = s.drGroups[name] else { return }
            group.desiredCapacity = desired
            group.maxSize = max(group.maxSize, desired)
            s.drGroups[name] = group
        }
    }

    /// The standby is ready, from the region's state: the group on `$Default` of a template whose default
    /// version launches an available copy of the source's build, running the mode's capacity, and the DR
    /// account (if any) may launch it and use its key.
    static func ready(_ s: DRSnapshot, _ request: DRRequest, standby: Int) -> Bool {
        guard let source = s.sources.first?.image, let template = s.drTemplates["web-lt"],
              let imageId = s.drTemplateVersions["web-lt"]?.first(where: { $0.versionNumber == template.defaultVersionNumber })?.data.imageId,
              let copy = s.drImages.values.joined().first(where: { $0.id.rawValue == imageId }),
              copy.state == .available, s.root(of: copy) == s.root(of: source) else { return false }
        if let account = request.drAccount, account != s.caller {
            guard copy.launchPermissions.userIds.contains(account) else { return false }
            if copy.isEncrypted {
                guard let key = s.key(DRSnapshot.keyName(of: copy), in: .euWest1), key.manager == .customer, key.usable(by: account) else { return false }
            }
        }
        if request.mode == .backupRestore { return true }
        guard let group = s.drGroups["web-asg"] else { return false }
        return group.launchTemplateName == "web-lt" && group.launchTemplateVersion == .default && group.desiredCapacity >= standby
    }

    @Test("Applying a plan with no key problem ends with nothing to do and a standby ready")
    func applyingConverges() async {
        let scenario = Gen.int(in: 0...1_000_000).array(of: 12...12)
        await propertyCheck(count: 300, input: scenario) { r in
            let mode = DRMode.allCases[r[0] % 4]
            let drAccount: AccountID? = [nil, T.me, T.other][r[1] % 3]
            // The source: unencrypted, or under AWS's key; --kms-key-id: none, or a customer key of the DR region.
            let encrypted = r[2] % 2 == 0
            let kms: String? = r[3] % 2 == 0 ? nil : "alias/dr"
            var request = T.request(mode, standby: mode == .warmStandby ? .percent(r[4] % 101) : nil, dr: drAccount, kms: kms)
            request.launchBurst = Double(r[5] % 10)
            let source = T.image(T.sourceId, region: .usEast1, key: encrypted ? ImageRules.defaultEBSKey : nil)
            var keys: [DRSnapshot.KeyName: DRSnapshot.KeyLookup] = [
                DRSnapshot.KeyName(region: .usEast1, key: ImageRules.defaultEBSKey): .found(.awsManagedEBS(account: T.me, region: .usEast1)),
                DRSnapshot.KeyName(region: .euWest1, key: ImageRules.defaultEBSKey): .found(.awsManagedEBS(account: T.me, region: .euWest1)),
            ]
            keys[DRSnapshot.KeyName(region: .euWest1, key: "alias/dr")] = .found(KMSKey(keyId: "dr", region: .euWest1, ownerId: T.me, description: "",
                                                                                        manager: .customer, creationDate: T.now, aliases: ["alias/dr"]))
            // The DR region: up to three images of the family, each a copy of this build (encrypted if the build is) or an older one, in any state.
            var dr: [Image] = [], roots: [ImageID: ImageID] = [:]
            for n in 0..<(r[6] % 4) {
                let id = ImageID(trusted: String(format: "ami-%017x", 0xb00 + n))
                let ofThisBuild = (r[7] >> n) % 2 == 0
                let state: ImageState = [.available, .pending, .disabled, .failed][(r[8] >> (2 * n)) % 4]
                var image = T.image(id, name: ofThisBuild ? "golden-web-1.2.0-1" + (n > 0 ? "-\(n)" : "") : "golden-web-1.1.0-\(n)",
                                    version: ofThisBuild ? "1.2.0/1" : "1.1.0/\(n + 1)", state: state,
                                    key: (ofThisBuild && encrypted) || (r[9] >> n) % 2 == 1 ? (kms ?? ImageRules.defaultEBSKey) : nil,
                                    tags: (r[10] >> n) % 2 == 0 ? [] : source.tags)
                image.availableAt = state == .pending ? T.now.addingTimeInterval(600) : nil
                if ofThisBuild { roots[id] = T.sourceId }
                dr.append(image)
            }
            var snapshot = T.snapshot(source: source, drImages: dr, roots: roots, keys: keys)
            var copies = 0
            var plan = T.decide(snapshot, request)
            // Carry it out as DRApplier does; a pending copy lands once nothing else can run.
            for _ in 0..<40 {
                #expect(plan.rtoSeconds == plan.rtoBreakdown.total)
                if let step = plan.steps.first(where: { $0.waitsFor == nil }) {
                    Self.apply(step, to: &snapshot, copies: &copies)
                } else if let family = snapshot.drImages.first(where: { $0.value.contains { $0.state == .pending } })?.key {
                    snapshot.drImages[family] = snapshot.drImages[family]?.map { i in var i = i; if i.state == .pending { i.state = .available }; return i }
                } else {
                    break
                }
                plan = T.decide(snapshot, request)
            }
            // The one thing no step can fix: a DR account and a copy made under AWS's own key.
            let crossAccount = drAccount == T.other
            let impossible = crossAccount && kms == nil && (encrypted || plan.workloads[0].drImage?.isEncrypted == true)
            if !impossible {
                #expect(plan.steps.isEmpty, "left: \(plan.steps.map(\.name)) blockers: \(plan.blockers.map(\.reason))")
                #expect(plan.blockers.isEmpty, "\(plan.blockers.map(\.reason))")
                #expect(Self.ready(snapshot, request, standby: request.standby(for: T.group.desiredCapacity)), "\(plan.steps.map(\.name))")
            } else {
                #expect(!plan.blockers.isEmpty, "a copy under AWS's key cannot reach \(T.other)")
            }
        }
    }
}
