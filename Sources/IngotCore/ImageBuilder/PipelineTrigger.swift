/// Whether a schedule's tick builds, and why: "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE
/// (default) – When you use semantic version filters on the base image or components in your image
/// recipe, EC2 Image Builder builds a new image only when there are new versions of the base image or
/// components in your recipe that match the filter. ... EXPRESSION_MATCH_ONLY – This condition builds a
/// new image every time the CRON expression matches the current time." (Image Builder API, Schedule)
///
/// Ingot compares with the pipeline's last AVAILABLE build (AWS does not say which build it compares
/// with): a pipeline whose builds keep failing tries again at each tick, and its
/// `autoDisablePolicy` stops it.
public enum PipelineTrigger {
    public enum Decision: Sendable, Hashable {
        case build(reason: String)
        case skip(reason: String)

        public var reason: String {
            switch self { case .build(let r), .skip(let r): r }
        }
    }

    /// The decision for a tick.
    /// - Parameters:
    ///   - condition: the schedule's start condition.
    ///   - inputs: what a build would start from now.
    ///   - lastBuild: what the last successful build started from (nil: none yet).
    public static func decide(condition: PipelineExecutionStartCondition, inputs: BuildInputs, lastBuild: BuildInputs?) -> Decision {
        if condition == .expressionMatchOnly { return .build(reason: "cron matched (EXPRESSION_MATCH_ONLY)") }
        guard let last = lastBuild else { return .build(reason: "cron matched; no earlier build of this pipeline") }
        var updates: [String] = []
        if inputs.parentImageId != last.parentImageId {
            updates.append("parent \(inputs.parentImageName) is newer than the last build's parent \(last.parentImageName)")
        }
        let before = Dictionary(last.components.map { ($0.arn.unversioned, $0.version) }, uniquingKeysWith: { a, _ in a })
        for c in inputs.components {
            guard let old = before[c.arn.unversioned] else {
                updates.append("component \(c.name) \(c.version) is new to the recipe")
                continue
            }
            if c.version != old { updates.append("component \(c.name) \(c.version) is newer than the last build's \(old)") }
        }
        guard !updates.isEmpty else { return .skip(reason: "cron matched; no dependency updates") }
        return .build(reason: "cron matched; " + updates.joined(separator: "; "))
    }
}
