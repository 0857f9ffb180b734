#!/usr/bin/env python3
"""Summarises a bench/load.sh results folder: one row per wrk run, medians per target, ratios.

    python3 bench/wrk-report.py bench/results/load-<time>
"""
import os
import re
import statistics
import sys

TICK_US = 1e6 / os.sysconf("SC_CLK_TCK")
TARGETS = ["bare-nio", "bare-hb", "sluice-health", "direct", "nginx", "sluice", "baseline", "sluice-gov", "baseline-gov"]
LABELS = {
    "bare-nio": "bare SwiftNIO HTTP/1 handler (fixed answer)",
    "bare-hb": "bare Hummingbird 2 (fixed answer)",
    "sluice-health": "Sluice GET /health (no upstream)",
    "direct": "(a) wrk → nginx upstream",
    "nginx": "(b) wrk → nginx proxy → upstream",
    "sluice": "(c) wrk → Sluice → upstream",
    "baseline": "(c′) wrk → baseline Sluice → upstream",
    "sluice-gov": "(d) wrk → Sluice with governance → upstream",
    "baseline-gov": "(d′) wrk → baseline Sluice with governance → upstream",
}
TITLES = {
    "json": "non-streamed JSON",
    "sse": "streamed SSE (12 events per answer)",
    "json-c1": "non-streamed JSON, one connection",
}
UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6}


