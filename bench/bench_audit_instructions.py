"""Audit overhead in the client, counted in instructions: the same from run to run.

bench_audit.py's wall times and CPU times move by ±5% between runs on these machines,
which is as much as a change to the audit's Python usually saves. valgrind's callgrind
counts the instructions the benchmark process executes instead, whatever else the
machine does, so a change to the client side (receivers, hashing, the driver calls)
shows up exactly. It says nothing about the server's work, and nothing about cache
misses: bench_audit.py stays the measure of the target.

    .venv/bin/python bench/bench_audit_instructions.py [--pairs 200] [--mode service|autocommit]

Each variant runs in its own process under callgrind (about two minutes each: Django
starts up under the instrumenter), counting only the measured create+update loop.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VARIANTS = ("unaudited", "ours")


def child(variant, mode, pairs):
    """Inside valgrind: warm up, then count `pairs` create+update pairs of `variant`."""
    import bench_audit
    from harness import setup_django

    bench_audit.install_settings()
    setup_django(bench_audit.DATABASE)
    from compliance.models import Framework

    variants = bench_audit.Variants(Framework)
    variants.use(variant)
    tag = f"bench-instructions-{os.getpid()}"
    bench_audit.run_pairs(Framework, 100, f"{tag}-warm", mode)  # caches, imports, plans
    toggle = ["callgrind_control", "--instr"]
    subprocess.run([*toggle, "on", str(os.getpid())], check=True, capture_output=True)
    bench_audit.run_pairs(Framework, pairs, tag, mode)
    subprocess.run([*toggle, "off", str(os.getpid())], check=True, capture_output=True)
    variants.use("unaudited")
    Framework.objects.filter(code__startswith=tag).delete()


def instructions_per_pair(variant, mode, pairs):
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={tmp}/callgrind.out",
                sys.executable,
                __file__,
                "--child",
                variant,
                "--mode",
                mode,
                "--pairs",
                str(pairs),
            ],
            cwd=HERE,
            capture_output=True,
            text=True,
        )
    collected = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode or not collected:
        sys.exit(f"{variant} under callgrind failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return int(collected.group(1)) / pairs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--mode", choices=("service", "autocommit"), default="service")
    parser.add_argument("--child", choices=VARIANTS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.mode, args.pairs)
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        print("valgrind is not installed: no instruction counts (apt-get install valgrind)")
        return
    counts = {variant: instructions_per_pair(variant, args.mode, args.pairs) for variant in VARIANTS}
    base = counts["unaudited"]
    print(
        f"audit overhead in client instructions, create + update of compliance.Framework, "
        f"{args.pairs} pairs, {args.mode} writes"
    )
    for variant, count in counts.items():
        print(
            f"  {variant:<10} {count / 1e6:6.3f} M instructions per create+update  {count / base:4.2f}x unaudited"
            + (f"   (+{(count - base) / 1e6:.3f} M)" if variant != "unaudited" else "")
        )


if __name__ == "__main__":
    main()
