import Foundation

/// An image's `state.status`: "A new image moves through build, test, and distribution statuses
/// during creation, and ends in the AVAILABLE, FAILED, or CANCELLED state." (Image Builder API
/// reference, ImageState)
public enum ImageBuildStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending = "PENDING", creating = "CREATING", building = "BUILDING", testing = "TESTING"
    case distributing = "DISTRIBUTING", integrating = "INTEGRATING", available = "AVAILABLE"
    case cancelled = "CANCELLED", failed = "FAILED", deprecated = "DEPRECATED", deleted = "DELETED", disabled = "DISABLED"

    /// Whether the build is over (CancelImageCreation "can only be used on images in a non-terminal state").
    public var isTerminal: Bool { ![.pending, .creating, .building, .testing, .distributing, .integrating].contains(self) }
}

/// What a build was made from: the parent image and each component's build, resolved when it started.
public struct BuildInputs: Sendable, Hashable, Codable {
    public var parentImageId: ImageID
    public var parentImageName: String
    /// The parent's Image Builder version, for an image ARN parent (`2026.11.23`).
    public var parentVersion: String?
    public var components: [ResolvedComponent]

    public init(parentImageId: ImageID, parentImageName: String, parentVersion: String? = nil, components: [ResolvedComponent]) {
        self.parentImageId = parentImageId
        self.parentImageName = parentImageName
        self.parentVersion = parentVersion
        self.components = components
    }
}

/// A recipe's component, resolved to one build.
public struct ResolvedComponent: Sendable, Hashable, Codable {
    /// The build version ARN (`.../component/web-base/1.2.0/1`).
    public var arn: ImageBuilderARN
    public var name: String
    public var version: ImageVersion
    public var type: ComponentType
    public var parameters: [ComponentParameter]?

    public init(arn: ImageBuilderARN, name: String, version: ImageVersion, type: ComponentType, parameters: [ComponentParameter]? = nil) {
        self.arn = arn
        self.name = name
        self.version = version
        self.type = type
        self.parameters = parameters
    }
}

/// A build's planned timeline: computed once when it starts (deterministic for its seed), then
/// carried out as virtual time passes.
///
/// Ingot's model of the durations (AWS documents none): the workflow starts 60 s after the request
/// (PENDING, then BUILDING); an instance is ready 150 s after launch; the build stage runs every
/// component's `build` phase in recipe order, then every `validate` phase; CreateImage then takes
/// 180 s plus 10 s per GiB of the root volume until the AMI is available; the test stage launches a
/// second instance from the AMI and runs every component's `test` phase. Step durations come from
/// ``ActionModule`` profiles, scaled by the instance type (``InstanceTypeSpeed``).
public struct BuildTimeline: Sendable, Hashable, Codable {
    /// One step as it ran (or will run).
    public struct Step: Sendable, Hashable, Codable {
        public var component: String
        public var phase: String
        public var name: String
        public var action: String
        public var start: Date
        public var end: Date
        public var attempts: Int
        /// AWSTOE's step status: Success, Failed or IgnoredFailure.
        public var status: String
        public var reason: String?
    }

    /// The step that failed the build, as Image Builder's `failureContext.componentFailure` has it.
    public struct Failure: Sendable, Hashable, Codable {
        public var at: Date
        /// `build` or `test`.
        public var stage: String
        public var componentArn: String
        public var phaseName: String
        public var stepName: String
        public var action: String
        public var errorMessage: String
    }

    public var requestedAt: Date
    public var buildInstanceAt: Date
    public var steps: [Step]
    /// When the build stage ended and CreateImage ran (nil: the build stage failed).
    public var buildEnd: Date?
    public var amiAvailableAt: Date?
    /// When the test instance launched (nil: no tests, or no AMI).
    public var testInstanceAt: Date?
    public var testEnd: Date?
    public var failure: Failure?

    /// When distribution starts: after the tests, or once the AMI is available when there are none.
    public var distributionAt: Date? {
        guard failure == nil else { return nil }
        return testEnd ?? amiAvailableAt
    }
}

/// Plans a build's timeline (pure: the same inputs and seed give the same plan).
public enum BuildPlanner {
    /// A recipe's component with its document.
    public struct Component: Sendable {
        public var resolved: ResolvedComponent
        public var document: ComponentDocument

        public init(resolved: ResolvedComponent, document: ComponentDocument) {
            self.resolved = resolved
            self.document = document
        }
    }

    /// Failures to inject: `COMPONENT/PHASE/STEP` names (component by name, case-insensitive) and a
    /// per-attempt rate for every step.
    public struct Faults: Sendable, Hashable, Codable {
        public var failSteps: [String]
        public var stepFailureRate: Double

        public init(failSteps: [String] = [], stepFailureRate: Double = 0) {
            self.failSteps = failSteps
            self.stepFailureRate = stepFailureRate
        }

