#!/usr/bin/env python3
"""Turn JMH JSON results (java -jar jmh/target/benchmarks.jar ... -rf json -rff r.json) into a
markdown table and a PNG bar chart. Standard library only; the PNG is drawn by
io.rnn4j.jmh.report.Chart (JFreeChart) from the benchmarks jar.

usage: python3 bench/jmh_report.py results.json [more.json ...] [--out bench/results/name]
writes NAME.md, NAME.tsv and NAME.png (the PNG needs jmh/target/benchmarks.jar and a Java 21+
`java`: $JAVA_HOME/bin/java if JAVA_HOME is set, else the one on the PATH).

GEMM rows get GFLOP/s = 2MNK / time, the share of the FMA peak (116 GFLOP/s per core) and the
ratio to OpenBLAS / java in the same run; layer rows get the time, the speed-up over java and
over the best peer figure of issue 4 where one exists.
"""
import json
import os
import subprocess
import sys

PEAK_PER_CORE = 116.0  # GFLOP/s, fp32 FMA, measured with bench/peak.c on this CPU
# Best peer per case from issue 4 (ms): (cell, batch x time x input x units, mode) -> (1 thread, 2 threads)
PEERS = {
    ("LSTM", "64x100x128x256", "inference"): (58.0, 31.5),
    ("LSTM", "64x100x128x256", "training"): (205.8, 126.7),
    ("LSTM", "64x100x512x1024", "inference"): (808.0, 456.0),
    ("LSTM", "64x100x512x1024", "training"): (2570.0, 1368.0),
    ("LSTM", "256x50x256x512", "inference"): (411.0, 258.0),
    ("LSTM", "256x50x256x512", "training"): (1363.0, 744.0),
    ("LSTM", "1x100x128x256", "inference"): (2.30, 1.21),
    ("LSTM", "1x100x128x256", "training"): (7.41, 4.93),
    ("GRU", "64x100x128x256", "inference"): (43.1, 35.1),
    ("GRU", "64x100x128x256", "training"): (152.6, 104.0),
}
# OpenBLAS 0.3.21 figures of issue 4 (GFLOP/s, 1 thread / 2 threads), for when it is not in the run.
OPENBLAS_ISSUE = {
    "64x1024x512": (101, 189), "64x4096x2048": (94, 172), "256x4096x2048": (105, 210),
    "1024x1024x1024": (108, 210), "6400x1024x256": (98, 186), "1x1024x512": (27, None),
}


def to_ms(score, unit):
    return score * {"ns/op": 1e-6, "us/op": 1e-3, "ms/op": 1.0, "s/op": 1e3}[unit]


def error(e):
    """JMH writes the error as a number, or as the string "NaN" when there were too few iterations."""
    try:
        e = float(e)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if e != e else e


