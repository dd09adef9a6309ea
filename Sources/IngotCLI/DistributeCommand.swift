import ArgumentParser
import Foundation
import IngotAWS
import IngotCore
import IngotLocal

/// `ingot distribute`: Image Builder's DistributeImage for an AMI built any way (Packer, by hand, a
/// pipeline), on the local cloud or on AWS.
struct Distribute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distribute",
        abstract: "Distribute an AMI as a distribution configuration says: copies (one per target account too), sharing, launch template versions, SSM parameters.",
        discussion: """
            Idempotent and resumable: outputs are found by name before anything is copied, and a second run changes nothing. \
            Without --wait it starts the copies and finishes the regions whose copies have landed; run it again later, or pass --wait. \
            On the local cloud --wait moves virtual time to when the copies land. Exit 0 when every region is done, \
            3 when copies are still pending (after --timeout with --wait), 1 when a copy or a step failed.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var region: RegionOption
    @Argument(help: "The AMI to distribute (in --region).") var image: String
    @Option(help: "The distribution configuration's name.") var distribution: String
    @Option(name: .shortAndLong, help: "An ingot.yaml whose imageBuilder.distributionConfigurations has it (required with --cloud aws; the local store's otherwise).")
    var file: String?
    @Flag(help: "Wait until every copy has landed and every region is done.") var wait = false
    @Option(help: "With --wait: give up after this long (seconds, or e.g. 30m, 2h).") var timeout: String = "60m"
    @Option(help: "With --wait on AWS: seconds between checks.") var poll: Int = 15
    @OptionGroup var role: RoleOptions

    func run() async throws {
        let source = try ImageID(image)
        let region = try region.resolve()
        let limit = try Self.duration(timeout, field: "timeout")
        guard (1...3600).contains(poll) else { throw IngotError.invalid("poll", "\(poll); accepted: 1 to 3600 seconds") }
        let fromFile = try file.map { path -> DistributionConfigurationDefinition in
            let config = try YAMLFile.config(path)
            guard let found = config.imageBuilder?.distributionConfigurations.first(where: { $0.name == distribution }) else {
                throw IngotError.invalid("distribution", "\(path) has no imageBuilder.distributionConfigurations entry named '\(distribution)'")
            }
            return found
        }
        let progress: DistributionProgress
        switch try global.cloudKind {
        case .local:
            let cloud = try await global.cloud()
            let configuration: DistributionConfigurationDefinition
            if let fromFile {
                configuration = fromFile
            } else {
                let record = try await cloud.imageBuilderResource(.distributionConfiguration, distribution, region: region)
                configuration = try JSONDecoder().decode(DistributionConfigurationDefinition.self, from: Data(record.definition.utf8))
            }
            progress = try await Self.distribute(source, region: region, configuration: configuration, cloud: cloud, account: { current, id in current.acting(as: id) },
                                                 wait: wait ? limit : nil) { cloud, pending in
                // Virtual time: jump to when the last pending copy lands.
                var landing = cloud.clock.now
                for output in pending {
                    guard let id = output.imageId, let image = try await cloud.acting(as: output.accountId).describeImage(id, region: output.region) else { continue }
                    landing = max(landing, image.availableAt ?? landing)
                }
                return cloud.at(.at(landing.addingTimeInterval(1)))
            }
        case .aws:
            guard let fromFile else { throw IngotError.invalid("file", "with --cloud aws, give -f ingot.yaml: the distribution configuration is read from it") }
            let template = try role.checkedTemplate()
            progress = try await global.withAWS { aws in
                let fanOut = AccountFanOut(base: aws.client.configuration, roleArnTemplate: template)
                return try await Self.distribute(source, region: region, configuration: fromFile, cloud: aws, account: { _, id in try await fanOut.cloud(id, caller: aws) },
                                                 wait: wait ? limit : nil) { [poll] cloud, pending in
                    if isatty(STDERR_FILENO) == 1 {
                        FileHandle.standardError.write(Data("\rwaiting for \(Output.count(pending.count, "copy", plural: "copies")): \(pending.map(\.region.code).joined(separator: ", "))   ".utf8))
                    }
                    try await Task.sleep(for: .seconds(poll))
                    return cloud
                }
            }
        }
        try report(progress)
        if progress.failure != nil { throw CommandFailure(code: 1) }
        if !progress.isComplete { throw CommandFailure(code: 3) }
    }

    /// Starts, then advances until done (or, with `wait`, until the time limit), as `cloud`.
    static func distribute<C: LaunchTemplateCloud & ParameterCloud & AutoScalingCloud>(
        _ id: ImageID, region: Region, configuration: DistributionConfigurationDefinition, cloud: C,
        account: @escaping @Sendable (C, AccountID) async throws -> C, wait limit: TimeInterval?,
        waiting: (C, [DistributionProgress.Output]) async throws -> C
    ) async throws -> DistributionProgress {
        guard let image = try await cloud.describeImage(id, region: region) else {
            throw IngotError.refused("InvalidAMIID.NotFound", "The image id '[\(id)]' does not exist in \(region)")
        }
        let source = Distributor.Source(image: image)
        var current = cloud
        // Another account's view at the same instant as the distributing account's (virtual time moves on the local cloud).
        var progress = try await Distributor.start(source, configuration: configuration, cloud: current, account: { [current] in try await account(current, $0) })
        let started = Date()
        var poll = false  // start has just described or made every output
        while true {
            progress = try await Distributor.advance(progress, source: source, configuration: configuration, cloud: current,
                                                     account: { [current] in try await account(current, $0) }, poll: poll)
            poll = true
            guard let limit, progress.failure == nil, !progress.isComplete, Date().timeIntervalSince(started) < limit else { return progress }
            current = try await waiting(current, progress.pending)
        }
    }

    func report(_ progress: DistributionProgress) throws {
        if global.structured { return try Output.document(global.output, progress) }
        Output.table(["REGION", "ACCOUNT", "AMI", "STATE", "NAME"], progress.outputs.map {
            [$0.region.code, $0.accountId.rawValue, $0.imageId?.rawValue ?? "-", $0.state + ($0.reason.map { ": \($0)" } ?? ""), $0.name]
        })
        var steps: [[String]] = []
        for r in progress.regions {
            let code = r.region.code
            if !r.shared.isEmpty { steps.append([code, "shared", r.shared.joined(separator: ", ")]) }
            for t in r.launchTemplates {
                let version = t.version.map { " v\($0)" } ?? ""
                let reason = t.reason.map { ": \($0)" } ?? ""
                steps.append([code, "launch template \(t.launchTemplate)", t.action + version + reason])
            }
            for p in r.parameters { steps.append([code, "parameter \(p.parameterName)", "\(p.action) \(p.value)"]) }
            if let failure = r.failure {
                steps.append([code, "failed", failure])
            } else if !r.finished {
                steps.append([code, "waiting", "for its copies to land"])
            }
        }
        if !steps.isEmpty { Output.table(["REGION", "STEP", "RESULT"], steps) }
        if let failure = progress.failure { Output.note(failure) }
        else if !progress.isComplete { Output.note("Copies are still pending: run `ingot distribute` again later (it resumes), or pass --wait.") }
    }

    /// `30m`, `2h`, `90s`, `1d`, or bare seconds.
    static func duration(_ text: String, field: String) throws -> TimeInterval {
        if let seconds = Double(text), seconds > 0 { return seconds }
        guard let seconds = Timestamp.span(text, units: "smhd"), seconds > 0 else {
            throw IngotError.invalid(field, "'\(text)'; accepted: seconds, or a number followed by s, m, h or d (e.g. 30m)")
        }
        return seconds
    }
}

struct ImagesPublishBase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-base",
        abstract: "Publish a new base image release today (Amazon Linux 2023 by default) in every region, out of the catalog's 14-day cadence.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("family"), help: "An Image Builder managed image name (repeatable): \(BaseImageCatalog.families.map(\.imageBuilderName).joined(separator: ", ")).")
    var families: [String] = ["amazon-linux-2023-x86", "amazon-linux-2023-arm64"]

    func run() async throws {
        let cloud = try await global.cloud()
        let images = try await cloud.publishBaseImages(families: families)
        if global.structured { return try Output.document(global.output, images.filter { $0.region == .usEast1 }) }
        for name in Set(images.map(\.name)).sorted() {
            Output.line("\(name): published in \(Output.count(images.filter { $0.name == name }.count, "region"))")
        }
    }
}
