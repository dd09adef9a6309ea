#!/usr/bin/env python3
"""Launch template data, whole process: import and list 5,000 versions with each of two ingot binaries.

    python3 Benchmarks/template_data.py BEFORE_BINARY AFTER_BINARY [--runs 5]

Two documents of 5,000 versions of one template: one with the fields every Ingot version keeps
(image, type, key, groups, user data, profile, devices, metadata options, tags), one with every member
of botocore's RequestLaunchTemplateData. Each binary imports each into a fresh store and lists the
versions as JSON, alternating binaries run by run; prints medians of wall seconds and peak MiB.
"""
import argparse, base64, json, os, statistics, subprocess, sys, tempfile

def typed_data():
    return {'ImageId': 'ami-0123456789abcdef0', 'InstanceType': 't3.micro', 'KeyName': 'ops', 'SecurityGroupIds': ['sg-0123456789abcdef0'],
            'UserData': base64.b64encode(b'#!/bin/sh\necho hi\n').decode(), 'IamInstanceProfile': {'Arn': 'arn:aws:iam::123456789012:instance-profile/web'},
            'BlockDeviceMappings': [{'DeviceName': '/dev/xvda', 'Ebs': {'VolumeSize': 30, 'VolumeType': 'gp3', 'Encrypted': True, 'DeleteOnTermination': True}}],
            'MetadataOptions': {'HttpTokens': 'required', 'HttpPutResponseHopLimit': 2, 'HttpEndpoint': 'enabled'},
            'TagSpecifications': [{'ResourceType': 'instance', 'Tags': [{'Key': 'team', 'Value': 'web'}]}]}

def every_field():
    import botocore.session
    model = botocore.session.get_session().get_service_model('ec2')
    def value(shape, name, depth=0):
        t = shape.type_name
        if t == 'structure': return {} if depth > 6 else {m: value(s, m, depth + 1) for m, s in shape.members.items()}
        if t == 'list': return [value(shape.member, name, depth + 1)]
        if t == 'string': return shape.enum[0] if shape.enum else 'x-' + name
        if t in ('integer', 'long'): return 2
        if t == 'boolean': return True
        if t in ('double', 'float'): return 1.5
        return '2026-01-01T00:00:00+00:00'
    data = value(model.shape_for('RequestLaunchTemplateData'), 'LaunchTemplateData')
    data.update(ImageId='ami-0123456789abcdef0', SecurityGroupIds=['sg-0123456789abcdef0'], UserData=base64.b64encode(b'echo hi').decode())
    return data

def document(name, data):
    return {'LaunchTemplateVersions': [{'LaunchTemplateId': 'lt-0123456789abcdef0', 'LaunchTemplateName': name, 'VersionNumber': i,
            'DefaultVersion': i == 5000, 'CreateTime': '2026-11-20T10:00:00+00:00', 'LaunchTemplateData': data} for i in range(1, 5001)]}

def timed(args):
    r = subprocess.run(['/usr/bin/time', '-f', '%e %M'] + args, capture_output=True, text=True)
    if r.returncode != 0: sys.exit(f'{args}: exit {r.returncode}: {r.stderr[-400:]}')
    wall, kb = r.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kb) / 1024

def main():
    p = argparse.ArgumentParser()
    p.add_argument('before'); p.add_argument('after'); p.add_argument('--runs', type=int, default=5)
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix='ingot-template-bench-')
    files = {'typed': typed_data(), 'every-field': every_field()}
    for name, data in files.items():
        with open(os.path.join(work, name + '.json'), 'w') as f: json.dump(document(name, data), f)
    results = {}
    for run in range(a.runs):
        for label, binary in (('before', a.before), ('after', a.after)):
            for name in files:
                store = os.path.join(work, f'{label}-{name}-{run}.sqlite')
                subprocess.run([binary, 'init', '--store', store], check=True, capture_output=True)
                results.setdefault((name, 'import', label), []).append(timed([binary, 'import', os.path.join(work, name + '.json'), '--region', 'us-east-1', '--store', store]))
                results.setdefault((name, 'versions', label), []).append(timed([binary, 'templates', 'versions', name, '--region', 'us-east-1', '--store', store, '--output', 'json']))
    print(f'{"document":12} {"command":9} {"before s":>9} {"after s":>9} {"after/before":>12} {"before MiB":>11} {"after MiB":>10}')
    for name in files:
        for command in ('import', 'versions'):
            b, f = results[(name, command, 'before')], results[(name, command, 'after')]
            bw, fw = statistics.median(x[0] for x in b), statistics.median(x[0] for x in f)
            print(f'{name:12} {command:9} {bw:9.3f} {fw:9.3f} {fw / bw:12.2f} {statistics.median(x[1] for x in b):11.1f} {statistics.median(x[1] for x in f):10.1f}')

if __name__ == '__main__':
    main()
