#!/usr/bin/env python3
"""Verify an engagement export (GET /api/v1/engagements/{id}/export/) with the standard library only.

    python3 tools/verify_engagement_export.py engagement-7.zip

Checks that every file the manifest lists is in the ZIP with its SHA-256 and size, that the
ZIP holds nothing else, that each population's member file hashes to the recorded
population SHA-256 and has the recorded size, and that each sample redraws from its
population and seed to exactly the recorded members. Exit 0 and "OK ..." when all hold;
exit 1 naming the first failure.
"""

import hashlib
import heapq
import json
import sys
import zipfile


def draw(members, seed, size):
    """The documented draw: the `size` members with the smallest sha256(f"{seed}:{member}")."""
    return heapq.nsmallest(size, members, key=lambda m: hashlib.sha256(f"{seed}:{m}".encode()).digest())


def verify(path):
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "manifest.json" not in names:
            return "no manifest.json in the archive"
        manifest = json.loads(archive.read("manifest.json"))
        listed = {entry["path"] for entry in manifest["files"]}
        extra = names - listed - {"manifest.json"}
        if extra:
            return f"file not in the manifest: {sorted(extra)[0]}"
        for entry in manifest["files"]:
            if entry["path"] not in names:
                return f"missing file: {entry['path']}"
            sha, size = hashlib.sha256(), 0
            with archive.open(entry["path"]) as handle:
                while chunk := handle.read(1024 * 1024):
                    sha.update(chunk)
                    size += len(chunk)
            if sha.hexdigest() != entry["sha256"] or size != entry["size"]:
                return f"hash or size mismatch: {entry['path']}"
        members_of = {}
        for population in manifest["populations"]:
            text = archive.read(population["members_path"])
            if hashlib.sha256(text).hexdigest() != population["sha256"]:
                return f"population {population['id']}: members do not hash to {population['sha256']}"
            members = [int(line) for line in text.decode().split("\n")] if text else []
            if len(members) != population["size"] or members != sorted(members):
                return f"population {population['id']}: size or order differs from the manifest"
            members_of[population["id"]] = members
        for sample in manifest["samples"]:
            members = members_of.get(sample["population"])
            if members is None:
                return f"sample {sample['id']}: population {sample['population']} is not in the export"
            if draw(members, sample["seed"], sample["size"]) != sample["members"]:
                return f"sample {sample['id']}: seed {sample['seed']} does not redraw the recorded members"
    counts = (len(manifest["files"]), len(manifest["populations"]), len(manifest["samples"]))
    print("OK %d files, %d populations, %d samples" % counts)
    return None


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        failure = verify(argv[1])
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        failure = f"unreadable export: {exc}"
    if failure:
        print(f"FAILED {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