        /// Checks `--fail-step` values (COMPONENT/PHASE/STEP, PHASE an AWSTOE phase: build, validate, test, container-host-test) and the rate.
        public func validate() throws {
            for spec in failSteps {
                let parts = spec.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }), ComponentDocument.Phase.Name(rawValue: String(parts[1])) != nil else {
                    throw IngotError.invalid("fail-step", "'\(spec)'; accepted: COMPONENT/PHASE/STEP with PHASE one of build, validate, test, container-host-test")
                }
            }
            guard (0...1).contains(stepFailureRate) else {
                throw IngotError.invalid("step-failure-rate", "\(stepFailureRate); accepted: 0 to 1")
            }
        }

        /// Refuses a `--fail-step` that names no step of the recipe's components (a typo would otherwise inject nothing).
        /// - Parameter components: the recipe's components with their documents.
        public func check(against components: [BuildPlanner.Component]) throws {
            for spec in failSteps {
                let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3, let phase = ComponentDocument.Phase.Name(rawValue: parts[1]) else { continue }
                let found = components.contains { c in
                    ImageBuilderARN.arnName(c.resolved.name) == ImageBuilderARN.arnName(parts[0])
                        && c.document.phases.contains { $0.name == phase && $0.steps.contains { $0.name == parts[2] } }
                }
                guard found else {
                    let known = components.flatMap { c in c.document.phases.flatMap { p in p.steps.map { "\(c.resolved.name)/\(p.name.rawValue)/\($0.name)" } } }
                    throw IngotError.invalid("fail-step", "'\(spec)' names no step of the recipe; accepted: \(known.joined(separator: ", "))")
                }
            }
        }

        func fails(component: String, phase: ComponentDocument.Phase.Name, step: String) -> Bool {
            failSteps.contains { spec in
                let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                return parts.count == 3 && ImageBuilderARN.arnName(parts[0]) == ImageBuilderARN.arnName(component) && parts[1] == phase.rawValue && parts[2] == step
            }
        }
    }

    public static let workflowStart: TimeInterval = 60
    public static let instanceReady: TimeInterval = 150
    public static let imageBase: TimeInterval = 180
    public static let imagePerGiB: TimeInterval = 10

    /// The timeline of a build requested at `start`.
    /// - Parameters:
    ///   - start: when the build was requested (PENDING).
    ///   - components: the recipe's components in order, with their documents.
    ///   - instanceType: the build and test instance type.
    ///   - testsEnabled: whether the test stage runs.
    ///   - rootVolumeGiB: the AMI's size, for CreateImage's duration.
    ///   - faults: injected failures.
    ///   - seed: the random seed (durations and random failures).
    public static func plan(start: Date, components: [Component], instanceType: String, testsEnabled: Bool, rootVolumeGiB: Int,
                            faults: Faults = Faults(), seed: UInt64) -> BuildTimeline {
        var rng = SeededGenerator(seed: seed)
        let scale = InstanceTypeSpeed.factor(instanceType) ?? 1
        let buildInstanceAt = start.addingTimeInterval(workflowStart)
        var timeline = BuildTimeline(requestedAt: start, buildInstanceAt: buildInstanceAt, steps: [], buildEnd: nil, amiAvailableAt: nil,
                                     testInstanceAt: nil, testEnd: nil, failure: nil)
        var clock = buildInstanceAt.addingTimeInterval(instanceReady)
        func run(_ phase: ComponentDocument.Phase.Name, stage: String) -> Bool {
            for component in components {
                let origin = clock
                let result = component.document.simulate(
                    phase: phase, startingAt: 0, timeScale: scale, rng: &rng,
                    failing: { faults.fails(component: component.resolved.name, phase: phase, step: $0) }, failureRate: faults.stepFailureRate)
                for step in result.steps {
                    let reason: String? = switch step.outcome {
                    case .success: nil
                    case .failed(let r), .continued(let r), .ignored(let r): r
                    }
                    timeline.steps.append(BuildTimeline.Step(
                        component: component.resolved.name, phase: phase.rawValue, name: step.name, action: step.action.rawValue,
                        start: origin.addingTimeInterval(step.start), end: origin.addingTimeInterval(step.end), attempts: step.attempts,
                        status: step.outcome.awstoeStatus, reason: reason))
                }
                clock = origin.addingTimeInterval(result.end)
                if case .failed(let stepName, let reason) = result.outcome {
                    let action = result.steps.first { $0.name == stepName }?.action.rawValue ?? ""
                    timeline.failure = BuildTimeline.Failure(
                        at: clock, stage: stage, componentArn: component.resolved.arn.description, phaseName: phase.rawValue, stepName: stepName,
                        action: action, errorMessage: "Document \(component.resolved.arn) failed! Step \(stepName) (\(action)) in phase \(phase.rawValue): \(reason)")
                    return false
                }
            }
            return true
        }
        guard run(.build, stage: "build"), run(.validate, stage: "build") else { return timeline }
        timeline.buildEnd = clock
        let available = clock.addingTimeInterval(imageBase + imagePerGiB * Double(max(1, rootVolumeGiB)))
        timeline.amiAvailableAt = available
        guard testsEnabled else { return timeline }
        timeline.testInstanceAt = available
        clock = available.addingTimeInterval(instanceReady)
        guard run(.test, stage: "test") else { return timeline }
        timeline.testEnd = clock
        return timeline
    }
}