def duration_us(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(path):
    text = open(path).read()
    run = {"rps": None, "p50": None, "p90": None, "p99": None, "requests": 0, "non2xx": 0, "errors": "", "checked": None, "wrong": 0, "raw": text}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        run["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in", text):
        run["requests"] = int(m.group(1))
    for pct in ("50", "90", "99"):
        if m := re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M):
            run["p" + pct] = duration_us(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        run["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: (.*)", text):
        run["errors"] = m.group(1).strip()
    # bench/wrk/*.lua check every answer's status and body.
    if m := re.search(r"answers checked: (\d+), wrong: (\d+)", text):
        run["checked"], run["wrong"] = int(m.group(1)), int(m.group(2))
    return run


def fmt_us(value):
    if value is None:
        return "–"
    return f"{value / 1000:.2f} ms" if value >= 1000 else f"{value:.0f} µs"


def fmt_rps(value):
    return "–" if value is None else f"{value:,.0f}"


def print_baseline_ratios(runs, target, baseline):
    """Ratios of a Sluice target to its baseline binary, within each round, then their median."""
    pairs = []
    for rnd in sorted({run["round"] for run in runs}):
        by = {run["target"]: run for run in runs if run["round"] == rnd and run["rps"] is not None}
        if {target, baseline} <= by.keys():
            pairs.append((by[target], by[baseline]))
    if not pairs:
        return

    def line(label, key, better):
        values = [a[key] / b[key] for a, b in pairs if a[key] is not None and b[key]]
        if values:
            print(
                f"- {target} / {baseline} {label}: **{statistics.median(values):.3f}x** "
                f"(per round: {', '.join(f'{v:.3f}' for v in values)}; {better} is better)"
            )

    line("req/s", "rps", "higher")
    line("p50", "p50", "lower")
    line("p99", "p99", "lower")
    line("CPU/req", "cpu_us", "lower")


def main(folder):
    lines = [line for line in open(os.path.join(folder, "runs.tsv")) if not line.startswith("#")]
    header = lines[0].rstrip("\n").split("\t")
    runs = []
    for line in lines[1:]:
        row = dict(zip(header, line.rstrip("\n").split("\t")))
        run = parse_wrk(os.path.join(folder, row["file"]))
        run.update(mode=row["mode"], round=int(row["round"]), target=row["target"], load1=row["load1"], command=row.get("wrk", ""))
        ticks = int(row["cpu_ticks"])
        run["cpu_us"] = ticks * TICK_US / run["requests"] if run["requests"] else None
        runs.append(run)

    modes = list(dict.fromkeys(run["mode"] for run in runs))
    for mode in modes:
        title = TITLES.get(mode, mode)
        mine = [run for run in runs if run["mode"] == mode]
        print(f"### {title}\n")
        print("`" + re.sub(r"http://127\.0\.0\.1:\d+\S*", "<url>", mine[0]["command"]) + "`\n")
        print("| round | target | req/s | p50 | p90 | p99 | CPU/req (target process) | non-2xx | wrong answers | socket errors | load1 |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        for run in mine:
            cpu = f"{run['cpu_us']:.1f} µs" if run["cpu_us"] is not None else "–"
            print(
                f"| {run['round']} | {run['target']} | {fmt_rps(run['rps'])} | {fmt_us(run['p50'])} | {fmt_us(run['p90'])} | "
                f"{fmt_us(run['p99'])} | {cpu} | {run['non2xx']} | {run['wrong'] if run['checked'] is not None else '–'} | "
                f"{run['errors'] or '–'} | {run['load1']} |"
            )
        print()
        print("| target | req/s (median, range) | p50 (median) | p99 (median) | CPU/req (median) |")
        print("|---|---:|---:|---:|---:|")
        medians = {}
        for target in TARGETS:
            sel = [run for run in mine if run["target"] == target and run["rps"] is not None]
            if not sel:
                continue
            rps = [run["rps"] for run in sel]
            med = {
                "rps": statistics.median(rps),
                "p50": statistics.median(run["p50"] for run in sel),
                "p99": statistics.median(run["p99"] for run in sel),
                "cpu": statistics.median(run["cpu_us"] for run in sel if run["cpu_us"] is not None),
            }
            medians[target] = med
            print(
                f"| {LABELS[target]} | {fmt_rps(med['rps'])} ({fmt_rps(min(rps))}–{fmt_rps(max(rps))}) | "
                f"{fmt_us(med['p50'])} | {fmt_us(med['p99'])} | {med['cpu']:.1f} µs |"
            )
        print()
        # Ratios within each round (same background load), then the median over rounds.
        ratio, over_direct, over_nginx, governance = [], [], [], []
        for rnd in sorted({run["round"] for run in mine}):
            by = {run["target"]: run for run in mine if run["round"] == rnd and run["rps"] is not None}
            if {"sluice", "nginx", "direct"} <= by.keys():
                ratio.append(by["sluice"]["rps"] / by["nginx"]["rps"])
                over_direct.append(by["sluice"]["p50"] - by["direct"]["p50"])
                over_nginx.append(by["sluice"]["p50"] - by["nginx"]["p50"])
            if {"sluice", "sluice-gov"} <= by.keys():
                governance.append(by["sluice-gov"]["p50"] - by["sluice"]["p50"])
        if ratio:
            print(
                f"- Sluice / nginx proxy throughput: **{statistics.median(ratio):.2f}x** "
                f"(per round: {', '.join(f'{r:.2f}' for r in ratio)})"
            )
            print(
                f"- Sluice p50 − direct p50: **{fmt_us(statistics.median(over_direct))}** "
                f"(per round: {', '.join(fmt_us(v) for v in over_direct)})"
            )
            print(
                f"- Sluice p50 − nginx proxy p50: **{fmt_us(statistics.median(over_nginx))}** "
                f"(per round: {', '.join(fmt_us(v) for v in over_nginx)})"
            )
            if "sluice" in medians and "nginx" in medians:
                print(f"- CPU per request, Sluice / nginx proxy: {medians['sluice']['cpu'] / medians['nginx']['cpu']:.1f}x")
        if governance:
            print(
                f"- Governance on − off, p50: **{fmt_us(statistics.median(governance))}** "
                f"(per round: {', '.join(fmt_us(v) for v in governance)})"
            )
            if "sluice" in medians and "sluice-gov" in medians:
                print(f"- CPU per request, governance on − off: {medians['sluice-gov']['cpu'] - medians['sluice']['cpu']:.1f} µs")
        for mine_target, base_target in (("sluice", "baseline"), ("sluice-gov", "baseline-gov")):
            print_baseline_ratios(mine, mine_target, base_target)
        bad = [run for run in mine if run["non2xx"] or run["wrong"] or run["errors"] or run["rps"] is None]
        for run in bad:
            print(
                f"- round {run['round']} {run['target']}: non-2xx {run['non2xx']}, wrong answers {run['wrong']}, "
                f"socket errors: {run['errors'] or 'none'}"
            )
        print()


if __name__ == "__main__":
    main(sys.argv[1])
