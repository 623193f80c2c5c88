"""Benchmark `crm generate`: wall time, customers/s and size on disk.

python benchmarks/generate.py [--customers 1000000] [--out /tmp/portfolio]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from crm.generator import generate_portfolio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None, help="keep the files here (default: a temp dir)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="crm-generate-"))
    try:
        started = time.perf_counter()
        manifest = generate_portfolio(out, args.customers, args.seed, progress=True)
        elapsed = time.perf_counter() - started
        size_gb = sum(manifest.bytes.values()) / 1e9
        peak = max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        print(f"customers       {args.customers:,}")
        print(f"wall time       {elapsed:,.1f} s ({args.customers / elapsed:,.0f} customers/s)")
        print(f"size on disk    {size_gb:,.2f} GB")
        print(f"peak RSS        {peak / 1024:,.0f} MB (largest process)")
        for topic, count in manifest.counts.items():
            print(f"  {topic:<20} {count:>12,} lines {manifest.bytes[topic] / 1e6:>10,.1f} MB")
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
