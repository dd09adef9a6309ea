import IngotCore
import Foundation

extension AWSCloud {
    /// CreateLaunchTemplate; returns version 1 as DescribeLaunchTemplateVersions shows it.
    public func createLaunchTemplate(_ request: CreateLaunchTemplateRequest) async throws -> LaunchTemplateVersion {
        try EC2Decoding.requireSendable(request.data)
        var q = ec2("CreateLaunchTemplate")
        q.set("LaunchTemplateName", request.name)
        q.set("VersionDescription", request.versionDescription)
        EC2Decoding.encode(request.data, into: &q)
        Self.tagSpecification(&q, resourceType: "launch-template", tags: request.tags)
        _ = try await call(request.region, q)
        let versions = try await describeLaunchTemplateVersions(region: request.region, name: request.name, versions: [.number(1)])
        guard let first = versions.first else { throw IngotError.failed("CreateLaunchTemplate: version 1 of \(request.name) is not listed") }
        return first
    }

    /// CreateLaunchTemplateVersion: AWS copies SourceVersion's data and applies what is given; the
    /// ClientToken makes a retry return the version the first call made.
    public func createLaunchTemplateVersion(_ request: CreateLaunchTemplateVersionRequest) async throws -> LaunchTemplateVersion {
        try EC2Decoding.requireSendable(request.data)
        var q = ec2("CreateLaunchTemplateVersion")
        q.setTemplate(request.name)
        q.set("SourceVersion", request.sourceVersion.map(Self.versionText))
        q.set("VersionDescription", request.versionDescription)
        q.set("ClientToken", request.clientToken)
        // The full data with SourceVersion: what the version holds does not depend on the endpoint
        // implementing inheritance (AWS does; moto, for one, does not).
        var data = request.data
        if let source = request.sourceVersion {
            guard let base = try await describeLaunchTemplateVersions(region: request.region, name: request.name, versions: [source]).first else {
                throw IngotError.refused("InvalidLaunchTemplateId.VersionNotFound", "Launch template \(request.name) has no version \(source.text)")
            }
            data = base.data.overridden(by: request.data)
        }
        EC2Decoding.encode(data, into: &q)
        let answer = try await call(request.region, q)
        guard let version = answer.child("launchTemplateVersion") else {
            throw IngotError.failed("CreateLaunchTemplateVersion: the answer has no launchTemplateVersion")
        }
        return try EC2Decoding.launchTemplateVersion(version, region: request.region)
    }

    static func versionText(_ s: TemplateVersionSelector) -> String { s.text }

    /// ModifyLaunchTemplate `SetDefaultVersion`.
    public func modifyLaunchTemplate(region: Region, name: String, defaultVersion: Int) async throws -> LaunchTemplate {
        var q = ec2("ModifyLaunchTemplate")
        q.setTemplate(name)
        q.set("SetDefaultVersion", String(defaultVersion))
        let answer = try await call(region, q)
        guard let template = answer.child("launchTemplate") else { throw IngotError.failed("ModifyLaunchTemplate: the answer has no launchTemplate") }
        return try EC2Decoding.launchTemplate(template, region: region)
    }

    /// DescribeLaunchTemplates by name, or every template of the region when `names` is empty.
    public func describeLaunchTemplates(region: Region, names: [String]) async throws -> [LaunchTemplate] {
        var q = ec2("DescribeLaunchTemplates")
        q.ec2List("LaunchTemplateName", names.filter { !isLaunchTemplateID($0) })
        q.ec2List("LaunchTemplateId", names.filter(isLaunchTemplateID))
        if names.isEmpty { q.set("MaxResults", 200) }
        return try await pages(region, q).flatMap { page in
            try page.items("launchTemplates").map { try EC2Decoding.launchTemplate($0, region: region) }
        }
    }

    /// DescribeLaunchTemplateVersions: every version when `versions` is empty, else the selected
    /// ones (a single range is asked as MinVersion/MaxVersion), newest first like the local cloud.
    public func describeLaunchTemplateVersions(region: Region, name: String, versions: [TemplateVersionSelector]) async throws -> [LaunchTemplateVersion] {
        var q = ec2("DescribeLaunchTemplateVersions")
        q.setTemplate(name)
        var ranges: [ClosedRange<Int>] = []
        var listed: [String] = []
        for selector in versions {
            if case .range(let r) = selector { ranges.append(r) } else { listed.append(selector.text) }
        }
        var result: [LaunchTemplateVersion] = []
        if !listed.isEmpty || versions.isEmpty {
            var listQuery = q
            listQuery.ec2List("LaunchTemplateVersion", listed)
            if listed.isEmpty { listQuery.set("MaxResults", 200) }
            result += try await pages(region, listQuery).flatMap { page in
                try page.items("launchTemplateVersionSet").map { try EC2Decoding.launchTemplateVersion($0, region: region) }
            }
        }
        for r in ranges {
            var rangeQuery = q
            rangeQuery.set("MinVersion", String(r.lowerBound))
            rangeQuery.set("MaxVersion", String(r.upperBound))
            rangeQuery.set("MaxResults", 200)
            result += try await pages(region, rangeQuery).flatMap { page in
                try page.items("launchTemplateVersionSet").map { try EC2Decoding.launchTemplateVersion($0, region: region) }
            }
        }
        var seen = Set<Int>()
        return result.filter { seen.insert($0.versionNumber).inserted }.sorted { $0.versionNumber > $1.versionNumber }
    }

    /// DeleteLaunchTemplateVersions (at most 200 a call, as AWS allows).
    public func deleteLaunchTemplateVersions(region: Region, name: String, versions: [Int]) async throws -> DeleteLaunchTemplateVersionsResult {
        guard versions.count <= 200 else { throw IngotError.invalid("versions", "at most 200 versions per call", code: "InvalidParameterValue") }
        var q = ec2("DeleteLaunchTemplateVersions")
        q.setTemplate(name)
        q.ec2List("LaunchTemplateVersion", versions.map(String.init))
        let answer = try await call(region, q)
        var result = DeleteLaunchTemplateVersionsResult()
        for item in answer.items("successfullyDeletedLaunchTemplateVersionSet") {
            if let v = item.string("versionNumber").flatMap({ Int($0) }) { result.deleted.append(v) }
        }
        for item in answer.items("unsuccessfullyDeletedLaunchTemplateVersionSet") {
            if let v = item.string("versionNumber").flatMap({ Int($0) }) {
                result.failed[v] = item.string("responseError/code") ?? "unexpectedError"
            }
        }
        result.deleted.sort()
        return result
    }
}

extension QueryParameters {
    /// `PREFIXLaunchTemplateId` for an id (`lt-...`), else `PREFIXLaunchTemplateName`: AWS takes either.
    public mutating func setTemplate(_ nameOrId: String?, prefix: String = "") {
        guard let nameOrId else { return }
        set(isLaunchTemplateID(nameOrId) ? "\(prefix)LaunchTemplateId" : "\(prefix)LaunchTemplateName", nameOrId)
    }

}
