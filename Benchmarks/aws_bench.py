#!/usr/bin/env python3
"""Ingot against the AWS CLI on moto_server (run by `Benchmarks/run --aws`).

1. Refreshing one launch template in 5 regions: `ingot templates refresh --cloud aws` against the AWS
   CLI doing the same calls in a shell loop (describe-images, create-launch-template-version,
   modify-launch-template per region), alternating, each run after a new golden image in every region.
2. A paginated DescribeImages of 10,000 images: `ingot images list --cloud aws` (requests counted from
   its --debug log) and `aws ec2 describe-images`.
Setup (not timed) uses boto3. Usage: aws_bench.py INGOT_BINARY [--runs N] [--images N]
"""
import argparse, json, os, socket, statistics, subprocess, sys, time

import boto3

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ingot")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--images", type=int, default=10000)
    a = ap.parse_args()
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_ENDPOINT_URL=endpoint, AWS_PAGER="", HOME=os.environ.get("TMPDIR", "/tmp"))
    os.environ.update({k: env[k] for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"]})
    try:
        for _ in range(100):
            try:
                boto3.client("sts", endpoint_url=endpoint).get_caller_identity()
                break
            except Exception:
                time.sleep(0.2)
        ec2 = {r: boto3.client("ec2", region_name=r, endpoint_url=endpoint) for r in REGIONS}
        base = {r: ec2[r].describe_images(Owners=["amazon"])["Images"][0]["ImageId"] for r in REGIONS}
        for r in REGIONS:
            ec2[r].create_launch_template(LaunchTemplateName="bench-lt", LaunchTemplateData={"ImageId": base[r], "InstanceType": "t3.micro"})
        build = [0]

        def new_build():
            build[0] += 1
            for r in REGIONS:
                ec2[r].register_image(Name=f"golden-bench-1.0.{build[0]}", RootDeviceName="/dev/xvda",
                                      BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}])

        ingot_cmd = [a.ingot, "templates", "refresh", "--cloud", "aws", "--template", "bench-lt", "--owner", "self",
                     "--name", "golden-bench-*", "--set-default"] + [x for r in REGIONS for x in ("--region", r)]
        loop = "\n".join(
            f"""img=$(aws ec2 describe-images --region {r} --owners self --filters Name=name,Values='golden-bench-*' --query 'sort_by(Images,&CreationDate)[-1].ImageId' --output text)
v=$(aws ec2 create-launch-template-version --region {r} --launch-template-name bench-lt --source-version '$Default' --launch-template-data "{{\\"ImageId\\":\\"$img\\"}}" --query LaunchTemplateVersion.VersionNumber --output text)
aws ec2 modify-launch-template --region {r} --launch-template-name bench-lt --default-version $v >/dev/null""" for r in REGIONS)
        times = {"ingot": [], "aws-cli": []}
        for i in range(a.runs):
            for name in (["ingot", "aws-cli"] if i % 2 == 0 else ["aws-cli", "ingot"]):
                new_build()
                t = time.perf_counter()
                p = subprocess.run(ingot_cmd if name == "ingot" else ["bash", "-c", "set -e\n" + loop], env=env, capture_output=True, text=True)
                times[name].append(time.perf_counter() - t)
                if p.returncode != 0:
                    sys.exit(f"{name} failed: {p.stderr}")
        mi, ma = statistics.median(times["ingot"]), statistics.median(times["aws-cli"])
        print(json.dumps({"refresh5Regions": {"ingotSeconds": [round(x, 3) for x in times["ingot"]], "awsCliSeconds": [round(x, 3) for x in times["aws-cli"]],
                                             "ingotMedian": round(mi, 3), "awsCliMedian": round(ma, 3), "ratio": round(ma / mi, 1)}}))

        # 10,000 images in us-east-1, then one paginated listing.
        c = ec2["us-east-1"]
        for n in range(a.images):
            c.register_image(Name=f"bulk-{n:05d}", RootDeviceName="/dev/xvda", BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}])
        results = {}
        for label, cmd in [("ingot", [a.ingot, "images", "list", "--cloud", "aws", "--region", "us-east-1", "--owner", "self", "--output", "json", "--debug"]),
                           ("aws-cli", ["aws", "ec2", "describe-images", "--region", "us-east-1", "--owners", "self", "--output", "json"])]:
            runs = []
            for _ in range(3):
                t = time.perf_counter()
                p = subprocess.run(cmd, env=env, capture_output=True, text=True)
                runs.append(time.perf_counter() - t)
                if p.returncode != 0:
                    sys.exit(f"{label} failed: {p.stderr}")
            entry = {"seconds": [round(x, 3) for x in runs], "images": len(json.loads(p.stdout).get("images" if label == "ingot" else "Images", []))}
            if label == "ingot":
                calls = [line for line in p.stderr.splitlines() if "action=DescribeImages" in line and "aws call" in line]
                entry["requests"] = len(calls)
                entry["requestsPerSecond"] = round(len(calls) / min(runs), 1)
            results[label] = entry
        print(json.dumps({"describeImages": results}))
    finally:
        moto.kill()


if __name__ == "__main__":
    main()
