#!/usr/bin/env python3
"""Turn JMH JSON results (java -jar jmh/target/benchmarks.jar ... -rf json -rff r.json) into a
markdown table and a PNG bar chart. Standard library only; the PNG is drawn by
io.rnn4j.jmh.report.Chart (JFreeChart) from the benchmarks jar.

usage: python3 bench/jmh_report.py results.json [more.json ...] [--out bench/results/name]
                                   [--peak GFLOPS_PER_CORE] [--peers peers.tsv]
writes NAME.md, NAME.tsv and NAME.png (the PNG needs jmh/target/benchmarks.jar and a Java 21+
`java`: $JAVA_HOME/bin/java if JAVA_HOME is set, else the one on the PATH).

GEMM rows get GFLOP/s = 2MNK / time, the share of the FMA peak (--peak, per core, measured with
../shared/bench/peak.c on the machine that ran the benchmarks) and the ratio to OpenBLAS / java in
the same run. Layer rows get the time, the speed-up over java and over the best peer measured on
the same machine: backend=torch rows of the same JMH files (PyTorch 2.7.1 through DJL) and the
rows of --peers (tab-separated: peer, cell, shape, mode, threads, ms; e.g. PyTorch 1.13's
torch_rnn.py). The figures of issue 4 (another CPU) are listed beside them, not used as ratios.
"""
import json
import os
import subprocess
import sys

PEAK_PER_CORE = 225.0  # GFLOP/s, fp32 FMA (AVX-512), peak.c on the 2026-12-05 machine (Zen 5); --peak overrides
# Best peer per case from issue 4, measured on a Zen 4 machine (ms): (cell, shape, mode) -> (1 thread, 2 threads)
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
        index[(p["backend"], p["shape"], p["transposes"], p["threads"], p.get("jvm", "fresh"))] = r
    out_md.append("| shape MxNxK | op | threads | backend | time (ms) | GFLOP/s | % of FMA peak | vs OpenBLAS | vs java |")
    out_md.append("|---|---|---|---|---|---|---|---|---|")
    out_tsv.append("#GEMM (1 thread unless noted)\tGFLOP/s")
    for r in sorted(g, key=lambda r: (r["params"]["shape"], r["params"]["transposes"], int(r["params"]["threads"]),
                                      r["params"]["backend"], r["params"].get("jvm", "fresh"))):
        p = r["params"]
        m, n, k = (int(x) for x in p["shape"].split("x"))
        t = int(p["threads"])
        gf = 2.0 * m * n * k / (r["ms"] * 1e-3) / 1e9
        # jvm=mixed (GemmBenchmark ran other products first): compare with the peers of the same
        # kind of fork, else with a fresh one (OpenBLAS is native and the same either way).
        jvm = p.get("jvm", "fresh")
        def peer(backend, threads):
            return index.get((backend, p["shape"], p["transposes"], threads, jvm)) or index.get((backend, p["shape"], p["transposes"], threads, "fresh"))
        ob = peer("openblas", p["threads"])
        jv = peer("java", "1") or peer("java", p["threads"])
        vs_ob = "%.2fx" % (ob["ms"] / r["ms"]) if ob and p["backend"] != "openblas" else "-"
        if not ob and p["backend"] == "simd":
            ref = OPENBLAS_ISSUE.get(p["shape"], (None, None))[0 if t == 1 else 1]
            if ref:
                vs_ob = "%.2fx (issue figure)" % (gf / ref)
        vs_java = "%.1fx" % (jv["ms"] / r["ms"]) if jv and p["backend"] != "java" else "-"
        op = {"NN": "A·B", "NT": "A·Bᵀ", "TN": "Aᵀ·B", "TT": "Aᵀ·Bᵀ"}.get(p["transposes"], p["transposes"])
        label = p["backend"] if jvm == "fresh" else "%s (%s JVM)" % (p["backend"], jvm)
        out_md.append("| %s | %s | %d | %s | %.3f ± %.3f | %.1f | %.0f%% | %s | %s |" % (
            p["shape"], op, t, label, r["ms"], r["err_ms"], gf, 100 * gf / (PEAK_PER_CORE * t), vs_ob, vs_java))
        out_tsv.append("%s %s %dT\t%s\t%.2f" % (p["shape"], op, t, label, gf))
    out_md.append("")


