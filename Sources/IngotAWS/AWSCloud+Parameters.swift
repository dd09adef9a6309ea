import IngotCore
import Foundation

/// SSM Parameter Store over SSM's JSON protocol (`X-Amz-Target: AmazonSSM.<Action>`).
extension AWSCloud {
    struct SSMParameter: Decodable {
        var Name: String
        var `Type`: String?
        var Value: String
        var Version: Int
        var DataType: String?
        var Labels: [String]?
        var LastModifiedDate: Double?
    }

    func ssm<Answer: Decodable>(_ action: String, region: Region, _ body: some Encodable, as: Answer.Type) async throws -> Answer {
        try requireOwnAccount(action)
        let bytes = try await client.json(.ssm, region: region, target: "AmazonSSM.\(action)", body: Array(try JSONEncoder().encode(body)))
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(bytes))
        } catch {
            throw IngotError.failed("\(action): unexpected answer from SSM: \(error)")
        }
    }

    func parameter(_ p: SSMParameter, region: Region) -> Parameter {
        Parameter(name: p.Name, region: region, type: p.Type ?? "String", dataType: p.DataType ?? "text", value: p.Value,
                  version: p.Version, labels: p.Labels ?? [], lastModifiedDate: Date(timeIntervalSince1970: p.LastModifiedDate ?? 0))
    }

    /// PutParameter (`Type` String, `DataType` text or `aws:ec2:image`); returns the new version.
    public func putParameter(region: Region, name: String, value: String, dataType: String, overwrite: Bool) async throws -> Int {
        struct Body: Encodable { var Name: String; var Value: String; var `Type` = "String"; var DataType: String; var Overwrite: Bool }
        struct Answer: Decodable { var Version: Int }
        return try await ssm("PutParameter", region: region, Body(Name: name, Value: value, DataType: dataType, Overwrite: overwrite), as: Answer.self).Version
    }

    /// GetParameter (`name`, `name:VERSION`, `name:LABEL`); the version's labels come from its history.
    public func getParameter(region: Region, name: String) async throws -> Parameter {
        struct Body: Encodable { var Name: String }
        struct Answer: Decodable { var Parameter: SSMParameter }
        var p = parameter(try await ssm("GetParameter", region: region, Body(Name: name), as: Answer.self).Parameter, region: region)
        // GetParameter answers the bare name even for a selector; the history carries the labels.
        p.labels = try await getParameterHistory(region: region, name: p.name).first { $0.version == p.version }?.labels ?? []
        return p
    }

    /// GetParameterHistory, every page, oldest version first.
    public func getParameterHistory(region: Region, name: String) async throws -> [Parameter] {
        struct Body: Encodable { var Name: String; var MaxResults = 50; var NextToken: String? }
        struct Answer: Decodable { var Parameters: [SSMParameter]; var NextToken: String? }
        var result: [Parameter] = []
        var token: String?
        repeat {
            let page = try await ssm("GetParameterHistory", region: region, Body(Name: name, NextToken: token), as: Answer.self)
            result += page.Parameters.map { parameter($0, region: region) }
            guard page.NextToken != token else { break }
            token = page.NextToken?.isEmpty == false ? page.NextToken : nil
        } while token != nil
        return result.sorted { $0.version < $1.version }
    }

    /// LabelParameterVersion; the labels SSM left off (InvalidLabels) are returned.
    @discardableResult
    public func labelParameterVersion(region: Region, name: String, version: Int, labels: [String]) async throws -> [String] {
        struct Body: Encodable { var Name: String; var ParameterVersion: Int; var Labels: [String] }
        struct Answer: Decodable { var InvalidLabels: [String]? }
        return try await ssm("LabelParameterVersion", region: region, Body(Name: name, ParameterVersion: version, Labels: labels), as: Answer.self).InvalidLabels ?? []
    }
}
