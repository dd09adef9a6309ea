#!/usr/bin/env python3
"""`resolve --organization` over 30 accounts x 3 regions on moto_server, against the AWS CLI loop that
does the same (assume-role in each account, then describe-images per region), in the same run.

    python3 Benchmarks/org_bench.py INGOT_BINARY [--accounts 30] [--runs 3]

Starts its own moto_server on a free loopback port (without moto's public AMIs, so that the endpoint
is not what is measured), makes an organization of N accounts with one golden image per account and
region (boto3, not timed), then times both whole processes alternately and prints the medians.
"""
import argparse, json, os, socket, statistics, subprocess, sys, time

import boto3

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ingot")
    ap.add_argument("--accounts", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    port = free_port()
    env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false")
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        creds = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
        org = boto3.client("organizations", endpoint_url=endpoint, region_name="us-east-1", **creds)
        org.create_organization(FeatureSet="ALL")
        accounts = [org.create_account(AccountName=f"team-{n}", Email=f"team-{n}@example.com")["CreateAccountStatus"]["AccountId"]
                    for n in range(a.accounts)]
        sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", **creds)
        for account in accounts:
            c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="setup")["Credentials"]
            for region in REGIONS:
                ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=region, aws_access_key_id=c["AccessKeyId"],
                                   aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
                vol = ec2.create_volume(AvailabilityZone=region + "a", Size=8)["VolumeId"]
                snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
                ec2.register_image(Name="golden-web-1.0.0", RootDeviceName="/dev/xvda", Architecture="x86_64",
                                   BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snap}}])
        run_env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_ENDPOINT_URL=endpoint,
                       AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="")
        ingot = [a.ingot, "resolve", "--cloud", "aws", "--organization", "--exclude-account", "123456789012", "--owner", "self",
                 "--name", "golden-web-*", "--region", ",".join(REGIONS), "--output", "json"]
        loop = "\n".join([
            "set -e",
            f"for account in {' '.join(accounts)}; do",
            "  read -r AK SK ST <<< \"$(aws sts assume-role --role-arn arn:aws:iam::$account:role/OrganizationAccountAccessRole "
            "--role-session-name bench --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)\"",
            f"  for region in {' '.join(REGIONS)}; do",
            "    AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_SESSION_TOKEN=$ST aws ec2 describe-images --region $region "
            "--owners self --filters Name=name,Values='golden-web-*' --query 'Images[0].ImageId' --output text",
            "  done",
            "done"])
        times = {"ingot": [], "aws-cli": []}
        for _ in range(a.runs):
            t = time.monotonic()
            r = subprocess.run(ingot, env=run_env, capture_output=True, text=True)
            times["ingot"].append(time.monotonic() - t)
            doc = json.loads(r.stdout)
            assert r.returncode == 0, r.stderr
            assert len(doc["accounts"]) == a.accounts and all(len(x["regions"]) == 3 and all(g["image"] for g in x["regions"]) for x in doc["accounts"])
            t = time.monotonic()
            r = subprocess.run(["bash", "-c", loop], env=run_env, capture_output=True, text=True)
            times["aws-cli"].append(time.monotonic() - t)
            assert r.returncode == 0 and r.stdout.count("ami-") == a.accounts * len(REGIONS), r.stderr[-500:]
        i, c = statistics.median(times["ingot"]), statistics.median(times["aws-cli"])
        print(f"{a.accounts} accounts x {len(REGIONS)} regions, {a.runs} runs each, alternating")
        print(f"ingot resolve --organization (whole process): median {i:.2f} s  runs {[round(x, 2) for x in times['ingot']]}")
        print(f"AWS CLI loop (assume-role + describe-images):  median {c:.2f} s  runs {[round(x, 2) for x in times['aws-cli']]}")
        print(f"ratio: {c / i:.1f}x")
    finally:
        moto.kill()


if __name__ == "__main__":
    sys.exit(main())
