#!/usr/bin/env python3
"""Ingot against the AWS CLI on moto_server (run by `Benchmarks/run --aws`).

1. Refreshing one launch template in 5 regions: `ingot templates refresh --cloud aws` against the AWS
   CLI doing the same calls in a shell loop (describe-images, create-launch-template-version,
   modify-launch-template per region), alternating, each run after a new golden image in every region.
2. DescribeImages of 10,000 images from moto (which answers in one page, whatever MaxResults says):
   `ingot images list --cloud aws` and `aws ec2 describe-images`.
3. A paginated DescribeImages of 10,000 images, 10 pages of 1,000 (AWS's XML, pre-rendered, served by
   a threaded Python server on loopback): requests per second and images per second of
   `ingot images list --cloud aws` (requests counted from its --debug log).
Setup (not timed) uses boto3. Usage: aws_bench.py INGOT_BINARY [--runs N] [--images N]
"""
import argparse, json, os, socket, statistics, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

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
                entry["requestsPerSecond"] = round(len(calls) / statistics.median(runs), 2)
            results[label] = entry
        print(json.dumps({"describeImagesMoto": results}))
    finally:
        moto.kill()
    print(json.dumps({"describeImagesPaged": paged(a.ingot, env)}))


def image_xml(n):
    return (f"<item><imageId>ami-{n:017x}</imageId><imageLocation>123456789012/bulk-{n}</imageLocation><imageState>available</imageState>"
            f"<imageOwnerId>123456789012</imageOwnerId><creationDate>2025-01-01T00:00:00.000Z</creationDate><isPublic>false</isPublic>"
            f"<architecture>x86_64</architecture><imageType>machine</imageType><name>bulk-{n}</name><rootDeviceType>ebs</rootDeviceType>"
            f"<rootDeviceName>/dev/xvda</rootDeviceName><blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><snapshotId>snap-{n:017x}</snapshotId>"
            f"<volumeSize>8</volumeSize><deleteOnTermination>true</deleteOnTermination><volumeType>gp3</volumeType><encrypted>false</encrypted></ebs></item>"
            f"</blockDeviceMapping><virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor>"
            f"<tagSet><item><key>golden</key><value>false</value></item></tagSet></item>")


def paged(ingot, env, total=10000, per_page=1000):
    pages = []
    for p in range(total // per_page):
        token = f"<nextToken>page-{p + 1}</nextToken>" if p + 1 < total // per_page else ""
        body = ("<DescribeImagesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId><imagesSet>"
                + "".join(image_xml(p * per_page + i) for i in range(per_page)) + f"</imagesSet>{token}</DescribeImagesResponse>")
        pages.append(body.encode())
    sts = (b"<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/b</Arn>"
           b"<UserId>AIDA</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            if form.get("Action") == ["GetCallerIdentity"]:
                body = sts
            else:
                token = form.get("NextToken", ["page-0"])[0]
                body = pages[int(token.split("-")[1])]
            self.send_response(200)
            self.send_header("Content-Type", "text/xml;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    e = dict(env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{server.server_address[1]}")
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        p = subprocess.run([ingot, "images", "list", "--cloud", "aws", "--region", "us-east-1", "--owner", "self", "--output", "json", "--debug"],
                           env=e, capture_output=True, text=True)
        runs.append(time.perf_counter() - t)
        if p.returncode != 0:
            sys.exit(f"ingot failed: {p.stderr}")
        calls = [line for line in p.stderr.splitlines() if "action=DescribeImages" in line and "aws call" in line]
        images = len(json.loads(p.stdout)["images"])
    server.shutdown()
    best = statistics.median(runs)
    return {"images": images, "requests": len(calls), "seconds": [round(x, 3) for x in runs], "median": round(best, 3),
            "requestsPerSecond": round(len(calls) / best, 1), "imagesPerSecond": round(images / best)}


if __name__ == "__main__":
    main()
