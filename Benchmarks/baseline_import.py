#!/usr/bin/env python3
"""Baseline: import `aws ec2 describe-images` JSON into SQLite, the plain way.

Usage:
    python3 Benchmarks/baseline_import.py FILE DB.sqlite --region R

This is the straightforward Python script Ingot's importer is compared
against: `json.load` the whole document, then insert with the stdlib sqlite3
module using `executemany`, one transaction per 10,000 images, WAL mode.
Schema and indexes are created up front.  Re-running against the same
database replaces existing rows (INSERT OR REPLACE).  It is meant to be
ordinary, neither deliberately slow nor heroically optimized.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time

BATCH = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS image (
    image_id            TEXT PRIMARY KEY,
    region              TEXT NOT NULL,
    owner_id            TEXT NOT NULL,
    name                TEXT,
    description         TEXT,
    state               TEXT,
    creation_date       TEXT,
    deprecation_time    TEXT,
    architecture        TEXT,
    image_type          TEXT,
    image_location      TEXT,
    public              INTEGER,
    platform_details    TEXT,
    usage_operation     TEXT,
    ena_support         INTEGER,
    hypervisor          TEXT,
    root_device_name    TEXT,
    root_device_type    TEXT,
    sriov_net_support   TEXT,
    virtualization_type TEXT,
    boot_mode           TEXT
);
CREATE INDEX IF NOT EXISTS image_region_owner_name ON image (region, owner_id, name);

CREATE TABLE IF NOT EXISTS image_tag (
    image_id TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT,
    PRIMARY KEY (image_id, key)
);
CREATE INDEX IF NOT EXISTS image_tag_key_value ON image_tag (key, value);

CREATE TABLE IF NOT EXISTS block_device_mapping (
    image_id    TEXT NOT NULL,
    device_name TEXT NOT NULL,
    snapshot_id TEXT,
    volume_size INTEGER,
    volume_type TEXT,
    encrypted   INTEGER,
    kms_key_id  TEXT,
    PRIMARY KEY (image_id, device_name)
);

CREATE TABLE IF NOT EXISTS snapshot (
    snapshot_id TEXT PRIMARY KEY,
    region      TEXT NOT NULL,
    owner_id    TEXT,
    image_id    TEXT,
    volume_size INTEGER,
    volume_type TEXT,
    encrypted   INTEGER,
    kms_key_id  TEXT
);
"""

INSERT_IMAGE = """INSERT OR REPLACE INTO image (
    image_id, region, owner_id, name, description, state, creation_date,
    deprecation_time, architecture, image_type, image_location, public,
    platform_details, usage_operation, ena_support, hypervisor,
    root_device_name, root_device_type, sriov_net_support,
    virtualization_type, boot_mode
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
INSERT_TAG = "INSERT OR REPLACE INTO image_tag (image_id, key, value) VALUES (?, ?, ?)"
INSERT_BDM = """INSERT OR REPLACE INTO block_device_mapping (
    image_id, device_name, snapshot_id, volume_size, volume_type, encrypted, kms_key_id
) VALUES (?, ?, ?, ?, ?, ?, ?)"""
INSERT_SNAPSHOT = """INSERT OR REPLACE INTO snapshot (
    snapshot_id, region, owner_id, image_id, volume_size, volume_type, encrypted, kms_key_id
) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""


def as_int(b):
    return None if b is None else int(b)


def insert_batch(conn: sqlite3.Connection, images: list[dict], region: str) -> tuple[int, int]:
    image_rows, tag_rows, bdm_rows, snap_rows = [], [], [], []
    for img in images:
        image_id = img["ImageId"]
        owner_id = img.get("OwnerId")
        image_rows.append((
            image_id, region, owner_id, img.get("Name"), img.get("Description"),
            img.get("State"), img.get("CreationDate"), img.get("DeprecationTime"),
            img.get("Architecture"), img.get("ImageType"), img.get("ImageLocation"),
            as_int(img.get("Public")), img.get("PlatformDetails"),
            img.get("UsageOperation"), as_int(img.get("EnaSupport")),
            img.get("Hypervisor"), img.get("RootDeviceName"),
            img.get("RootDeviceType"), img.get("SriovNetSupport"),
            img.get("VirtualizationType"), img.get("BootMode"),
        ))
        for tag in img.get("Tags", []):
            tag_rows.append((image_id, tag["Key"], tag.get("Value")))
        for bdm in img.get("BlockDeviceMappings", []):
            ebs = bdm.get("Ebs") or {}
            snapshot_id = ebs.get("SnapshotId")
            encrypted = as_int(ebs.get("Encrypted"))
            bdm_rows.append((
                image_id, bdm["DeviceName"], snapshot_id, ebs.get("VolumeSize"),
                ebs.get("VolumeType"), encrypted, ebs.get("KmsKeyId"),
            ))
            if snapshot_id:
                snap_rows.append((
                    snapshot_id, region, owner_id, image_id, ebs.get("VolumeSize"),
                    ebs.get("VolumeType"), encrypted, ebs.get("KmsKeyId"),
                ))
    conn.execute("BEGIN")
    try:
        conn.executemany(INSERT_IMAGE, image_rows)
        conn.executemany(INSERT_TAG, tag_rows)
        conn.executemany(INSERT_BDM, bdm_rows)
        conn.executemany(INSERT_SNAPSHOT, snap_rows)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return len(tag_rows), len(snap_rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="describe-images JSON file")
    ap.add_argument("db", help="SQLite database to create or update")
    ap.add_argument("--region", required=True, help="region the images came from")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    with open(args.file, encoding="utf-8") as f:
        images = json.load(f)["Images"]
    t1 = time.perf_counter()

    conn = sqlite3.connect(args.db, isolation_level=None)  # explicit BEGIN/COMMIT
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # the usual companion to WAL
    conn.executescript(SCHEMA)

    tags = snaps = 0
    for start in range(0, len(images), BATCH):
        nt, ns = insert_batch(conn, images[start:start + BATCH], args.region)
        tags += nt
        snaps += ns
    conn.close()
    t2 = time.perf_counter()

    print(f"baseline_import: {len(images)} images, {tags} tags, {snaps} snapshots "
          f"into {args.db} (region {args.region}); "
          f"json.load {t1 - t0:.1f}s, insert {t2 - t1:.1f}s, total {t2 - t0:.1f}s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
