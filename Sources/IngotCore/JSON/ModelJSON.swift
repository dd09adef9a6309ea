// JSON shapes of the model: AWS's field names in camelCase (`imageId`, `creationDate`, ...), times
// as AWS prints them. These are the `--output json` contract: keys are stable.

/// A coding key named at run time: the model's JSON shapes write with it, `JSONValue` reads and writes
/// objects with it, and the configuration reads
/// which keys a file has with it (`IngotConfig`).
struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedEncodingContainer where K == DynamicKey {
    fileprivate mutating func put<T: Encodable>(_ value: T?, _ key: String) throws {
        guard let value else { return }
        try encode(value, forKey: DynamicKey(key))
    }
}

extension Image: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.put(id.rawValue, "imageId")
        try c.put(region.code, "region")
        try c.put(name, "name")
        try c.put(description, "description")
        try c.put(ownerId.rawValue, "ownerId")
        try c.put(ownerAlias, "imageOwnerAlias")
        try c.put(state.rawValue, "state")
        try c.put(stateReason.map { ["message": $0] }, "stateReason")
        try c.put(Timestamp.format(creationDate), "creationDate")
        try c.put(deprecationTime.map(Timestamp.format), "deprecationTime")
        try c.put(isPublic, "public")
        try c.put(architecture.rawValue, "architecture")
        try c.put(virtualizationType.rawValue, "virtualizationType")
        try c.put(rootDeviceType.rawValue, "rootDeviceType")
        try c.put(rootDeviceName, "rootDeviceName")
        try c.put(bootMode?.rawValue, "bootMode")
        try c.put(blockDeviceMappings, "blockDeviceMappings")
        try c.put(tags.map { ["key": $0.key, "value": $0.value] }, "tags")
        try c.put(launchPermissions, "launchPermissions")
        try c.put(sourceImageId?.rawValue, "sourceImageId")
        try c.put(sourceImageRegion?.code, "sourceImageRegion")
        try c.put(sourceInstanceId?.rawValue, "sourceInstanceId")
        try c.put(imageVersion?.description, "imageVersion")
        try c.put(deregistrationProtection.text, "deregistrationProtection")
        try c.put(noReboot, "noReboot")
        if state == .pending { try c.put(availableAt.map(Timestamp.format), "estimatedAvailableTime") }
    }
}

extension BlockDeviceMapping: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.put(deviceName, "deviceName")
        try c.put(virtualName, "virtualName")
        guard virtualName == nil else { return }
        var ebs = c.nestedContainer(keyedBy: DynamicKey.self, forKey: DynamicKey("ebs"))
        try ebs.put(snapshotId?.rawValue, "snapshotId")
        try ebs.put(volumeSize, "volumeSize")
        try ebs.put(volumeType?.rawValue, "volumeType")
        try ebs.put(encrypted, "encrypted")
        try ebs.put(kmsKeyId, "kmsKeyId")
        try ebs.put(deleteOnTermination, "deleteOnTermination")
    }
}

extension LaunchPermissions: Encodable {
    /// AWS's list form: `[{"userId": ...}, {"group": "all"}, {"organizationArn": ...}]`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        if isPublic { try c.encode(["group": "all"]) }
        for id in userIds { try c.encode(["userId": id.rawValue]) }
        for arn in organizationArns { try c.encode(["organizationArn": arn]) }
        for arn in organizationalUnitArns { try c.encode(["organizationalUnitArn": arn]) }
    }
}

extension Snapshot: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.put(id.rawValue, "snapshotId")
        try c.put(region.code, "region")
        try c.put(ownerId.rawValue, "ownerId")
        try c.put(volumeSize, "volumeSize")
        try c.put(encrypted, "encrypted")
        try c.put(kmsKeyId, "kmsKeyId")
        try c.put(state.rawValue, "state")
        try c.put(Timestamp.format(startTime), "startTime")
        try c.put(description, "description")
        try c.put(imageIds.map(\.rawValue), "imageIds")
    }
}

