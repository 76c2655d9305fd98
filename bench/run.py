"""Run every benchmark script in bench/ one after another (`make bench`)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    failed = []
    # bench_scale.py loads tens of millions of rows: its own target, `make bench-scale`.
    for script in sorted(p for p in HERE.glob("bench_*.py") if p.name != "bench_scale.py"):
        print(f"\n===== {script.name} =====", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=HERE).returncode:
            failed.append(script.name)
    if failed:
        sys.exit(f"benchmarks that crashed: {', '.join(failed)}")
