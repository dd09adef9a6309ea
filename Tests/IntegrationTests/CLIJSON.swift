import Foundation

/// The CLI's `--output json` documents as the integration tests read them: one definition per shape,
/// with only the fields the tests look at (the rest is ignored). A field is optional only where the
/// document may leave it out or hold null.
enum CLIJSON {
    // MARK: Images and snapshots

    struct Tag: Decodable, Equatable {
        let key, value: String
    }

    /// `images show`, an entry of `images list`, and the image `resolve` chose.
    struct Image: Decodable {
        struct BlockDeviceMapping: Decodable {
            struct EBS: Decodable {
                let snapshotId: String?
                let volumeSize: Int?
            }
            let deviceName: String
            /// Absent for an instance-store (virtual) device.
            let ebs: EBS?
        }
        let imageId, name, state, creationDate: String
        let imageVersion: String?
        /// Only on a copy.
        let sourceImageId, sourceImageRegion: String?
        let tags: [Tag]
        let blockDeviceMappings: [BlockDeviceMapping]
    }

    /// `images list`.
    struct ImageList: Decodable {
        let images: [Image]
    }

    /// `images import`.
    struct ImageImport: Decodable {
        let imported, skipped, snapshots: Int
    }

    /// An entry of `snapshots list`.
    struct Snapshot: Decodable {
        let snapshotId: String
        let volumeSize: Int
    }

    /// `snapshots list`.
    struct SnapshotList: Decodable {
        let snapshots: [Snapshot]
    }

    // MARK: Resolve, doctor, templates, demo

    /// `resolve`: one entry per region.
    /// An image build as `imagebuilder list images` and `pipelines executions` print it (GetImage's names).
    struct PipelineImage: Decodable {
        struct State: Decodable { let status: String; let reason: String? }
        let arn, version: String
        let state: State
        let buildType: String
    }

    struct Resolve: Decodable {
        struct Rejection: Decodable, Equatable {
            let imageId, name, reason: String
        }

        struct Region: Decodable {
            let region: String
            /// The chosen image; nil for a region with nothing, where the document says `"image": null`
            /// (the key is always there: a document without it does not decode).
            let image: Image?
            let rejectedCount: Int
            let rejectedByRule: [String: Int]
            /// The rejected candidates newer than the chosen image with --explain, every one with
            /// --explain-all: without them the key is absent (never null).
            let rejected: [Rejection]?
            /// With --explain: the other rejected candidates, counted by rule.
            let olderByRule: [String: Int]?

            private enum CodingKeys: String, CodingKey { case region, image, rejectedCount, rejectedByRule, rejected, olderByRule }

            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                region = try c.decode(String.self, forKey: .region)
                // `decodeNil` throws when the key is missing: null or an image, nothing else.
                image = try c.decodeNil(forKey: .image) ? nil : c.decode(Image.self, forKey: .image)
                rejectedCount = try c.decode(Int.self, forKey: .rejectedCount)
                rejectedByRule = try c.decode([String: Int].self, forKey: .rejectedByRule)
                rejected = c.contains(.rejected) ? try c.decode([Rejection].self, forKey: .rejected) : nil
                olderByRule = c.contains(.olderByRule) ? try c.decode([String: Int].self, forKey: .olderByRule) : nil
            }
        }

        let regions: [Region]
    }

    /// A doctor finding.
    struct Finding: Decodable {
        let kind, region, resource, detail: String
    }

    /// `doctor`.
    struct Doctor: Decodable {
        let findings: [Finding]
    }

    /// `templates refresh`: what happened to each template in each region.
    struct TemplateRefresh: Decodable {
        struct Entry: Decodable {
            let region, launchTemplateName, action: String
            let imageId: String?
        }
        let templates: [Entry]
    }

    /// `templates versions`.
    struct TemplateVersions: Decodable {
        struct Version: Decodable {
            struct TemplateData: Decodable {
                let imageId, userData: String?
            }
            let versionNumber: Int
            let defaultVersion: Bool
            let launchTemplateData: TemplateData
        }
        let launchTemplateVersions: [Version]
    }

    /// `demo --output json`, the parts the tests read.
    struct Demo: Decodable {
        /// Per selector name.
        let resolve: [String: Resolve]
        let applied: TemplateRefresh
    }

    // MARK: Groups and instance refreshes

    /// `groups show`.
    struct Group: Decodable {
        struct Instance: Decodable {
            let instanceId, imageId, launchTemplateVersion: String
            let instanceType: String?
        }
        struct LaunchTemplate: Decodable {
            let launchTemplateName, version: String
        }
        struct Policy: Decodable {
            struct Template: Decodable {
                struct Override: Decodable {
                    let instanceType: String
                    let imageId: String?
                }
                let overrides: [Override]
            }
            let launchTemplate: Template
        }
        let desiredCapacity: Int
        let launchTemplate: LaunchTemplate
        let instances: [Instance]
        let mixedInstancesPolicy: Policy?
    }

    /// `groups refresh`, and an entry of `groups refreshes`.
    struct InstanceRefresh: Decodable {
        let instanceRefreshId, status: String
        let desiredLaunchTemplateVersion: Int?
    }

    /// `groups refreshes`.
    struct InstanceRefreshes: Decodable {
        let instanceRefreshes: [InstanceRefresh]
    }

    // MARK: DR

    /// `dr plan`.
    struct DRPlan: Decodable {
        struct Step: Decodable {
            let action, region, resource: String
            let estimatedSeconds: Int
        }
        struct Finding: Decodable {
            let resource, reason: String
        }
        let sourceRegion, region, mode: String
        let steps: [Step]
        let blockers, warnings: [Finding]
        let rtoSeconds: Int
    }

    /// `dr drill` (one run).
    struct Drill: Decodable {
        /// Absent when the drill never reached that capacity.
        let secondsToHalfCapacity, secondsToNinetyPercent, secondsToFullCapacity: Double?
        let estimatedRtoSeconds: Int
        let userDataSecondsToFullCapacity: Double?
    }

    /// `dr drill --runs N`.
    struct DrillRuns: Decodable {
        /// A percentile is absent when too few runs reached that capacity.
        struct Percentiles: Decodable {
            let p50, p95, p99: Double?
        }
        let runs: Int
        let secondsToFullCapacity: Percentiles
    }

    // MARK: Rollouts

    /// `simulate rollout` (one run).
    struct Rollout: Decodable {
        let strategy, status: String
        let durationSeconds: Double
        let minInService, maxInService, desiredCapacity: Int
        let launched, terminated, replaced, rolledBack, failedLaunches: Int
        let checkpointsReached: [Int]
        let percentageComplete: Int
        /// How many events the engine processed (a count, not the timeline).
        let events: Int
    }

    /// `simulate rollout --runs N`.
    struct MonteCarlo: Decodable {
        struct Percentiles: Decodable {
            let p50, p95, p99: Double
        }
        struct Reason: Decodable {
            let status, reason: String
            let runs: Int
        }
        let runs: Int
        let durationSeconds: Percentiles
        let failedShare: Double
        let problemRuns: Int
        let reasons: [Reason]
    }

    /// The file `simulate rollout --timeline FILE` writes.
    struct Timeline: Decodable {
        struct Event: Decodable {
            let time: Double
            let event: String
        }
        let events: [Event]
    }
}

extension IngotRunner.Result {
    /// Standard output decoded as a JSON document of type `T`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(stdout.utf8))
    }
}
