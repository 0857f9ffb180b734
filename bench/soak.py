#!/usr/bin/env python3
"""Soak: is Sluice flat (memory, descriptors, threads, requests in flight) after an hour of steady
load with streams, clients that leave mid-stream, config reloads and key churn?

    python3 bench/soak.py                                  # one hour, then a minute idle
    python3 bench/soak.py --duration 300 --binary /tmp/sluice

On loopback: an upstream Sluice serves the mock model (`paced`) as an OpenAI-compatible server;
the measured Sluice, with an SQLite store (tenant, virtual keys, budgets, the usage ledger),
serves model `chat` over two deployments: the upstream (relayed HTTP streams) and an in-process
mock. Load (bench/mixload.py, open-loop at --rate per second): streams, non-streamed answers, and
streams the client leaves after one to four events. Meanwhile:
  * every --reload-every seconds the config file is changed (weights, a timeout, an extra model)
    and reloaded, by SIGHUP and POST /admin/reload in turn;
  * every --churn-every seconds a virtual key is made (with a token budget of its own) and joins
    the keys the load uses, the oldest leaves them and is revoked, and a request with the revoked
    key must get 401.
Every --interval seconds a CSV row records the gateway's VmRSS and VmHWM, open descriptors,
threads, CPU share, `sluice_requests_in_flight`, the deployments' requests in flight (/ready),
the client's requests in flight, and the requests of the interval by outcome. After the load,
--idle seconds of rows without traffic; then the figures at rest, and (after SIGTERM) the ledger
and budget checks of bench/mixload.py. The plot (--png) shows the four series over time.

Exits 1 when a check fails or the gateway dies.
"""

import argparse
import asyncio
import csv
import datetime
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import aiohttp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mixload  # noqa: E402

GATEWAY_CONFIG = """
server: {{ host: 127.0.0.1, port: {port}, max_connections: 4096, max_connections_per_address: 4096, drain_timeout: 10s }}
log: {{ level: warning, format: json }}
timeouts: {{ connect: 2s, first_token: 10s, between_tokens: {between}, request: 60s }}
upstream: {{ max_connections_per_host: 256, idle_timeout: 30s }}
auth: {{ api_keys: [sk-static-soak], admin_key: {admin_key} }}
store: {{ sqlite: "{store}", ledger_flush_interval: 200ms, key_refresh_interval: 5s, lease_ttl: 30s }}
limits:
  per_ip: {{ requests_per_minute: 100000000 }}
  per_key: {{ requests_per_minute: 100000000, tokens_per_minute: 1000000000 }}
models:
  - name: chat
    routing: {{ strategy: least-requests, retries: 1 }}
    deployments:
      - {{ provider: openai, base_url: "http://127.0.0.1:{upstream_port}/v1", api_key: sk-upstream, model: paced, weight: {weight},
           price: {{ input_per_million: 2.5, output_per_million: 10 }} }}
      - provider: mock
        model: local
        price: {{ input_per_million: 2.5, output_per_million: 10 }}
        mock: {{ time_to_first_token: 50ms, tokens_per_second: 40, completion_tokens: 24 }}
{extra}"""

EXTRA_MODEL = """  - name: chat-b
    deployments:
      - { provider: mock, model: b, mock: { time_to_first_token: 10ms, tokens_per_second: 0, completion_tokens: 8 } }
"""

FIELDS = [
    "utc", "elapsed_s", "phase", "rss_kib", "hwm_kib", "fds", "threads", "cpu_pct", "in_flight_gauge", "deployment_in_flight",
    "client_in_flight", "requests", "ok", "cancelled", "errors", "requests_per_s", "reloads", "keys_made", "keys_revoked", "upstream_rss_kib",
]


def render(args, folder, variant):
    """Config A (variant 0) or B (1): B changes a weight and a timeout and adds a model."""
    text = GATEWAY_CONFIG.format(
        port=args.port, upstream_port=args.port + 1, admin_key=mixload.ADMIN_KEY, store=os.path.join(folder, "store.sqlite"),
        weight=1 if variant == 0 else 2, between="5s" if variant == 0 else "6s", extra="" if variant == 0 else EXTRA_MODEL,
    )
    path = os.path.join(folder, "sluice.yaml")
    with open(path + ".tmp", "w") as file:
        file.write(text)
    os.replace(path + ".tmp", path)
    return path


