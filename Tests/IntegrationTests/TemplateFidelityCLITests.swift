import Foundation
import Testing

let botocoreIsInstalled = (try? python("import botocore"))?.code == 0

/// Launch templates and SSM through the `ingot` binary, with AWS's own model as the oracle.
@Suite struct TemplateFidelityCLITests {
    /// A describe-launch-template-versions document whose one version sets every member of botocore's
    /// RequestLaunchTemplateData, nested structures and lists included (an instance store device too),
    /// with a value of each member's own type. Built from the model, so a field AWS adds is covered.
    static let everyField = #"""
    import json, sys, base64
    import botocore.session
    model = botocore.session.get_session().get_service_model('ec2')
    def value(shape, name, depth=0):
        t = shape.type_name
        if t == 'structure':
            return {} if depth > 6 else {m: value(s, m, depth + 1) for m, s in shape.members.items()}
        if t == 'list': return [value(shape.member, name, depth + 1)]
        if t == 'string': return shape.enum[0] if shape.enum else 'x-' + name
        if t in ('integer', 'long'): return 2
        if t == 'boolean': return True
        if t in ('double', 'float'): return 1.5
        if t == 'timestamp': return '2026-01-01T00:00:00+00:00'
        raise SystemExit('a member of type ' + t)
    data = value(model.shape_for('RequestLaunchTemplateData'), 'LaunchTemplateData')
    data['ImageId'] = 'ami-0123456789abcdef0'
    data['UserData'] = base64.b64encode(b'#!/bin/sh\necho hi\n').decode()
    data['SecurityGroupIds'] = ['sg-0123456789abcdef0']
    data['BlockDeviceMappings'].append({'DeviceName': '/dev/sdb', 'VirtualName': 'ephemeral0'})
    print(json.dumps({'LaunchTemplateVersions': [{'LaunchTemplateId': 'lt-0123456789abcdef0', 'LaunchTemplateName': 'every-field',
        'VersionNumber': 1, 'VersionDescription': 'every field', 'CreateTime': '2026-11-20T10:00:00+00:00', 'DefaultVersion': True,
        'LaunchTemplateData': data}]}))
    """#

    /// Compares the version of argv[1] (the AWS CLI's PascalCase) with argv[2] (Ingot's camelCase),
    /// key case aside; prints each difference by path.
    static let sameApartFromKeyCase = #"""
    import json, sys
    def pascal(v):
        if isinstance(v, dict): return {k[:1].upper() + k[1:]: pascal(x) for k, x in v.items()}
        if isinstance(v, list): return [pascal(x) for x in v]
        return v
    a = json.load(open(sys.argv[1]))['LaunchTemplateVersions'][0]
    b = pascal(json.load(open(sys.argv[2])))['LaunchTemplateVersions'][0]
    problems = []
    def diff(x, y, path):
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                if k not in y: problems.append(path + '.' + k + ' dropped')
                elif k not in x: problems.append(path + '.' + k + ' added')
                else: diff(x[k], y[k], path + '.' + k)
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (p, q) in enumerate(zip(x, y)): diff(p, q, '%s[%d]' % (path, i))
        elif x != y or type(x) != type(y): problems.append('%s: %r became %r' % (path, x, y))
    diff(a['LaunchTemplateData'], b['LaunchTemplateData'], 'LaunchTemplateData')
    for k in ['LaunchTemplateName', 'VersionNumber', 'VersionDescription', 'DefaultVersion']:
        if a[k] != b[k]: problems.append('%s: %r became %r' % (k, a[k], b[k]))
    print('\n'.join(problems)); sys.exit(1 if problems else 0)
    """#

    /// Issue 19: "the AWS CLI's JSON for a version must survive `import` and `templates versions
    /// --output json` unchanged apart from key case", and Ingot's own JSON imports again.
    @Test(.enabled(if: botocoreIsInstalled, "needs botocore (the AWS CLI and moto bring it; .ci/run installs them)"))
    func everyFieldOfLaunchTemplateDataSurvivesImportExportAndReimport() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("init").code == 0)
        let generated = try python(Self.everyField)
        #expect(generated.code == 0, "\(generated.stderr)")
        try generated.stdout.write(toFile: ingot.file("every.json"), atomically: true, encoding: .utf8)
        #expect(generated.stdout.contains("NetworkInterfaces") && generated.stdout.contains("InstanceRequirements"))

        #expect(try ingot.run("import", ingot.file("every.json"), "--region", "us-east-1").code == 0)
        let exported = try ingot.run("templates", "versions", "every-field", "--region", "us-east-1", "--output", "json")
        #expect(exported.code == 0)
        try exported.stdout.write(toFile: ingot.file("exported.json"), atomically: true, encoding: .utf8)
        let first = try python(Self.sameApartFromKeyCase, [ingot.file("every.json"), ingot.file("exported.json")])
        #expect(first.code == 0, "import -> versions changed the data:\n\(first.stdout)\(first.stderr)")

        // The camelCase document Ingot printed imports again (into another region) to the same data.
        #expect(try ingot.run("import", ingot.file("exported.json"), "--region", "eu-west-1").code == 0)
        let again = try ingot.run("templates", "versions", "every-field", "--region", "eu-west-1", "--output", "json")
        try again.stdout.write(toFile: ingot.file("again.json"), atomically: true, encoding: .utf8)
        let second = try python(Self.sameApartFromKeyCase, [ingot.file("every.json"), ingot.file("again.json")])
        #expect(second.code == 0, "re-import changed the data:\n\(second.stdout)\(second.stderr)")
    }

    /// The AWS CLI's `--launch-template-data` JSON, with the options overriding its fields; a template
    /// named by id (`lt-...`) wherever a name is taken; an empty --versions list refused.
    @Test func createFromJSONReachByIdAndRefuseAnEmptyVersionList() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        let image = try ingot.run("resolve", "--name", "golden-web-*", "--region", "us-east-1", "--output", "json")
        let id = try #require(image.stdout.range(of: #"ami-[0-9a-f]{17}"#, options: .regularExpression).map { String(image.stdout[$0]) })
        let json = #"{"ImageId": "\#(id)", "InstanceType": "m7i.large", "Placement": {"Tenancy": "dedicated"}, "Monitoring": {"Enabled": true}}"#
        let created = try ingot.run("templates", "create", "from-json", "--launch-template-data", json, "--instance-type", "t3.micro",
                                    "--region", "us-east-1", "--output", "json")
        #expect(created.code == 0, "\(created.stderr)")
        #expect(created.stdout.contains(#""tenancy" : "dedicated""#) && created.stdout.contains(#""instanceType" : "t3.micro""#))
        let templateId = try #require(created.stdout.range(of: #"lt-[0-9a-f]{17}"#, options: .regularExpression).map { String(created.stdout[$0]) })
        let byId = try ingot.run("templates", "show", templateId, "--region", "us-east-1")
        #expect(byId.code == 0 && byId.stdout.contains("from-json"))
        let unknown = try ingot.run("templates", "show", "lt-0123456789abcdef0", "--region", "us-east-1")
        #expect(unknown.code == 1 && unknown.stderr.contains("InvalidLaunchTemplateId.NotFound"))

        // A flag changes one field of the given object, not the whole object.
        let merged = try ingot.run("templates", "create", "merged", "--launch-template-data", #"{"ImageId": "\#(id)", "MetadataOptions": {"HttpPutResponseHopLimit": 2}}"#,
                                   "--http-tokens", "required", "--region", "us-east-1", "--output", "json")
        #expect(merged.code == 0 && merged.stdout.contains(#""httpPutResponseHopLimit" : 2"#) && merged.stdout.contains(#""httpTokens" : "required""#), "\(merged.stdout)")

        let empty = try ingot.run("templates", "versions", "from-json", "--versions", "", "--region", "us-east-1")
        #expect(empty.code == 2 && empty.stderr.contains("versions"))
        let badData = try ingot.run("templates", "create", "bad-data", "--launch-template-data", #"{"ImageId": 5}"#, "--region", "us-east-1")
        #expect(badData.code == 2 && badData.stderr.contains("launch-template-data.imageId"))
        let none = try ingot.run("templates", "create", "no-data", "--region", "us-east-1")
        #expect(none.code == 2 && none.stderr.contains("MissingParameter"))
        #expect(try ingot.run("templates", "show", "no-data", "--region", "us-east-1").code == 1, "nothing written")
    }

    /// LabelParameterVersion attaches the valid labels and returns the rest in InvalidLabels (HTTP 200);
    /// PutParameter's DataType defaults to text; `--default-instance-warmup -1` removes the warm-up.
    @Test func labelsPartlyInvalidTextByDefaultAndWarmupRemoved() throws {
        let ingot = try IngotRunner()
        #expect(try ingot.run("demo", "--store", ingot.store).code == 0)
        #expect(try ingot.run("ssm", "put", "/app/colour", "--value", "blue", "--region", "us-east-1").code == 0, "text needs no AMI")
        let labelled = try ingot.run("ssm", "label", "/app/colour", "--version", "1", "--label", "live", "--label", "1st", "--region", "us-east-1", "--output", "json")
        #expect(labelled.code == 0)
        #expect(labelled.stdout.contains(#""invalidLabels" : ["#) && labelled.stdout.contains("1st") && labelled.stderr.contains("1st"))
        let got = try ingot.run("ssm", "get", "/app/colour:live", "--region", "us-east-1")
        #expect(got.code == 0 && got.stdout.contains("blue"))
        let none = try ingot.run("ssm", "label", "/app/colour", "--version", "1", "--label", "awsy", "--region", "us-east-1")
        #expect(none.code == 2 && none.stderr.contains("awsy"))

        let groups = try ingot.run("groups", "list", "--region", "us-east-1", "--output", "json")
        let group = try #require(groups.stdout.range(of: #""autoScalingGroupName" : "([^"]+)""#, options: .regularExpression)
            .map { String(groups.stdout[$0]).components(separatedBy: "\"")[3] })
        #expect(try ingot.run("groups", "update", group, "--default-instance-warmup", "90", "--region", "us-east-1").code == 0)
        #expect(try ingot.run("groups", "update", group, "--default-instance-warmup", "-1", "--region", "us-east-1").code == 0)
        let after = try ingot.run("groups", "list", "--region", "us-east-1", "--output", "json")
        #expect(!after.stdout.contains(#""defaultInstanceWarmup" : 90"#))
        let below = try ingot.run("groups", "update", group, "--default-instance-warmup", "-2", "--region", "us-east-1")
        #expect(below.code == 2 && below.stderr.contains("default-instance-warmup"))
    }
}
