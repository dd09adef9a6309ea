import ArgumentParser
import Foundation
import IngotCore
import IngotLocal

struct Groups: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "Auto Scaling groups launching from launch templates.",
        subcommands: [GroupsCreate.self, GroupsList.self, GroupsShow.self, GroupsUpdate.self, GroupsRefresh.self, GroupsRefreshes.self, GroupsStopRefresh.self, GroupsRollbackRefresh.self])
}

/// The AWS CLI's group options; nil leaves a setting as it is on update.
struct GroupOptions: ParsableArguments {
    @Option(name: .customLong("launch-template"), help: "NAME or NAME:VERSION ($Latest, $Default or a number; default $Default).") var launchTemplate: String?
    @Option(name: .customLong("min-size")) var minSize: Int?
    @Option(name: .customLong("max-size")) var maxSize: Int?
    @Option(name: .customLong("desired-capacity")) var desiredCapacity: Int?
    @Option(name: .customLong("availability-zones"), help: "Comma-separated zones of the region.") var zones: String?
    @Option(name: .customLong("health-check-grace-period"), help: "Seconds.") var grace: Int?
    @Option(name: .customLong("mixed-instances-policy"),
            help: "A MixedInstancesPolicy as the AWS CLI takes it (JSON, a file, or file://FILE): LaunchTemplate's LaunchTemplateSpecification and Overrides (InstanceType, ImageId), InstancesDistribution; instead of --launch-template.")
    var mixedInstancesPolicy: String?
    @Option(name: .customLong("default-instance-warmup"), parsing: .unconditional,
            help: "Seconds; -1 removes a value set before (\"include the property but specify -1 for the value\", as the API does).") var warmup: Int?

    func resolve() throws -> GroupSettings {
        var name: String?, version: TemplateVersion?
        if let lt = launchTemplate {
            let parts = lt.split(separator: ":", maxSplits: 1).map(String.init)
            guard let first = parts.first else { throw IngotError.invalid("launch-template", "give NAME or NAME:VERSION") }
            name = first
            try validateLaunchTemplateName(first, field: "launch-template")
            // A template given without a version means $Default, as on AWS (also when switching templates).
            version = parts.count == 2 ? try TemplateVersion(parts[1], field: "launch-template") : .default
        }
        for (field, v) in [("min-size", minSize), ("max-size", maxSize), ("desired-capacity", desiredCapacity), ("health-check-grace-period", grace)] {
            if let v, v < 0 { throw IngotError.invalid(field, "\(v) must not be negative") }
        }
        // "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter."
        if launchTemplate != nil && mixedInstancesPolicy != nil {
            throw IngotError.invalid("mixed-instances-policy", "give either --launch-template or --mixed-instances-policy (which names its own template)")
        }
        let policy = try mixedInstancesPolicy.map {
            try MixedInstancesPolicy(json: try JSONArgument.read($0, field: "mixed-instances-policy", what: "a MixedInstancesPolicy"))
        }
        if let warmup, warmup < -1 { throw IngotError.invalid("default-instance-warmup", "\(warmup) is not seconds (0 or more) or -1 (remove)") }
        return GroupSettings(launchTemplateName: name, launchTemplateVersion: version, minSize: minSize, maxSize: maxSize, desiredCapacity: desiredCapacity,
                             availabilityZones: zones.map { $0.split(separator: ",").map(String.init) }, healthCheckGracePeriod: grace, defaultInstanceWarmup: warmup,
                             mixedInstancesPolicy: policy)
    }
}


enum GroupView {
    static func print(_ groups: [AutoScalingGroup], global: GlobalOptions) throws {
        if global.structured {
            struct List: Encodable { let autoScalingGroups: [AutoScalingGroup] }
            try Output.document(global.output, List(autoScalingGroups: groups))
            return
        }
        Output.table(["GROUP", "TEMPLATE", "MIN", "MAX", "DESIRED", "INSTANCES", "IMAGES", "REGION"], groups.map { g in
            let images = Dictionary(grouping: g.instances, by: \.imageId).map { "\($0.key) x\($0.value.count)" }.sorted().joined(separator: ", ")
            return [g.name, "\(g.launchTemplateName):\(g.launchTemplateVersion)", String(g.minSize), String(g.maxSize), String(g.desiredCapacity),
                    String(g.instances.count), images, g.region.code]
        })
    }
}

struct GroupsCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "CreateAutoScalingGroup; launches the desired capacity.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The group name.") var name: String
    @OptionGroup var region: RegionOption
    @OptionGroup var options: GroupOptions

    func run() async throws {
        let settings = try options.resolve()
        guard settings.launchTemplateName != nil || settings.mixedInstancesPolicy != nil else {
            throw IngotError.invalid("launch-template", "give --launch-template NAME[:VERSION] or --mixed-instances-policy JSON")
        }
        guard settings.minSize != nil, settings.maxSize != nil else { throw IngotError.invalid("min-size", "give --min-size and --max-size") }
        let region = try region.resolve()
        let group = try await global.withCloud { c, _ in try await c.createAutoScalingGroup(region: region, name: name, settings: settings) }
        try GroupView.print([group], global: global)
    }
}

struct GroupsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "DescribeAutoScalingGroups.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var regions: RegionsOption

    func run() async throws {
        let regions = try regions.resolve()
        let groups = try await global.withCloud { cloud, _ in
            var groups: [AutoScalingGroup] = []
            for r in regions { groups += try await cloud.describeAutoScalingGroups(region: r, names: []) }
            return groups
        }
        try GroupView.print(groups, global: global)
    }
}

struct GroupsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One group with its instances.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The group name.") var name: String
    @OptionGroup var region: RegionOption

    func run() async throws {
        let region = try region.resolve()
        guard let g = try await global.withCloud({ c, _ in try await c.describeAutoScalingGroups(region: region, names: [name]) }).first else {
            throw IngotError.noSuchGroup(name)
        }
        if global.structured { try Output.document(global.output, g); return }
        try GroupView.print([g], global: global)
        Output.line("")
        Output.table(["INSTANCE", "ZONE", "STATE", "HEALTH", "VERSION", "IMAGE"], g.instances.map {
            [$0.instanceId.rawValue, $0.availabilityZone, $0.lifecycleState, $0.healthStatus, String($0.launchTemplateVersion), $0.imageId]
        })
    }
}

struct GroupsUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "UpdateAutoScalingGroup (a new template version does not replace running instances: a refresh does).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The group name.") var name: String
    @OptionGroup var region: RegionOption
    @OptionGroup var options: GroupOptions

    func run() async throws {
        let region = try region.resolve()
        let settings = try options.resolve()
        let group = try await global.withCloud { c, _ in try await c.updateAutoScalingGroup(region: region, name: name, settings: settings) }
        try GroupView.print([group], global: global)
    }
}