async def soak(args, folder, gateway_process, upstream_process, rows):
    seed = args.seed
    churn_random = random.Random(seed + 1)
    run_id = f"soak{seed}"
    base = f"http://127.0.0.1:{args.port}"
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        gateway = mixload.Gateway(session, base)
        await gateway.admin("POST", "tenants", {"id": "soak", "name": "soak"})
        tenant_budget = await gateway.admin("POST", "budgets", {"scope": "tenant", "scope_id": "soak", "unit": "usd", "period": "total", "limit": 1000})
        budgets = [{"id": tenant_budget["id"], "label": "tenant soak (usd)", "scope": "tenant", "scope_id": "soak", "unit": "usd", "limit": 1000 * 1_000_000}]
        pool = []  # (key id, key) the load uses
        revoked = []
        counts = {"reloads": 0, "keys_made": 0, "keys_revoked": 0, "revoked_refused": 0, "revoked_accepted": 0}

        async def make_key():
            made = await gateway.admin("POST", "keys", {"name": f"soak-{counts['keys_made']}", "tenant_id": "soak"})
            budget = await gateway.admin("POST", "budgets", {"scope": "key", "scope_id": made["id"], "unit": "tokens", "period": "total", "limit": 100_000_000})
            budgets.append({"id": budget["id"], "label": f"key {made['id']} (tokens)", "scope": "key", "scope_id": made["id"], "unit": "tokens", "limit": 100_000_000})
            counts["keys_made"] += 1
            pool.append((made["id"], made["key"]))

        for _ in range(3):
            await make_key()

        def pick_key():
            return churn_random.choice(pool)

        phase = ["load"]
        load = mixload.Load(base, "chat", args.rate, {"stream": 0.6, "json": 0.25, "cancel": 0.15}, pick_key, lambda: phase[0], seed, run_id)
        start = time.monotonic()
        load_task = asyncio.create_task(load.run(session))

        async def churn():
            while not load.stopping:
                await asyncio.sleep(args.churn_every)
                if load.stopping:
                    break
                await make_key()
                key_id, key = pool.pop(0)
                await asyncio.sleep(2)
                await gateway.admin("DELETE", f"keys/{key_id}")
                counts["keys_revoked"] += 1
                revoked.append(key_id)
                async with session.post(
                    f"{base}/v1/chat/completions", json={"model": "chat", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4},
                    headers={"authorization": f"Bearer {key}", "x-request-id": f"{run_id}-revoked-{key_id}"},
                ) as answer:
                    await answer.read()
                    counts["revoked_refused" if answer.status == 401 else "revoked_accepted"] += 1

        async def reload():
            variant = 0
            while not load.stopping:
                await asyncio.sleep(args.reload_every)
                if load.stopping:
                    break
                variant = 1 - variant
                render(args, folder, variant)
                if counts["reloads"] % 2 == 0:
                    gateway_process.signal(signal.SIGHUP)
                else:
                    await gateway.admin("POST", "reload")
                counts["reloads"] += 1

        async def sample(last, seen):
            now = time.monotonic()
            process = mixload.proc_sample(gateway_process.pid)
            upstream = mixload.proc_sample(upstream_process.pid)
            metrics = await gateway.metrics()
            ready = await gateway.ready()
            finished = load.outcomes[seen:]
            cpu = (process["cpu_s"] - last["cpu_s"]) / max(1e-9, now - last["time"]) * 100 if last else 0.0
            row = {
                "utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "elapsed_s": round(now - start), "phase": phase[0], "rss_kib": process["rss_kib"], "hwm_kib": process["hwm_kib"],
                "fds": process["fds"], "threads": process["threads"], "cpu_pct": round(cpu, 1),
                "in_flight_gauge": int(sum(value for _, value in metrics.get("sluice_requests_in_flight", []))),
                "deployment_in_flight": sum(deployment["in_flight"] for deployment in ready["deployments"]),
                "client_in_flight": load.in_flight, "requests": len(finished),
                "ok": sum(1 for o in finished if o.error is None and o.kind != "cancel"),
                "cancelled": sum(1 for o in finished if o.kind == "cancel" and o.error is None),
                "errors": sum(1 for o in finished if o.error is not None),
                "requests_per_s": round(len(finished) / max(1e-9, now - last["time"]), 1) if last else 0,
                "reloads": counts["reloads"], "keys_made": counts["keys_made"], "keys_revoked": counts["keys_revoked"],
                "upstream_rss_kib": upstream["rss_kib"],
            }
            rows.append(row)
            with open(args.csv, "a", newline="") as file:
                csv.DictWriter(file, FIELDS).writerow(row)
            return {"cpu_s": process["cpu_s"], "time": now}, len(load.outcomes)

        background = [asyncio.create_task(churn()), asyncio.create_task(reload())]
        last, seen = await sample(None, 0)
        next_row = start + args.interval
        while time.monotonic() - start < args.duration:
            await asyncio.sleep(max(0, next_row - time.monotonic()))
            next_row += args.interval
            if not gateway_process.alive():
                raise SystemExit(f"!! the gateway exited:\n{gateway_process.tail()}")
            last, seen = await sample(last, seen)
            if len(rows) % 6 == 0:
                row = rows[-1]
                print(f"  {row['elapsed_s']:>5} s  rss {row['rss_kib'] / 1024:.1f} MiB  fds {row['fds']}  threads {row['threads']}  "
                      f"cpu {row['cpu_pct']} %  in flight {row['in_flight_gauge']}  {row['requests_per_s']} req/s  errors {row['errors']}", flush=True)
        await load.drain()
        load_task.cancel()
        for task in background:
            task.cancel()
        await asyncio.gather(load_task, *background, return_exceptions=True)
        phase[0] = "idle"
        idle_end = time.monotonic() + args.idle
        while time.monotonic() < idle_end:
            await asyncio.sleep(max(0, next_row - time.monotonic()))
            next_row += args.interval
            last, seen = await sample(last, seen)
        figures, reserved = await mixload.wait_at_rest(gateway)
        return load.outcomes, budgets, counts, figures, reserved, run_id


