#!/usr/bin/env python3
"""A simulated year of Image Builder schedules: N pipelines (default 20), each building daily when its
parent image or a component has a newer version, distributing to R regions (default 10) with a launch
template version and an SSM parameter in each; `ingot pipelines schedule --until +365d`, whole process.

    python3 Benchmarks/pipelines_bench.py INGOT_BINARY [--pipelines 20] [--regions 10] [--runs 3]

Each run starts from the same fresh store (made once, copied per run; not timed): `ingot init`,
the launch templates, `ingot pipelines apply`. Prints the median wall time and peak RSS of the
schedule command (GNU time), the builds and ticks it reports, and the store's size afterwards.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1", "ap-northeast-1",
           "ca-central-1", "sa-east-1", "eu-north-1", "ap-south-1", "us-east-2", "eu-west-2"]
NOW = "2026-12-01T12:00:00Z"


def run(cmd, env):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode not in (0, 3):
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ingot")
    ap.add_argument("--pipelines", type=int, default=20)
    ap.add_argument("--regions", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="Keep the prepared store here (e.g. to profile the schedule command on it).")
    a = ap.parse_args()
    regions = REGIONS[:a.regions]
    work = tempfile.mkdtemp(prefix="ingot-pipelines-bench-")
    base = os.path.join(work, "base.sqlite")
    env = dict(os.environ, INGOT_STORE=base, INGOT_NOW=NOW)
    run([a.ingot, "init"], env)
    # One template per pipeline and region, on the region's newest Amazon Linux.
    for region in regions:
        al = json.loads(run([a.ingot, "resolve", "--region", region, "--owner", "amazon", "--name", "al2023-ami-*-x86_64", "--output", "json"], env))
        image = al["regions"][0]["image"]["imageId"]
        for p in range(a.pipelines):
            run([a.ingot, "templates", "create", f"app{p}-lt", "--region", region, "--image-id", image, "--instance-type", "c7i.large"], env)
    lines = ["imageBuilder:", "  region: us-east-1", "  components:"]
    for p in range(a.pipelines):
        lines += [f"    - name: app{p}", "      semanticVersion: 1.0.0", "      platform: Linux", "      data: |",
                  "        schemaVersion: 1.0", "        phases:", "          - name: build", "            steps:",
                  "              - name: Install", "                action: ExecuteBash", "                inputs:", "                  commands: [\"true\"]",
                  "          - name: test", "            steps:", "              - name: Smoke", "                action: ExecuteBash",
                  "                inputs:", "                  commands: [\"true\"]"]
    lines += ["  imageRecipes:"]
    for p in range(a.pipelines):
        lines += [f"    - name: app{p}", "      semanticVersion: 1.0.0",
                  "      parentImage: arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x",
                  "      components:", "        - componentArn: arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x",
                  f"        - componentArn: app{p}/1.x.x"]
    lines += ["  infrastructureConfigurations:", "    - name: builders", "      instanceTypes: [c6i.xlarge]",
              "      instanceProfileName: EC2InstanceProfileForImageBuilder", "  distributionConfigurations:"]
    for p in range(a.pipelines):
        lines += [f"    - name: app{p}", "      distributions:"]
        for region in regions:
            lines += [f"        - region: {region}",
                      f"          amiDistributionConfiguration: {{name: \"app{p}-{{{{ imagebuilder:buildDate }}}}\", amiTags: {{golden: \"true\"}}}}",
                      f"          launchTemplateConfigurations: [{{launchTemplateId: app{p}-lt, setDefaultVersion: true}}]",
                      f"          ssmParameterConfigurations: [{{parameterName: /golden/app{p}}}]"]
    lines += ["  imagePipelines:"]
    for p in range(a.pipelines):
        lines += [f"    - name: app{p}", f"      imageRecipeArn: app{p}/1.0.0", "      infrastructureConfigurationArn: builders",
                  f"      distributionConfigurationArn: app{p}", "      schedule:",
                  f"        scheduleExpression: cron({p % 60} 6 * * ? *)", "        timezone: Europe/Berlin"]
    config = os.path.join(work, "ingot.yaml")
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    run([a.ingot, "pipelines", "apply", "-f", config], env)
    if a.keep:
        shutil.copy(base, a.keep)

    times, rss, report = [], [], None
    for i in range(a.runs):
        store = os.path.join(work, f"run{i}.sqlite")
        shutil.copy(base, store)
        runenv = dict(env, INGOT_STORE=store)
        cmd = ["/usr/bin/time", "-f", "%e %M", a.ingot, "pipelines", "schedule", "--until", "+365d", "--output", "json"]
        t = time.perf_counter()
        r = subprocess.run(cmd, env=runenv, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            sys.exit(f"schedule exited {r.returncode}: {r.stderr}")
        rss.append(int(r.stderr.strip().split()[-1]))
        report = json.loads(r.stdout)
        size = os.path.getsize(store) + (os.path.getsize(store + "-wal") if os.path.exists(store + "-wal") else 0)
    events = report["events"]
    builds = sum(1 for e in events if e.get("decision") == "build")
    skips = sum(1 for e in events if e.get("decision") == "skip")
    available = sum(1 for e in events if e.get("status") == "AVAILABLE")
    print(f"pipelines schedule --until +365d: {a.pipelines} pipelines x {a.regions} regions, {a.runs} runs")
    print(f"  wall median {statistics.median(times):.2f} s (runs: {', '.join(f'{x:.2f}' for x in times)}), peak RSS median {statistics.median(rss) / 1024:.0f} MB")
    print(f"  {builds} builds started ({available} AVAILABLE), {skips} ticks skipped; store afterwards {size / 1e6:.0f} MB")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