/// SplitMix64: a small seedable generator, so a build's plan is the same on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64

    /// A generator from `seed`.
    /// - Parameter seed: any value.
    public init(seed: UInt64) { state = seed }

    /// A seed from text (FNV-1a): the same text, the same seed.
    /// - Parameter text: e.g. an image ARN.
    public init(hashing text: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = h
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// One change of an image's status, at its virtual time.
public struct StatusChange: Sendable, Hashable, Codable {
    public var status: ImageBuildStatus
    public var at: Date
    public var reason: String?

    public init(status: ImageBuildStatus, at: Date, reason: String? = nil) {
        self.status = status
        self.at = at
        self.reason = reason
    }
}

/// An output AMI of a build, as `outputResources.amis` lists it.
public struct OutputAMI: Sendable, Hashable, Codable {
    public var region: Region
    public var image: ImageID
    public var name: String
    public var accountId: AccountID

    public init(region: Region, image: ImageID, name: String, accountId: AccountID) {
        self.region = region
        self.image = image
        self.name = name
        self.accountId = accountId
    }
}

/// An Image Builder image (one build of a recipe version) with everything Ingot keeps about it.
public struct ImageBuild: Sendable, Hashable, Codable {
    /// What the runner does next.
    public enum Stage: String, Sendable, Hashable, Codable {
        case launchBuild, createImage, launchTest, distribute, finishDistribution, integrate, fail, done
    }

    public var arn: ImageBuilderARN
    /// The recipe's name.
    public var name: String
    public var version: ImageVersion
    public var region: Region
    public var owner: AccountID
    public var recipeArn: ImageBuilderARN
    public var pipelineArn: ImageBuilderARN?
    public var infrastructureConfigurationArn: ImageBuilderARN
    public var distributionConfigurationArn: ImageBuilderARN?
    /// USER_INITIATED or SCHEDULED.
    public var buildType: String
    public var inputs: BuildInputs
    public var timeline: BuildTimeline
    public var history: [StatusChange]
    public var stage: Stage
    public var nextAt: Date?
    public var buildInstanceId: InstanceID?
    public var testInstanceId: InstanceID?
    /// The AMI made in the build region.
    public var imageId: ImageID?
    public var outputs: [OutputAMI]
    /// The distribution's progress, once it started.
    public var distribution: DistributionProgress?
    /// `state.reason` of a FAILED or CANCELLED image.
    public var reason: String?

    public init(arn: ImageBuilderARN, name: String, version: ImageVersion, region: Region, owner: AccountID, recipeArn: ImageBuilderARN,
                pipelineArn: ImageBuilderARN?, infrastructureConfigurationArn: ImageBuilderARN, distributionConfigurationArn: ImageBuilderARN?,
                buildType: String, inputs: BuildInputs, timeline: BuildTimeline, history: [StatusChange], stage: Stage, nextAt: Date?,
                buildInstanceId: InstanceID? = nil, testInstanceId: InstanceID? = nil, imageId: ImageID? = nil, outputs: [OutputAMI] = [],
                distribution: DistributionProgress? = nil, reason: String? = nil) {
        self.arn = arn
        self.name = name
        self.version = version
        self.region = region
        self.owner = owner
        self.recipeArn = recipeArn
        self.pipelineArn = pipelineArn
        self.infrastructureConfigurationArn = infrastructureConfigurationArn
        self.distributionConfigurationArn = distributionConfigurationArn
        self.buildType = buildType
        self.inputs = inputs
        self.timeline = timeline
        self.history = history
        self.stage = stage
        self.nextAt = nextAt
        self.buildInstanceId = buildInstanceId
        self.testInstanceId = testInstanceId
        self.imageId = imageId
        self.outputs = outputs
        self.distribution = distribution
        self.reason = reason
    }

    /// The status now (the last change).
    public var status: ImageBuildStatus { history.last?.status ?? .pending }

    /// The status at `date`: the last change at or before it (PENDING before the first).
    /// - Parameter date: the instant.
    public func status(at date: Date) -> ImageBuildStatus {
        history.last { $0.at <= date }?.status ?? .pending
    }

    /// When the build ended (AVAILABLE, FAILED or CANCELLED), if it did.
    public var finishedAt: Date? { status.isTerminal ? history.last?.at : nil }
}