def summarise(rows):
    """Flatness: RSS at 10 min and at the end of the load, a least-squares slope after 10 min, and the
    ranges of descriptors, threads and requests in flight during the load."""
    load = [row for row in rows if row["phase"] == "load"]
    if len(load) < 3:
        return []
    end = load[-1]["elapsed_s"]
    later = [row for row in load if row["elapsed_s"] >= min(600, end / 6)]
    at_ten = later[0]
    xs = [row["elapsed_s"] / 3600 for row in later]
    ys = [row["rss_kib"] / 1024 for row in later]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / max(1e-12, sum((x - mean_x) ** 2 for x in xs))
    idle = [row for row in rows if row["phase"] == "idle"]
    lines = [
        f"RSS {at_ten['rss_kib'] / 1024:.1f} MiB at {at_ten['elapsed_s']} s, {end_row['rss_kib'] / 1024:.1f} MiB at {end_row['elapsed_s']} s; "
        f"least-squares slope from {at_ten['elapsed_s']} s: {slope:+.2f} MiB/h; peak (VmHWM) {end_row['hwm_kib'] / 1024:.1f} MiB"
        for end_row in [load[-1]]
    ]
    for name in ("fds", "threads", "in_flight_gauge", "deployment_in_flight", "cpu_pct"):
        values = [row[name] for row in later]
        lines.append(f"{name} after {at_ten['elapsed_s']} s: min {min(values)}, max {max(values)}, mean {sum(values) / len(values):.1f}")
    if idle:
        lines.append(f"idle at the end: RSS {idle[-1]['rss_kib'] / 1024:.1f} MiB, fds {idle[-1]['fds']}, threads {idle[-1]['threads']}, in flight {idle[-1]['in_flight_gauge']}")
    total = sum(row["requests"] for row in rows)
    errors = sum(row["errors"] for row in rows)
    lines.append(f"requests {total} ({total / max(1, end):.1f}/s), errors {errors}, reloads {load[-1]['reloads']}, keys made {load[-1]['keys_made']}, revoked {load[-1]['keys_revoked']}")
    return lines


