"""Benchmark `crm generate`: wall time, customers/s, size on disk and peak memory.

python benchmarks/generate.py [--customers 1000000] [--workers 2] [--out /tmp/portfolio]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from crm.generator import generate_portfolio


def _allocated_bytes(directory: Path) -> int:
    """What `du` reports: allocated blocks, not file lengths."""
    return sum(path.stat().st_blocks * 512 for path in directory.iterdir() if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    parser.add_argument("--out", type=Path, default=None, help="keep the files here (default: a temp dir)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="crm-generate-"))
    try:
        started = time.perf_counter()
        manifest = generate_portfolio(out, args.customers, args.seed, workers=args.workers, progress=True)
        elapsed = time.perf_counter() - started
        # ru_maxrss is in KiB on Linux; RUSAGE_CHILDREN gives the largest worker, not their sum
        parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"customers       {args.customers:,}")
        print(f"wall time       {elapsed:,.1f} s ({args.customers / elapsed:,.0f} customers/s)")
        print(f"size on disk    {_allocated_bytes(out) / 2**30:,.2f} GiB")
        print(f"peak RSS        {parent:,.0f} MiB writer, {worker:,.0f} MiB largest worker")
        for topic, count in manifest.counts.items():
            print(f"  {topic:<20} {count:>12,} lines {manifest.bytes[topic] / 1e6:>10,.1f} MB")
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