extension Instance: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.put(id.rawValue, "instanceId")
        try c.put(region.code, "region")
        try c.put(ownerId.rawValue, "ownerId")
        try c.put(imageId?.rawValue, "imageId")
        try c.put(instanceType, "instanceType")
        try c.put(availabilityZone, "availabilityZone")
        try c.put(state.rawValue, "state")
        try c.put(Timestamp.format(launchTime), "launchTime")
        try c.put(volumes, "blockDeviceMappings")
    }
}

extension DeregisterImageResult: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.put(deletedSnapshots.map(\.rawValue), "deletedSnapshots")
        try c.put(retainedSnapshots.map(\.rawValue), "retainedSnapshots")
    }
}

extension LaunchTemplateVersion: Encodable {
    /// AWS's describe-launch-template-versions shape in camelCase.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.put(templateId, "launchTemplateId")
        try c.put(templateName, "launchTemplateName")
        try c.put(region.code, "region")
        try c.put(versionNumber, "versionNumber")
        try c.put(versionDescription, "versionDescription")
        try c.put(defaultVersion, "defaultVersion")
        try c.put(Timestamp.format(createTime), "createTime")
        try c.put(data, "launchTemplateData")
    }
}

extension LaunchTemplate: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.put(id, "launchTemplateId")
        try c.put(name, "launchTemplateName")
        try c.put(region.code, "region")
        // AWS names the principal that created the template: locally, the account's root.
        try c.put("arn:aws:iam::\(ownerId.rawValue):root", "createdBy")
        try c.put(Timestamp.format(createTime), "createTime")
        try c.put(defaultVersionNumber, "defaultVersionNumber")
        try c.put(latestVersionNumber, "latestVersionNumber")
        try c.put(tags.map { ["key": $0.key, "value": $0.value] }, "tags")
    }
}

/// DescribeAutoScalingGroups' shape, camelCase.
extension AutoScalingGroup: Encodable {
    public func encode(to encoder: any Encoder) throws {
        struct Instance: Encodable { let instanceId, availabilityZone, lifecycleState, healthStatus, imageId: String; let launchTemplateVersion: String; let instanceType: String? }
        struct Template: Encodable { let launchTemplateName, version: String }
        struct Shape: Encodable {
            let autoScalingGroupName, region: String; let launchTemplate: Template
            let minSize, maxSize, desiredCapacity, healthCheckGracePeriod: Int; let defaultInstanceWarmup: Int?
            let availabilityZones: [String]; let createdTime: String; let instances: [Instance]; let mixedInstancesPolicy: JSONValue?
        }
        try Shape(autoScalingGroupName: name, region: region.code, launchTemplate: Template(launchTemplateName: launchTemplateName, version: launchTemplateVersion.description),
                  minSize: minSize, maxSize: maxSize, desiredCapacity: desiredCapacity, healthCheckGracePeriod: healthCheckGracePeriod,
                  defaultInstanceWarmup: defaultInstanceWarmup, availabilityZones: availabilityZones, createdTime: Timestamp.format(createdTime),
                  instances: instances.map { Instance(instanceId: $0.instanceId.rawValue, availabilityZone: $0.availabilityZone, lifecycleState: $0.lifecycleState,
                                                      healthStatus: $0.healthStatus, imageId: $0.imageId, launchTemplateVersion: String($0.launchTemplateVersion),
                                                      instanceType: $0.instanceType) },
                  mixedInstancesPolicy: mixedInstancesPolicy?.json)
            .encode(to: encoder)
    }
}

/// GetParameter's shape, camelCase.
extension Parameter: Encodable {
    public func encode(to encoder: any Encoder) throws {
        struct Shape: Encodable { let name, type, dataType, value: String; let version: Int; let labels: [String]; let lastModifiedDate, region: String }
        try Shape(name: name, type: type, dataType: dataType, value: value, version: version, labels: labels,
                  lastModifiedDate: Timestamp.format(lastModifiedDate), region: region.code).encode(to: encoder)
    }
}

/// A doctor finding: `{"kind", "region", "resource", "detail"}`.
extension Doctor.Finding: Encodable {
    public func encode(to encoder: any Encoder) throws {
        struct Shape: Encodable { let kind, region, resource, detail: String }
        try Shape(kind: kind.rawValue, region: region.code, resource: resource, detail: detail).encode(to: encoder)
    }
}

