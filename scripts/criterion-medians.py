#!/usr/bin/env python3
"""Print the median of every criterion benchmark under target/criterion (after
`cargo bench -p tensorboard-writer-benches`).

Usage: scripts/criterion-medians.py [TARGET_DIR]
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target") / "criterion"
for est in sorted(root.glob("**/new/estimates.json")):
    bench = est.parent.parent.relative_to(root)
    median_ns = json.loads(est.read_text())["median"]["point_estimate"]
    bench_json = est.parent / "benchmark.json"
    throughput = json.loads(bench_json.read_text()).get("throughput") if bench_json.exists() else None
    extra = ""
    if throughput and "Elements" in throughput:
        extra = "  %.2f M elements/s" % (throughput["Elements"] / median_ns * 1e3)
    elif throughput and "Bytes" in throughput:
        extra = "  %.0f MB/s" % (throughput["Bytes"] / median_ns * 1e3)
    print("%-55s median %12.1f ns%s" % (bench, median_ns, extra))
