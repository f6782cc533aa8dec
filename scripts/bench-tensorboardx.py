#!/usr/bin/env python3
"""The benchmarks of benches/*.rs, run with tensorboardX (and TensorBoard's own reader).

Usage:
    scripts/bench-tensorboardx.py [--quick] [--json OUT] [--criterion TARGET_DIR]

Creates (once) a virtual environment at target/bench-venv with pinned tensorboardX, numpy,
pillow and tensorboard, re-executes itself inside it, times each workload the way
benches/*.rs does, and prints the medians. With the criterion results of
`cargo bench -p tensorboard-writer-benches` in TARGET_DIR/criterion (default: target), it also prints tensorboard-writer's median for the
same workload and the ratio, so both sides come from the same machine and session.

Each workload is timed over several samples; a sample of a cheap call times a batch of calls
and divides. The medians are of samples. Python's garbage collector is left on, as in a
training script.
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "bench-venv"
# crc32c: tensorboardX uses the native package when it is installed (else a pure-Python
# CRC on its writer thread, which holds the GIL): measure its best configuration.
PINS = ["tensorboardX==2.6.5", "numpy==2.4.6", "pillow==13.0.0", "tensorboard==2.21.0",
        "crc32c==2.9.post0"]


def ensure_venv():
    """Re-exec inside target/bench-venv, creating it with the pinned packages if needed."""
    py = VENV / "bin" / "python"
    if pathlib.Path(sys.prefix).resolve() == VENV.resolve():
        return
    stamp = VENV / "pins.txt"
    if not py.exists() or not stamp.exists() or stamp.read_text() != "\n".join(PINS):
        print(f"creating {VENV} with {' '.join(PINS)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PINS], check=True)
        stamp.write_text("\n".join(PINS))
    os.execv(str(py), [str(py), *sys.argv])


def median_ns(samples):
    return statistics.median(samples) * 1e9


def per_call(fn, calls, samples):
    """Median seconds per call of fn(i), over `samples` batches of `calls` calls."""
    out = []
    for s in range(samples):
        base = s * calls
        t0 = time.perf_counter()
        for i in range(base, base + calls):
            fn(i)
        out.append((time.perf_counter() - t0) / calls)
    return out


def repeat(fn, samples, setup=None):
    """Median seconds of fn(state), with an untimed setup() before each sample."""
    out = []
    for _ in range(samples):
        state = setup() if setup else None
        t0 = time.perf_counter()
        fn(state)
        out.append(time.perf_counter() - t0)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("--criterion", default=str(ROOT / "target"),
                    help="target dir holding criterion/ results to compare with")
    args = ap.parse_args()
    ensure_venv()

    import numpy as np
    import tensorboardX
    from tensorboardX import crc32c as tbx_crc

    native = getattr(tbx_crc, "_crc32c_native", None) is not None
    print("tensorboardX CRC-32C: %s" % ("native (crc32c package)" if native else "pure Python"))
    from tensorboardX import SummaryWriter
    from tensorboardX.proto.summary_pb2 import Summary

    q = args.quick
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-tbx-"))
    results = {}  # criterion id -> (tensorboardX median ns, unit note)

    def fresh(name):
        d = tmp / name
        shutil.rmtree(d, ignore_errors=True)
        return d

    # add_scalar, the caller's cost (tensorboardX queues the event for its writer thread).
    w = SummaryWriter(str(fresh("caller")))
    s = per_call(lambda i: w.add_scalar("loss", 0.5, i), 2_000 if q else 20_000, 5 if q else 30)
    w.close()
    results["add_scalar_caller/tensorboard-writer"] = median_ns(s)

    # The same, eight tags logged in turn: the list in tests/common/training_tags.rs.
    import re
    eight = re.findall(r'"([^"]+)"', (ROOT / "tests/common/training_tags.rs").read_text())
    assert len(eight) == 8, eight
    w = SummaryWriter(str(fresh("caller8")))
    s = per_call(lambda i: w.add_scalar(eight[i % 8], 0.5, i), 2_000 if q else 20_000,
                 5 if q else 30)
    w.close()
    results["add_scalar_caller/tensorboard-writer_8_tags"] = median_ns(s)

    # End to end: new writer, N scalars, close (everything on disk).
    n = 20_000 if q else 200_000

    def e2e(_):
        w = SummaryWriter(str(fresh("e2e")))
        for i in range(n):
            w.add_scalar("loss", 0.5, i)
        w.close()

    s = repeat(e2e, 2 if q else 5)
    results["end_to_end_1thread/tensorboard-writer"] = (median_ns(s), n)

    # A merged step of 10 scalars: one Summary with 10 values through the file writer.
    w = SummaryWriter(str(fresh("merged")))
    fw = w._get_file_writer()
    tags = [f"metric_{k}" for k in range(10)]

    def merged(i):
        fw.add_summary(Summary(value=[Summary.Value(tag=t, simple_value=0.5) for t in tags]), i)

    s = per_call(merged, 1_000 if q else 5_000, 5 if q else 20)
    w.close()
    results["merged_step_10_scalars/tensorboard-writer"] = median_ns(s)

    # Histogram of 1M f32, TensorFlow's default buckets.
    rng = np.random.default_rng(7)
    values = rng.standard_normal(1_000_000).astype(np.float32)
    w = SummaryWriter(str(fresh("hist")))
    s = per_call(lambda i: w.add_histogram("h", values, i, bins="tensorflow"), 1, 3 if q else 15)
    w.close()
    results["histogram/1M_f32"] = median_ns(s)

    # Images: 640x480 RGB u8 and 28x28 grey u8, PNG-encoded and logged.
    rgb = rng.integers(0, 256, size=(480, 640, 3), dtype=np.uint8)
    rgb[:, :320] = 128  # half flat, half noise, like benches/image.rs's photo-like mix
    grey = rng.integers(0, 256, size=(28, 28), dtype=np.uint8)
    w = SummaryWriter(str(fresh("image")))
    s = per_call(lambda i: w.add_image("rgb", rgb, i, dataformats="HWC"), 1, 3 if q else 20)
    results["image/640x480_rgb_u8"] = median_ns(s)
    s = per_call(lambda i: w.add_image("grey", grey, i, dataformats="HW"), 200 if q else 2_000,
                 3 if q else 15)
    results["image/28x28_grey_u8"] = median_ns(s)
    w.close()

    # Projector: 10,000x128 f32 (tensorboardX writes TSV and the config).
    mat = rng.standard_normal((10_000, 128)).astype(np.float32)
    w = SummaryWriter(str(fresh("proj")))
    s = per_call(lambda i: w.add_embedding(mat, global_step=i, tag=f"e{i}"), 1, 2 if q else 8)
    w.close()
    results["projector/tsv_10000x128_f32"] = median_ns(s)

    # Reading: TensorBoard's own Python loader (tensorboardX has no reader) over a file of
    # scalar events, like benches/scalars.rs's reader benchmark.
    rd = fresh("reader")
    w = SummaryWriter(str(rd))
    rn = 50_000 if q else 200_000
    for i in range(rn):
        w.add_scalar("loss", 0.5, i)
    w.close()
    (path,) = list(rd.glob("events.out.tfevents.*"))
    size = path.stat().st_size
    from tensorboard.backend.event_processing import event_file_loader

    def read(_):
        count = sum(1 for _ in event_file_loader.RawEventFileLoader(str(path)).Load())
        assert count == rn + 1, count

    s = repeat(read, 2 if q else 5)
    results["reader/RecordReader"] = (median_ns(s), size)

    def read_decoded(_):
        count = sum(1 for _ in event_file_loader.LegacyEventFileLoader(str(path)).Load())
        assert count == rn + 1, count

    s = repeat(read_decoded, 2 if q else 5)
    results["reader/EventReader"] = (median_ns(s), size)
    shutil.rmtree(tmp, ignore_errors=True)

    report(results, pathlib.Path(args.criterion) / "criterion", tensorboardX.__version__)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))


def criterion_median(root, bench_id):
    """(median ns, throughput dict) of the first criterion benchmark under root/bench_id."""
    base = root / bench_id
    for est in sorted(base.glob("**/new/estimates.json")) if base.exists() else []:
        med = json.loads(est.read_text())["median"]["point_estimate"]
        bj = est.parent / "benchmark.json"
        thr = json.loads(bj.read_text()).get("throughput") if bj.exists() else None
        return med, thr
    return None


def report(results, croot, version):
    print(f"\ntensorboardX {version}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs; tensorboard-writer from {croot}\n")
    print(f"| {'workload (criterion id)':44} | {'tensorboardX':>18} | {'tensorboard-writer':>18} | ratio |")
    print(f"|{'-' * 46}|{'-' * 20}:|{'-' * 20}:|------:|")
    for bench_id, val in results.items():
        if isinstance(val, tuple):
            # (ns for the whole workload, elements or bytes): compare throughputs.
            ns, amount = val
            unit = "MB/s" if bench_id.startswith("reader") else "M ev/s"
            scale = 1e3 if unit == "MB/s" else 1e3
            theirs = amount / ns * scale
            ours = criterion_median(croot, bench_id)
            ours_s, ratio = "–", ""
            if ours and ours[1]:
                (kind, n), = ours[1].items()
                ours_v = n / ours[0] * 1e3
                ours_s = f"{ours_v:.2f} {unit}"
                ratio = f"{ours_v / theirs:.1f}×"
            print(f"| {bench_id:44} | {theirs:13.2f} {unit:>4} | {ours_s:>18} | {ratio:>5} |")
        else:
            ours = criterion_median(croot, bench_id)
            ours_s = fmt_ns(ours[0]) if ours else "–"
            ratio = f"{val / ours[0]:.1f}×" if ours else ""
            print(f"| {bench_id:44} | {fmt_ns(val):>18} | {ours_s:>18} | {ratio:>5} |")
    print("\nratio = how many times faster tensorboard-writer is (time ratio, or throughput ratio).")


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


if __name__ == "__main__":
    main()