def load(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            for r in json.load(f):
                m = r["primaryMetric"]
                rows.append({
                    "bench": r["benchmark"].split(".")[-2],
                    "params": r.get("params", {}),
                    "ms": to_ms(m["score"], m["scoreUnit"]),
                    "err_ms": to_ms(error(m["scoreError"]), m["scoreUnit"]),
                })
    return rows


def gemm_table(rows, out_md, out_tsv):
    g = [r for r in rows if r["bench"] == "GemmBenchmark"]
    if not g:
        return
    index = {}
    for r in g:
        p = r["params"]
        index[(p["backend"], p["shape"], p["transposes"], p["threads"])] = r
    out_md.append("| shape MxNxK | op | threads | backend | time (ms) | GFLOP/s | % of FMA peak | vs OpenBLAS | vs java |")
    out_md.append("|---|---|---|---|---|---|---|---|---|")
    out_tsv.append("#GEMM (1 thread unless noted)\tGFLOP/s")
    for r in sorted(g, key=lambda r: (r["params"]["shape"], r["params"]["transposes"], int(r["params"]["threads"]), r["params"]["backend"])):
        p = r["params"]
        m, n, k = (int(x) for x in p["shape"].split("x"))
        t = int(p["threads"])
        gf = 2.0 * m * n * k / (r["ms"] * 1e-3) / 1e9
        ob = index.get(("openblas", p["shape"], p["transposes"], p["threads"]))
        jv = index.get(("java", p["shape"], p["transposes"], "1")) or index.get(("java", p["shape"], p["transposes"], p["threads"]))
        vs_ob = "%.2fx" % (ob["ms"] / r["ms"]) if ob and p["backend"] != "openblas" else "-"
        if not ob and p["backend"] == "simd":
            ref = OPENBLAS_ISSUE.get(p["shape"], (None, None))[0 if t == 1 else 1]
            if ref:
                vs_ob = "%.2fx (issue figure)" % (gf / ref)
        vs_java = "%.1fx" % (jv["ms"] / r["ms"]) if jv and p["backend"] != "java" else "-"
        op = {"NN": "A·B", "NT": "A·Bᵀ", "TN": "Aᵀ·B", "TT": "Aᵀ·Bᵀ"}.get(p["transposes"], p["transposes"])
        out_md.append("| %s | %s | %d | %s | %.3f ± %.3f | %.1f | %.0f%% | %s | %s |" % (
            p["shape"], op, t, p["backend"], r["ms"], r["err_ms"], gf, 100 * gf / (PEAK_PER_CORE * t), vs_ob, vs_java))
        out_tsv.append("%s %s %dT\t%s\t%.2f" % (p["shape"], op, t, p["backend"], gf))
    out_md.append("")


def layer_table(rows, out_md, out_tsv, bench):
    g = [r for r in rows if r["bench"] == bench]
    if not g:
        return
    index = {}
    for r in g:
        p = r["params"]
        index[(p["backend"], p["cell"], p["shape"], p["mode"], p["threads"])] = r
    out_md.append("| %s cell | batch x time x input x units | mode | threads | backend | time (ms) | vs java | best peer (ms) | vs peer |" % bench)
    out_md.append("|---|---|---|---|---|---|---|---|---|")
    out_tsv.append("#%s (ms, lower is better)\tms" % bench)
    peers_drawn = set()
    for r in sorted(g, key=lambda r: (r["params"]["cell"], r["params"]["shape"], r["params"]["mode"], int(r["params"]["threads"]), r["params"]["backend"])):
        p = r["params"]
        t = int(p["threads"])
        jv = index.get(("java", p["cell"], p["shape"], p["mode"], "1")) or index.get(("java", p["cell"], p["shape"], p["mode"], p["threads"]))
        vs_java = "%.1fx" % (jv["ms"] / r["ms"]) if jv and p["backend"] != "java" else "-"
        peer = PEERS.get((p["cell"], p["shape"], p["mode"]))
        peer_ms = peer[0 if t == 1 else 1] if peer and t <= 2 else None
        out_md.append("| %s | %s | %s | %d | %s | %.3f ± %.3f | %s | %s | %s |" % (
            p["cell"], p["shape"], p["mode"], t, p["backend"], r["ms"], r["err_ms"], vs_java,
            "%.2f" % peer_ms if peer_ms else "-", "%.2fx" % (peer_ms / r["ms"]) if peer_ms else "-"))
        category = "%s %s %s %dT" % (p["cell"], p["shape"], p["mode"], t)
        out_tsv.append("%s\t%s\t%.3f" % (category, p["backend"], r["ms"]))
        if peer_ms and category not in peers_drawn:
            peers_drawn.add(category)
            out_tsv.append("%s\tbest peer (issue 4)\t%.3f" % (category, peer_ms))
    out_md.append("")


def main(argv):
    out = "bench/results/jmh"
    paths = []
    i = 0
    while i < len(argv):
        if argv[i] == "--out":
            out = argv[i + 1]
            i += 2
        else:
            paths.append(argv[i])
            i += 1
    if not paths:
        print(__doc__)
        return 2
    rows = load(paths)
    md, tsv = [], []
    gemm_table(rows, md, tsv)
    layer_table(rows, md, tsv, "LayerBenchmark")
    layer_table(rows, md, tsv, "CellBenchmark")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    with open(out + ".tsv", "w") as f:
        f.write("\n".join(tsv) + "\n")
    print("\n".join(md))
    jar = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "jmh", "target", "benchmarks.jar")
    if os.path.exists(jar):
        # one chart per table: split the TSV at its title lines
        parts, cur = [], []
        for line in tsv:
            if line.startswith("#") and cur:
                parts.append(cur)
                cur = []
            cur.append(line)
        if cur:
            parts.append(cur)
        for n, part in enumerate(parts):
            name = out + ("" if n == 0 else "-%d" % n)
            with open(name + ".part.tsv", "w") as f:
                f.write("\n".join(part) + "\n")
            java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
            subprocess.run([java, "-cp", jar, "io.rnn4j.jmh.report.Chart", name + ".part.tsv", name + ".png"], check=False)
            os.remove(name + ".part.tsv")
    else:
        print("no jmh/target/benchmarks.jar: skipped the PNG", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