def load_peers(path):
    """--peers TSV: peer, cell, shape, mode, threads, ms -> {(cell, shape, mode, threads): [(ms, peer)]}."""
    peers = {}
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            name, cell, shape, mode, threads, ms = line.rstrip("\n").split("\t")
            peers.setdefault((cell, shape, mode, threads), []).append((float(ms), name))
    return peers


def layer_table(rows, out_md, out_tsv, bench, peers):
    g = [r for r in rows if r["bench"] == bench]
    if not g:
        return
    index = {}
    for r in g:
        p = r["params"]
        index[(p["backend"], p["cell"], p["shape"], p["mode"], p["threads"])] = r
    out_md.append("| %s cell | batch x time x input x units | mode | threads | backend | time (ms) | vs java | best peer here (ms) | vs peer | issue 4 peer, Zen 4 (ms) |" % bench)
    out_md.append("|---|---|---|---|---|---|---|---|---|---|")
    out_tsv.append("#%s (ms, lower is better)\tms" % bench)
    peers_drawn = set()
    for r in sorted(g, key=lambda r: (r["params"]["cell"], r["params"]["shape"], r["params"]["mode"], int(r["params"]["threads"]), r["params"]["backend"])):
        p = r["params"]
        t = int(p["threads"])
        jv = index.get(("java", p["cell"], p["shape"], p["mode"], "1")) or index.get(("java", p["cell"], p["shape"], p["mode"], p["threads"]))
        vs_java = "%.1fx" % (jv["ms"] / r["ms"]) if jv and p["backend"] != "java" else "-"
        issue = PEERS.get((p["cell"], p["shape"], p["mode"]))
        issue_ms = issue[0 if t == 1 else 1] if issue and t <= 2 else None
        here = list(peers.get((p["cell"], p["shape"], p["mode"], p["threads"]), []))
        tr = index.get(("torch", p["cell"], p["shape"], p["mode"], p["threads"]))
        if tr:
            here.append((tr["ms"], "PyTorch 2.7.1 (DJL, JMH)"))
        best = min(here) if here else None
        is_peer = p["backend"] == "torch"
        out_md.append("| %s | %s | %s | %d | %s | %.3f ± %.3f | %s | %s | %s | %s |" % (
            p["cell"], p["shape"], p["mode"], t, p["backend"], r["ms"], r["err_ms"], vs_java,
            "%.2f (%s)" % best if best and not is_peer else "-",
            "%.2fx" % (best[0] / r["ms"]) if best and not is_peer else "-",
            "%.2f" % issue_ms if issue_ms else "-"))
        category = "%s %s %s %dT" % (p["cell"], p["shape"], p["mode"], t)
        if not is_peer:
            out_tsv.append("%s\t%s\t%.3f" % (category, p["backend"], r["ms"]))
        if best and category not in peers_drawn:
            peers_drawn.add(category)
            out_tsv.append("%s\tbest peer (same machine)\t%.3f" % (category, best[0]))
    out_md.append("")


def main(argv):
    global PEAK_PER_CORE
    out = "bench/results/jmh"
    paths = []
    peers = {}
    i = 0
    while i < len(argv):
        if argv[i] == "--out":
            out = argv[i + 1]
            i += 2
        elif argv[i] == "--peak":
            PEAK_PER_CORE = float(argv[i + 1])
            i += 2
        elif argv[i] == "--peers":
            peers = load_peers(argv[i + 1])
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
    layer_table(rows, md, tsv, "LayerBenchmark", peers)
    layer_table(rows, md, tsv, "CellBenchmark", peers)
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