def plot(rows, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [row["elapsed_s"] / 60 for row in rows]
    figure, axes = plt.subplots(4, 1, figsize=(9, 10), sharex=True)
    axes[0].plot(minutes, [row["rss_kib"] / 1024 for row in rows], label="gateway VmRSS")
    axes[0].plot(minutes, [row["hwm_kib"] / 1024 for row in rows], label="gateway VmHWM", linestyle=":")
    axes[0].set_ylabel("MiB")
    axes[0].set_ylim(bottom=0)
    axes[1].plot(minutes, [row["fds"] for row in rows], label="open descriptors")
    axes[1].set_ylim(bottom=0)
    axes[2].plot(minutes, [row["threads"] for row in rows], label="threads", color="tab:green")
    axes[2].set_ylim(bottom=0, top=max(row["threads"] for row in rows) * 1.3)
    axes[3].plot(minutes, [row["in_flight_gauge"] for row in rows], label="sluice_requests_in_flight", linewidth=0.8)
    axes[3].plot(minutes, [row["deployment_in_flight"] for row in rows], label="deployments' in flight (/ready)", linewidth=0.8)
    axes[3].plot(minutes, [row["requests_per_s"] for row in rows], label="finished requests/s", linewidth=0.8, color="grey")
    axes[3].set_ylim(bottom=0)
    axes[3].set_xlabel("minutes")
    for axis in axes:
        axis.legend(loc="upper right", fontsize=8)
        axis.grid(alpha=0.3)
    axes[0].set_title(textwrap.fill(title, 110), fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("SLUICE_BIN", mixload.DEFAULT_BINARY), help="sluice binary (env SLUICE_BIN); built when the default is missing")
    parser.add_argument("--duration", type=float, default=3600, help="seconds of load")
    parser.add_argument("--idle", type=float, default=60, help="seconds of rows after the load")
    parser.add_argument("--interval", type=float, default=10, help="seconds between rows")
    parser.add_argument("--rate", type=float, default=12, help="requests started per second")
    parser.add_argument("--reload-every", type=float, default=60)
    parser.add_argument("--churn-every", type=float, default=20)
    parser.add_argument("--port", type=int, default=28400, help="the gateway's port; the upstream's is the next")
    parser.add_argument("--seed", type=int, default=None)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    parser.add_argument("--csv", default=os.path.join(mixload.ROOT, "bench", "results", f"soak-{stamp}.csv"))
    parser.add_argument("--png", default=os.path.join(mixload.ROOT, "bench", "results", f"soak-{stamp}.png"), help="the plot (bench/figures/soak.png is the committed one)")
    parser.add_argument("--plot-only", metavar="CSV", help="only draw --png from the rows of an earlier run")
    args = parser.parse_args()
    if args.plot_only:
        with open(args.plot_only) as file:
            title = file.readline().lstrip("# ").strip()
            rows = [{key: (value if key in ("utc", "phase") else int(value) if value.lstrip("-").isdigit() else float(value)) for key, value in row.items()} for row in csv.DictReader(file)]
        plot(rows, args.png, title)
        print("\n".join(summarise(rows)) + f"\nplot: {args.png}")
        return 0
    args.seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    binary = mixload.ensure_binary(args.binary)
    os.makedirs(os.path.dirname(args.csv), exist_ok=True)
    os.makedirs(os.path.dirname(args.png), exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=mixload.ROOT, capture_output=True, text=True).stdout.strip() or "unknown"
    header = (f"sluice soak {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}, {binary}, seed {args.seed}, "
              f"{args.rate:g} req/s (60 % streams, 25 % non-streamed, 15 % left mid-stream), reload every {args.reload_every:g} s, "
              f"key churn every {args.churn_every:g} s, {os.cpu_count()} cores")
    print(f"== {header}\n   rows every {args.interval:g} s in {args.csv}", flush=True)
    with open(args.csv, "w", newline="") as file:
        file.write("# " + header + "\n")
        csv.DictWriter(file, FIELDS).writeheader()

    folder = tempfile.mkdtemp(prefix="sluice-soak.")
    processes = []
    status = 0
    try:
        upstream_config = os.path.join(folder, "upstream.yaml")
        with open(upstream_config, "w") as file:
            file.write(mixload.UPSTREAM_CONFIG.format(host="127.0.0.1", port=args.port + 1, model="paced", ttft="50ms", tps=40))
        upstream = mixload.Process(binary, upstream_config, os.path.join(folder, "upstream.log"))
        processes.append(upstream)
        gateway = mixload.Process(binary, render(args, folder, 0), os.path.join(folder, "sluice.log"))
        processes.append(gateway)
        mixload.wait_healthy(f"http://127.0.0.1:{args.port + 1}/health", upstream)
        mixload.wait_healthy(f"http://127.0.0.1:{args.port}/health", gateway)
        rows = []
        outcomes, budgets, counts, figures, reserved, run_id = asyncio.run(soak(args, folder, gateway, upstream, rows))
        code = gateway.stop()
        checks = [("the gateway exits cleanly on SIGTERM", code == 0, f"exit status {code}")]
        checks += [(f"at rest: {name} is 0", value == 0, f"{value}") for name, value in figures.items()]
        checks += [(f"at rest: budget {budget_id} reserved is 0", value == 0, f"{value}") for budget_id, value in reserved.items()]
        checks.append(("revoked keys are refused (401)", counts["revoked_accepted"] == 0, f"{counts['revoked_refused']} refused, {counts['revoked_accepted']} accepted"))
        checks += mixload.ledger_checks(os.path.join(folder, "store.sqlite"), outcomes, budgets, id_prefix=run_id + "-")

        print("\n== outcomes")
        kinds = {}
        for outcome in outcomes:
            kinds.setdefault((outcome.kind, outcome.error or "ok"), 0)
            kinds[(outcome.kind, outcome.error or "ok")] += 1
        for (kind, error), count in sorted(kinds.items()):
            print(f"  {kind:<7} {error:<28} {count}")
        print("== flatness")
        for line in summarise(rows):
            print("  " + line)
        print("== checks")
        for name, ok, detail in checks:
            print(f"  {'ok ' if ok else 'FAIL'} {name}: {detail}")
            if not ok:
                status = 1
        plot(rows, args.png, header)
        print(f"rows: {args.csv}\nplot: {args.png}\nlogs: {folder}")
    finally:
        for process in reversed(processes):
            process.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
