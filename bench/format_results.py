#!/usr/bin/env python3
"""Formats lutfhe_bench --json output as the generated sections of bench/RESULTS.md.

`format` reads one JSON object per line (the driver's --json output) and rewrites the text
between the markers

    <!-- BEGIN GENERATED: name -->
    <!-- END GENERATED: name -->

for name in machine, command, results and targets. Everything outside the markers is kept.
`disturbed` lists the measurements that lost CPU to other load, and `merge` folds
re-measurements of those back in (used by update_results.sh). Standard library only.
"""

import argparse
import datetime
import json
import math
import platform
import re
import subprocess
import sys

# (label, op, params, threads, goal in ms, what it is compared with)
LATENCY_TARGETS = [
    ("NAND gate, TFHE_LIB, 1 thread", "gate_nand", "TFHE_LIB", 1, 8.0,
     "classic TFHE library 13.2 ms; TFHEpp 9.0 ms, 7.0 ms with AVX-512 (same kind of machine)"),
    ("KS+PBS, PBS_4BIT, 1 thread", "ks_pbs", "PBS_4BIT", 1, 14.0,
     "TFHE-rs publishes 15.6 ms"),
]
SPEEDUP_GOAL = 1.8
SPEEDUP_OPS = ("ks_pbs", "gate_nand")
# A row whose CPU share (our CPU time / (wall time × threads)) is below this was disturbed.
DISTURBED_BELOW = 0.95


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def machine_section(build_dir):
    lscpu = run(["lscpu"])
    fields = {}
    for line in lscpu.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    flags = set(fields.get("Flags", "").split())
    simd = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512vl",
                        "avx512bw", "avx512ifma", "avx512_fp16") if f in flags]
    gcc = run(["c++", "--version"]).splitlines()
    compiler = gcc[0] if gcc else "unknown"
    cache = run(["grep", "-m1", "CMAKE_CXX_COMPILER:", f"{build_dir}/CMakeCache.txt"]).strip()
    if cache:
        compiler += f" (CMake: {cache.split('=', 1)[-1]})"
    fftw = "unknown"
    for line in run(["dpkg", "-s", "libfftw3-dev"]).splitlines():
        if line.startswith("Version:"):
            fftw = line.split(":", 1)[1].strip()
    gbench = "unknown"
    for line in run(["dpkg", "-s", "libbenchmark-dev"]).splitlines():
        if line.startswith("Version:"):
            gbench = line.split(":", 1)[1].strip()
    commit = run(["git", "rev-parse", "--short", "HEAD"]).strip() or "unknown"
    dirty = run(["git", "status", "--porcelain", "--untracked-files=no"]).strip()
    mem_kib = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            mem_kib = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    rows = [
        ("CPU", f"{fields.get('Model name', '?')} (family {fields.get('CPU family', '?')}, "
                f"model {fields.get('Model', '?')}, stepping {fields.get('Stepping', '?')})"),
        ("Cores", f"{fields.get('CPU(s)', '?')} logical CPUs, "
                  f"{fields.get('Thread(s) per core', '?')} thread(s) per core; "
                  f"{fields.get('Hypervisor vendor', 'no')} hypervisor"),
        ("Caches", f"L1d {fields.get('L1d cache', '?')}, L2 {fields.get('L2 cache', '?')}, "
                   f"L3 {fields.get('L3 cache', '?')}"),
        ("SIMD flags", ", ".join(simd) or "none found"),
        ("Memory", f"{mem_kib / 1024 / 1024:.0f} GiB"),
        ("OS / kernel", f"{platform.system()} {platform.release()}"),
        ("Compiler", compiler),
        ("FFTW", f"libfftw3-dev {fftw} (Debian package)"),
        ("Google Benchmark", f"libbenchmark-dev {gbench}"),
        ("lutfhe commit", commit + (" with uncommitted changes" if dirty else "")),
        ("Date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    out = ["| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(out)


def fmt(x):
    """Four significant digits in fixed notation, as the driver prints them."""
    if x == 0:
        return "0"
    decimals = min(max(3 - math.floor(math.log10(abs(x))), 0), 12)
    return f"{x:.{decimals}f}"


def si(x):
    for scale, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def cpu(r):
    """The row's CPU share, flagged when other load took cores away."""
    share = r.get("cpu_share")
    if share is None:
        return ""
    return f"{share:.0%}" + (" (disturbed)" if disturbed(r) else "")


def params_label(r):
    return r["params"] + (" (INSECURE)" if r.get("insecure") else "")


def results_section(results):
    one_thread = {(r["op"], r["params"]): r["ops_per_s"] for r in results if r["threads"] == 1}
    out = [
        "| op | params | n | k | N | β×l | β_ks×l_ks | threads | ms/op | ops/s "
        "| speedup vs 1 thread | flop floor | GFLOP/s | cpu |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        base = one_thread.get((r["op"], r["params"]))
        speedup = f"{r['ops_per_s'] / base:.2f}×" if base and r["threads"] != 1 else ""
        out.append(
            f"| {r['op']} | {params_label(r)} | {r['n']} | {r['k']} | {r['N']} "
            f"| 2^{r['pbs_base_log']}×{r['pbs_levels']} | 2^{r['ks_base_log']}×{r['ks_levels']} "
            f"| {r['threads']} | {fmt(r['ms_per_op'])} | {fmt(r['ops_per_s'])} | {speedup} "
            f"| {si(r['flops_floor'])} | {fmt(r['gflops'])} | {cpu(r)} |")
    return "\n".join(out)


def status(ok, *rows):
    return ("met" if ok else "NOT met") + (" (disturbed run)" if any(map(disturbed, rows)) else "")


def targets_section(results):
    index = {(r["op"], r["params"], r["threads"]): r for r in results}
    out = ["| target | goal | measured | compared with | status |", "|---|---|--:|---|---|"]
    for label, op, params, threads, goal, reference in LATENCY_TARGETS:
        r = index.get((op, params, threads))
        if r is None:
            out.append(f"| {label} | ≤ {goal:g} ms | not measured | {reference} | — |")
            continue
        ok = r["ms_per_op"] <= goal
        out.append(f"| {label} | ≤ {goal:g} ms | {fmt(r['ms_per_op'])} ms | {reference} "
                   f"| {status(ok, r)} |")
    for (op, params, threads), r in sorted(index.items()):
        if op not in SPEEDUP_OPS or threads != 2:
            continue
        base = index.get((op, params, 1))
        if base is None:
            continue
        speedup = r["ops_per_s"] / base["ops_per_s"]
        ok = speedup >= SPEEDUP_GOAL
        out.append(f"| 2-thread throughput, {op}, {params_label(r)} | ≥ {SPEEDUP_GOAL}× one thread "
                   f"| {speedup:.2f}× | {fmt(base['ops_per_s'])} → {fmt(r['ops_per_s'])} ops/s "
                   f"| {status(ok, r, base)} |")
    return "\n".join(out)


def replace_section(text, name, body):
    pattern = re.compile(
        rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"format_results.py: markers for '{name}' not found in the markdown file")
    return pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)


def read_results(path):
    results = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                results.append(json.loads(line))
    return results


def write_results(path, results):
    with open(path, "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")


def disturbed(r):
    return r.get("cpu_share", 1.0) < DISTURBED_BELOW


def cmd_format(args):
    results = read_results(args.results)
    if not results:
        sys.exit("format_results.py: no results to format")
    with open(args.markdown, encoding="utf-8") as f:
        text = f.read()
    text = replace_section(text, "machine", machine_section(args.build_dir))
    text = replace_section(text, "command", "```sh\n" + args.command + "\n```")
    text = replace_section(text, "results", results_section(results))
    text = replace_section(text, "targets", targets_section(results))
    with open(args.markdown, "w", encoding="utf-8") as f:
        f.write(text)


def cmd_disturbed(args):
    """Prints "op params" once for every pair with a disturbed row."""
    seen = []
    for r in read_results(args.results):
        if disturbed(r) and (r["op"], r["params"]) not in seen:
            seen.append((r["op"], r["params"]))
    for op, params in seen:
        print(op, params)


def cmd_merge(args):
    """Replaces rows of --results by the re-measured ones in --new where those ran cleaner."""
    results = read_results(args.results)
    for new in read_results(args.new):
        key = (new["op"], new["params"], new["threads"])
        for i, old in enumerate(results):
            if (old["op"], old["params"], old["threads"]) == key:
                if new.get("cpu_share", 1.0) > old.get("cpu_share", 1.0) or not disturbed(new):
                    results[i] = new
                break
        else:
            results.append(new)
    write_results(args.results, results)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command_name", required=True)
    f = sub.add_parser("format", help="rewrite the GENERATED sections of the markdown file")
    f.add_argument("--results", required=True, help="file with the driver's --json lines")
    f.add_argument("--markdown", required=True, help="RESULTS.md to update in place")
    f.add_argument("--command", required=True, help="the command that produced the results")
    f.add_argument("--build-dir", default="build")
    f.set_defaults(run=cmd_format)
    d = sub.add_parser("disturbed", help="list the (op, params) pairs with disturbed rows")
    d.add_argument("--results", required=True)
    d.set_defaults(run=cmd_disturbed)
    m = sub.add_parser("merge", help="merge re-measured rows into a results file")
    m.add_argument("--results", required=True, help="updated in place")
    m.add_argument("--new", required=True)
    m.set_defaults(run=cmd_merge)
    args = ap.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
