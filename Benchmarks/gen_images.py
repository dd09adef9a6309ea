#!/usr/bin/env python3
"""Generate a synthetic `aws ec2 describe-images` JSON document for benchmarks.

Usage:
    python3 Benchmarks/gen_images.py --count N --out FILE [--seed S] [--owner 123456789012]

The output has the shape the AWS CLI prints, ``{"Images": [ {...}, ... ]}``,
with one compact JSON object per line (images separated by ",\\n").  Images
are generated and written one chunk at a time, so memory use does not grow
with --count.  The output is a pure function of (--count, --seed, --owner).

Data shape (approximate shares):
  * Architecture: x86_64 ~70%, arm64 ~30%
  * CreationDate: uniform over the 3 years before 2026-11-01
  * Public: true ~1%; State: available ~96%, pending ~2%, failed ~2%
  * Encrypted root volume ~20% (with KmsKeyId); DeprecationTime on ~60%
    (creation + 2 years)
  * Names: ~0.2% family "golden-web", ~0.2% "golden-api"
    ("golden-web-2.4.0-20250301T1011", tag golden=true, Version tag matching,
    creation dates increasing with the version); the rest spread (skewed)
    over 2,000 other families ("app-0042-build-<n>", "team-7-base-<n>", and a
    few using the rest of the allowed name characters ( ) / _ ' @ [ ] space),
    tag golden=false.  Every name is unique.
  * ImageId / SnapshotId: 17 lowercase hex digits, a bijective mix of the
    image counter, so they look random but never collide.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import random
import sys
import time

END_DATE = "2026-11-01T00:00:00Z"
SPAN_SECONDS = 3 * 365 * 24 * 3600 + 24 * 3600  # ~3 years (incl. one leap day)
GOLDEN_SHARE = 0.002  # per golden family
CHUNK = 2000  # images per write()

_MASK68 = (1 << 68) - 1  # 17 hex digits


def _odd68(x: int) -> int:
    return (x & _MASK68) | 1


_MUL1 = _odd68(0x9E3779B97F4A7C15F)
_MUL2 = _odd68(0xBF58476D1CE4E5B9D)
_MUL3 = _odd68(0x94D049BB133111EB3)


def mix68(x: int, key: int) -> int:
    """Bijection on [0, 2**68): distinct inputs give distinct outputs."""
    x = (x + key) & _MASK68
    x = (x * _MUL1) & _MASK68
    x ^= x >> 31
    x = (x * _MUL2) & _MASK68
    x ^= x >> 29
    x = (x * _MUL3) & _MASK68
    x ^= x >> 32
    return x


TEAMS = [
    "platform", "payments", "search", "data-eng", "ml-infra", "identity",
    "checkout", "mobile-api", "observability", "security", "billing",
    "growth", "logistics", "messaging", "storage", "networking",
    "analytics", "frontend", "catalog", "recommendations", "support-tools",
    "edge", "release-eng", "finance-systems",
]


def build_families(rng: random.Random) -> list[tuple[str, str, str]]:
    """2,000 non-golden families: (name prefix, team, description stem)."""
    fams: list[tuple[str, str, str]] = []
    for f in range(1400):
        team = TEAMS[f % len(TEAMS)]
        fams.append((f"app-{f:04d}-build-", team,
                     f"app-{f:04d} image ({team} CI)"))
    flavors = ["base", "web", "worker", "batch", "gpu"]
    for j in range(500):
        t, flavor = j % 100, flavors[j // 100]
        fams.append((f"team-{t}-{flavor}-", f"team-{t}",
                     f"Team {t} {flavor} image"))
    for j in range(50):
        team = TEAMS[(j * 7) % len(TEAMS)]
        fams.append((f"ml/train_{j:02d} (cuda-12.{j % 5}) build@", team,
                     f"ML training image {j:02d}, CUDA 12.{j % 5}"))
    for j in range(50):
        team = TEAMS[(j * 11) % len(TEAMS)]
        fams.append((f"ops [legacy] o'brien-{j:02d} r", team,
                     f"Legacy ops image {j:02d}"))
    rng.shuffle(fams)  # popularity rank (see pick below) is seed-dependent
    return fams


def fmt_ts(ts: int) -> tuple[str, str, str]:
    """Return (CreationDate, name stamp YYYYMMDDTHHMM, DeprecationTime=+2y)."""
    t = time.gmtime(ts)
    y, mo, d = t.tm_year, t.tm_mon, t.tm_mday
    hms = "%02d:%02d:%02d" % (t.tm_hour, t.tm_min, t.tm_sec)
    created = "%04d-%02d-%02dT%s.000Z" % (y, mo, d, hms)
    stamp = "%04d%02d%02dT%02d%02d" % (y, mo, d, t.tm_hour, t.tm_min)
    if mo == 2 and d == 29:
        d = 28
    deprecated = "%04d-%02d-%02dT%s.000Z" % (y + 2, mo, d, hms)
    return created, stamp, deprecated


def generate(count: int, seed: int, owner: str, write) -> int:
    rng = random.Random(seed)
    families = build_families(rng)
    nfam = len(families)
    fam_counter = [0] * nfam
    kms_keys = [
        "arn:aws:kms:us-east-1:%s:key/%08x-%04x-%04x-%04x-%012x" % (
            owner, rng.getrandbits(32), rng.getrandbits(16),
            0x4000 | rng.getrandbits(12), 0x8000 | rng.getrandbits(14),
            rng.getrandbits(48))
        for _ in range(8)
    ]
    img_key = rng.getrandbits(68)
    snap_key = rng.getrandbits(68)

    end_ts = calendar.timegm(time.strptime(END_DATE, "%Y-%m-%dT%H:%M:%SZ"))
    start_ts = end_ts - SPAN_SECONDS
    # Golden images get creation dates increasing with their version: image i
    # lands at a random point inside the i-th of `count` equal time slots, so
    # a later (higher-version) golden image is never older than an earlier one.
    slot = SPAN_SECONDS / max(count, 1)
    golden_counter = {"golden-web": 0, "golden-api": 0}
    golden_desc = {
        "golden-web": "Golden web image",
        "golden-api": "Golden API image",
    }

    rand = rng.random
    randint = rng.randint
    total = 0
    first = True
    buf: list[str] = []
    dumps = json.JSONEncoder(separators=(",", ":")).encode

    for i in range(count):
        r = rand()
        if r < 2 * GOLDEN_SHARE:
            fam = "golden-web" if r < GOLDEN_SHARE else "golden-api"
            k = golden_counter[fam]
            golden_counter[fam] = k + 1
            ts = min(int(start_ts + slot * (i + rand())), end_ts - 1)
            created, stamp, deprecated = fmt_ts(ts)
            ver = "%d.%d.%d" % (1 + k // 500, (k // 25) % 20, k % 25)
            name = f"{fam}-{ver}-{stamp}"
            desc = f"{golden_desc[fam]} {ver}"
            team = "platform"
            golden = "true"
            version_tag = f"{ver}/{k + 1}"
        else:
            r2 = rand()
            f = int(nfam * r2 * r2)  # skewed popularity
            prefix, team, stem = families[f]
            n = fam_counter[f] + 1
            fam_counter[f] = n
            ts = randint(start_ts, end_ts - 1)
            created, stamp, deprecated = fmt_ts(ts)
            name = f"{prefix}{n}"
            desc = f"{stem}, build {n}"
            golden = "false"
            version_tag = "%d.%d.%d/%d" % (n // 400, (n // 20) % 20, n % 20, n)

        arch = "arm64" if rand() < 0.30 else "x86_64"
        r = rand()
        state = "available" if r < 0.96 else ("pending" if r < 0.98 else "failed")
        ebs = {
            "DeleteOnTermination": True,
            "SnapshotId": "snap-%017x" % mix68(i, snap_key),
            "VolumeSize": randint(8, 100),
            "VolumeType": "gp3",
            "Encrypted": False,
        }
        if rand() < 0.20:
            ebs["Encrypted"] = True
            ebs["KmsKeyId"] = kms_keys[randint(0, 7)]
        img = {
            "Architecture": arch,
            "CreationDate": created,
            "ImageId": "ami-%017x" % mix68(i, img_key),
            "ImageLocation": f"{owner}/{name}",
            "ImageType": "machine",
            "Public": rand() < 0.01,
            "OwnerId": owner,
            "PlatformDetails": "Linux/UNIX",
            "UsageOperation": "RunInstances",
            "State": state,
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": ebs}],
            "Description": desc,
            "EnaSupport": True,
            "Hypervisor": "xen",
            "Name": name,
            "RootDeviceName": "/dev/xvda",
            "RootDeviceType": "ebs",
            "SriovNetSupport": "simple",
            "VirtualizationType": "hvm",
            "BootMode": "uefi-preferred" if rand() < 0.5 else "legacy-bios",
        }
        if rand() < 0.60:
            img["DeprecationTime"] = deprecated
        img["Tags"] = [
            {"Key": "golden", "Value": golden},
            {"Key": "team", "Value": team},
            {"Key": "Version", "Value": version_tag},
        ]
        s = dumps(img)
        if first:
            first = False
        else:
            s = ",\n" + s
        buf.append(s)
        if len(buf) >= CHUNK:
            chunk = "".join(buf)
            write(chunk)
            total += len(chunk)
            buf.clear()

    if buf:
        chunk = "".join(buf)
        write(chunk)
        total += len(chunk)
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, required=True, help="number of images")
    ap.add_argument("--out", required=True, help="output file ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--owner", default="123456789012", help="12-digit AWS account id")
    args = ap.parse_args(argv)
    if args.count < 0:
        ap.error("--count must be >= 0")
    if not (len(args.owner) == 12 and args.owner.isdigit()):
        ap.error("--owner must be a 12-digit account id")

    t0 = time.perf_counter()
    head, tail = '{"Images": [\n', "\n]}\n"
    if args.count == 0:
        head, tail = '{"Images": [', "]}\n"
    if args.out == "-":
        out = sys.stdout
        out.write(head)
        body = generate(args.count, args.seed, args.owner, out.write)
        out.write(tail)
        out.flush()
    else:
        d = os.path.dirname(os.path.abspath(args.out))
        os.makedirs(d, exist_ok=True)
        tmp = args.out + ".tmp"
        # All output is ASCII (json ensure_ascii), so len(str) == bytes.
        with open(tmp, "w", encoding="ascii", newline="\n",
                  buffering=1 << 20) as out:
            out.write(head)
            body = generate(args.count, args.seed, args.owner, out.write)
            out.write(tail)
        os.replace(tmp, args.out)
    nbytes = len(head) + body + len(tail)
    dt = time.perf_counter() - t0
    print(f"gen_images: wrote {args.count} images, {nbytes} bytes "
          f"({nbytes / max(args.count, 1):.0f} B/image) to {args.out} "
          f"in {dt:.1f}s (seed {args.seed})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
