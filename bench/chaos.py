#!/usr/bin/env python3
"""Chaos: Sluice in front of three upstreams over real network links that turn slow, lossy,
reset and partitioned under steady load; what clients see, and whether the books balance after.

    sudo python3 bench/chaos.py                              # about ten minutes
    sudo python3 bench/chaos.py --binary /tmp/sluice --phase-seconds 30 --seed 7

Topology (`ip netns`, one veth pair per upstream): the measured Sluice and the load client in
namespace `<prefix>-gw`; upstream k (1..3) in `<prefix>-uk`, reached at 10.213.k.2:9000 over the
pair 10.213.k.1 <-> 10.213.k.2. There a relay (this script, --relay) forwards to a Sluice serving
the mock model (`paced-k`: 50 ms to the first token, then 40 tokens/s, as many as the request's
max_tokens) as an OpenAI-compatible server, so answers and usage follow the request. The gateway
serves model `chat` over the three (strategy `latency`, 2 retries, circuit breakers, a retry
budget), with an SQLite store: tenant `chaos` with a dollar budget the run consumes part of,
three keys (one with a token budget of its own), and a fourth key, used by 5 % of the requests,
whose small token budget runs out during the run (its 429 budget_exceeded answers are expected
and reported apart; its spend must stay within the limit).

Phases (--phase-seconds each, the two-upstream partition half as long), steady open-loop load
throughout (bench/mixload.py: 55 % streams, 30 % non-streamed, 15 % streams left mid-way):
  baseline        no fault
  latency         upstream 1: 400 ms +- 200 ms more per round trip
  loss            upstream 2: 10 % of the packets lost each way
  resets          upstream 3: 5 % of the TCP segments it receives answered by a reset
  partition-one   upstream 1: every packet dropped both ways (silent: no reset, no ICMP)
  partition-two   upstreams 1 and 2 partitioned
  heal            no fault
Latency and loss use `tc netem` on both ends of the link where the kernel has sch_netem; where
it does not (some VM kernels), latency is added by the relay (every chunk it forwards, both ways,
held for a normally distributed time, in order) and loss by iptables' `statistic` match (DROP).
Resets are iptables REJECT --reject-with tcp-reset, the partitions iptables DROP on the link.
Per phase: requests, the client-visible error rate by kind, p50/p99 latency, time to first token,
the gateway's upstream errors and retries, and the breakers at the phase's end. Afterwards: the
figures at rest (requests in flight, the deployments' in-flight requests and tokens, every
budget's reservation, the breakers closed again), then after SIGTERM the ledger and budget checks
of bench/mixload.py (one ledger row per answered request, ledger spend equal to settled spend,
nothing leased) and the gateway's request counter against the ledger. Exits 1 when a check fails.

Namespaces and processes are removed on exit, also on Ctrl-C. Needs root, iproute2 (tc), iptables
and aiohttp; --png writes a timeline of the run.
"""

import argparse
import asyncio
import ctypes
import datetime
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

import aiohttp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mixload  # noqa: E402

UPSTREAM_PORT = 9000
CLONE_NEWNET = 0x40000000

GATEWAY_CONFIG = """
server: {{ host: 127.0.0.1, port: {port}, max_connections: 4096, max_connections_per_address: 4096, drain_timeout: 15s }}
log: {{ level: warning, format: json }}
timeouts: {{ connect: 1s, first_token: 5s, between_tokens: 3s, request: 30s }}
upstream: {{ max_connections_per_host: 128, idle_timeout: 30s }}
resilience:
  breaker: {{ failures: 3, open_for: 2s, max_open_for: 16s, probe_interval: 1s }}
  retry_budget: {{ ratio: 0.5, minimum_per_second: 10 }}
auth: {{ api_keys: [sk-static-chaos], admin_key: {admin_key} }}
store: {{ sqlite: "{store}", ledger_flush_interval: 200ms, key_refresh_interval: 5s, lease_ttl: 30s }}
limits:
  per_ip: {{ requests_per_minute: 100000000 }}
  per_key: {{ requests_per_minute: 100000000, tokens_per_minute: 1000000000 }}
models:
  - name: chat
    routing: {{ strategy: latency, retries: 2 }}
    deployments:
{deployments}"""

DEPLOYMENT = """      - {{ provider: openai, base_url: "http://10.213.{k}.2:{port}/v1", api_key: sk-upstream, model: paced-{k},
           price: {{ input_per_million: 2.5, output_per_million: 10 }} }}
"""


def run(command, check=True):
    result = subprocess.run(command, shell=True, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{command}: {result.stderr.strip()}")
    return result


class Network:
    """The namespaces and links, and the faults put on them."""

    def __init__(self, prefix, folder):
        self.prefix = prefix
        self.folder = folder
        self.has_netem = False
        self.gw = f"{prefix}-gw"
        self.ups = [f"{prefix}-u{k}" for k in (1, 2, 3)]
        self.made = []

    def link(self, k, side):
        # Interface names: at most 15 characters.
        return f"{self.prefix[-8:]}{'g' if side == 'gw' else 'u'}{k}"

    def up(self):
        for name in [self.gw] + self.ups:
            run(f"ip netns add {name}")
            self.made.append(name)
            run(f"ip -n {name} link set lo up")
        for k, up in enumerate(self.ups, 1):
            gw_if, up_if = self.link(k, "gw"), self.link(k, "up")
            run(f"ip link add {gw_if} netns {self.gw} type veth peer name {up_if} netns {up}")
            run(f"ip -n {self.gw} addr add 10.213.{k}.1/24 dev {gw_if}")
            run(f"ip -n {self.gw} link set {gw_if} up")
            run(f"ip -n {up} addr add 10.213.{k}.2/24 dev {up_if}")
            run(f"ip -n {up} link set {up_if} up")

    def enter_gateway_namespace(self):
        """Moves this process (before it starts any thread) into the gateway's namespace: the gateway
        and the load client it starts run there."""
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        fd = os.open(f"/run/netns/{self.gw}", os.O_RDONLY)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        os.close(fd)

    def netem_available(self):
        """Whether this kernel has the netem qdisc (sch_netem); some (VM kernels) lack it."""
        return run(f"ip netns exec {self.gw} tc qdisc add dev lo root netem delay 0ms", check=False).returncode == 0 and not run(
            f"ip netns exec {self.gw} tc qdisc del dev lo root", check=False
        ).returncode

    def netem(self, k, spec):
        """netem `spec` on both ends of upstream k's link (each end shapes what it sends)."""
        for namespace, interface in ((self.gw, self.link(k, "gw")), (self.ups[k - 1], self.link(k, "up"))):
            run(f"ip netns exec {namespace} tc qdisc replace dev {interface} root netem {spec}")

    def iptables(self, k, rule):
        """An iptables rule in upstream k's namespace."""
        run(f"ip netns exec {self.ups[k - 1]} iptables {rule}")

    def delay(self, k, mean_ms, jitter_ms):
        """Latency and jitter: netem where the kernel has it, else the upstream's relay (`--relay`) holds
        every chunk it forwards, both ways, for a normally distributed time, in order."""
        if self.has_netem:
            self.netem(k, f"delay {mean_ms / 2:g}ms {jitter_ms / 2:g}ms distribution normal")
        else:
            with open(self.delay_file(k), "w") as file:
                file.write(f"{mean_ms} {jitter_ms}\n")

    def loss(self, k, share):
        """Packet loss both ways: netem where the kernel has it, else iptables drops at random."""
        if self.has_netem:
            self.netem(k, f"loss {share * 100:g}%")
        else:
            interface = self.link(k, "up")
            self.iptables(k, f"-A INPUT -i {interface} -m statistic --mode random --probability {share} -j DROP")
            self.iptables(k, f"-A OUTPUT -o {interface} -m statistic --mode random --probability {share} -j DROP")

    def resets(self, k, probability):
        """A share of the TCP segments upstream k receives answered by a reset, which ends the connection."""
        self.iptables(k, f"-A INPUT -p tcp --dport {UPSTREAM_PORT} -m statistic --mode random --probability {probability} -j REJECT --reject-with tcp-reset")

    def partition(self, k):
        """Every packet to and from upstream k dropped: a silent partition (no reset, no ICMP)."""
        interface = self.link(k, "up")
        self.iptables(k, f"-A INPUT -i {interface} -j DROP")
        self.iptables(k, f"-A OUTPUT -o {interface} -j DROP")

    def delay_file(self, k):
        return os.path.join(self.folder, f"delay-{k}")

    def heal(self):
        for k, up in enumerate(self.ups, 1):
            if self.has_netem:
                for namespace, interface in ((self.gw, self.link(k, "gw")), (up, self.link(k, "up"))):
                    run(f"ip netns exec {namespace} tc qdisc del dev {interface} root", check=False)
            run(f"ip netns exec {up} iptables -F INPUT", check=False)
            run(f"ip netns exec {up} iptables -F OUTPUT", check=False)
            with open(self.delay_file(k), "w") as file:
                file.write("0 0\n")

    def down(self):
        for name in reversed(self.made):
            run(f"ip netns del {name}", check=False)
        self.made = []


PHASES = [
    ("baseline", 1.0, lambda net: None),
    ("latency", 1.0, lambda net: net.delay(1, 400, 200)),
    ("loss", 1.0, lambda net: net.loss(2, 0.10)),
    ("resets", 1.0, lambda net: net.resets(3, 0.05)),
    ("partition-one", 1.0, lambda net: net.partition(1)),
    ("partition-two", 0.5, lambda net: (net.partition(1), net.partition(2))),
    ("heal", 1.0, lambda net: None),
]


# ---------------------------------------------------------------- the relay (--relay)


async def relay(listen, target, delay_file):
    """A TCP relay in front of an upstream that delays what it forwards, both ways, by the
    `mean jitter` milliseconds in `delay_file` (normally distributed, never negative, in order):
    latency and jitter where the kernel has no netem."""
    listen_host, listen_port = listen.rsplit(":", 1)
    target_host, target_port = target.rsplit(":", 1)
    setting = [0.0, 0.0]
    chance = random.Random()

    async def watch():
        while True:
            try:
                mean, jitter = open(delay_file).read().split()
                setting[:] = [float(mean) / 1000, float(jitter) / 1000]
            except (OSError, ValueError):
                pass
            await asyncio.sleep(0.2)

    async def pipe(reader, writer):
        queue = asyncio.Queue()

        async def deliver():
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = asyncio.create_task(deliver())
        last_due = 0.0
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                mean, jitter = setting
                due = time.monotonic() + max(0.0, chance.gauss(mean, jitter)) if mean or jitter else time.monotonic()
                last_due = max(last_due, due)
                queue.put_nowait((last_due, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((0, None))
        try:
            await sender
        except (ConnectionError, OSError):
            pass

    async def connection(client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(target_host, int(target_port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer), return_exceptions=True)
        for writer in (client_writer, upstream_writer):
            writer.close()

    watcher = asyncio.create_task(watch())
    server = await asyncio.start_server(connection, listen_host, int(listen_port), backlog=4096)
    async with server:
        await server.serve_forever()
    watcher.cancel()


def upstream_errors(metrics):
    return {(labels.get("deployment"), labels.get("reason")): value for labels, value in metrics.get("sluice_upstream_errors_total", [])}


def requests_total(metrics):
    return sum(value for _, value in metrics.get("sluice_requests_total", []))


def retries_total(metrics):
    return sum(value for _, value in metrics.get("sluice_retries_total", []))


async def chaos(args, net, folder, gateway_process, timeline):
    base = f"http://127.0.0.1:{args.port}"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        gateway = mixload.Gateway(session, base)
        await gateway.admin("POST", "tenants", {"id": "chaos", "name": "chaos"})
        budgets = []

        async def budget(label, scope, scope_id, unit, limit):
            made = await gateway.admin("POST", "budgets", {"scope": scope, "scope_id": scope_id, "unit": unit, "period": "total", "limit": limit})
            budgets.append({"id": made["id"], "label": label, "scope": scope, "scope_id": scope_id, "unit": unit, "limit": limit * (1_000_000 if unit == "usd" else 1)})

        await budget("tenant chaos (usd)", "tenant", "chaos", "usd", args.tenant_budget)
        keys = []
        for index in range(3):
            made = await gateway.admin("POST", "keys", {"name": f"chaos-{index}", "tenant_id": "chaos"})
            keys.append((f"key{index}", made["key"]))
            if index == 0:
                await budget(f"key {made['id']} (tokens)", "key", made["id"], "tokens", 10_000_000)
        capped = await gateway.admin("POST", "keys", {"name": "chaos-capped", "tenant_id": "chaos"})
        await budget(f"capped key {capped['id']} (tokens)", "key", capped["id"], "tokens", args.capped_budget)
        key_random = random.Random(args.seed + 1)

        def pick_key():
            if key_random.random() < 0.05:
                return "capped", capped["key"]
            return key_random.choice(keys)

        phase = ["setup"]
        load = mixload.Load(base, "chat", args.rate, {"stream": 0.55, "json": 0.30, "cancel": 0.15}, pick_key, lambda: phase[0], args.seed, f"chaos{args.seed}", timeout=45)
        start = time.monotonic()

        async def watch():
            """Once a second: the breakers and the requests in flight, for the timeline."""
            while True:
                try:
                    ready = await gateway.ready()
                    timeline.append((time.monotonic() - start, phase[0], {d["deployment"]: (d["state"], d["in_flight"]) for d in ready["deployments"]}))
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                await asyncio.sleep(1)

        watcher = asyncio.create_task(watch())
        load_task = asyncio.create_task(load.run(session))
        reports = []
        for name, share, fault in PHASES:
            net.heal()
            fault(net)
            phase[0] = name
            before = await gateway.metrics()
            began = time.monotonic()
            print(f"-- {time.monotonic() - start:6.1f} s  phase {name}", flush=True)
            await asyncio.sleep(args.phase_seconds * share)
            after = await gateway.metrics()
            ready = await gateway.ready()
            errors_before = upstream_errors(before)
            reports.append({
                "name": name, "seconds": time.monotonic() - began,
                "upstream_errors": {key: value - errors_before.get(key, 0) for key, value in upstream_errors(after).items() if value - errors_before.get(key, 0) > 0},
                "retries": retries_total(after) - retries_total(before),
                "breakers": {d["deployment"]: d["state"] for d in ready["deployments"]},
            })
            if not gateway_process.alive():
                raise SystemExit(f"!! the gateway exited:\n{gateway_process.tail()}")
        net.heal()
        phase[0] = "drain"
        await load.drain()
        load_task.cancel()
        await asyncio.gather(load_task, return_exceptions=True)
        print(f"-- {time.monotonic() - start:6.1f} s  load stopped; waiting for the gateway to come to rest", flush=True)
        figures, reserved = await mixload.wait_at_rest(gateway)
        # The breakers close once their probes pass again after the heal.
        deadline = time.monotonic() + 30
        while True:
            ready = await gateway.ready()
            states = {d["deployment"]: d["state"] for d in ready["deployments"]}
            if all(state == "closed" for state in states.values()) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        metrics = await gateway.metrics()
        budget_views = (await gateway.admin("GET", "budgets"))["data"]
        watcher.cancel()
        return load.outcomes, budgets, reports, figures, reserved, states, requests_total(metrics), budget_views, start


def phase_table(outcomes, reports):
    """Per phase: requests, client-visible errors (the capped key's budget refusals apart), latency."""
    lines = []
    header = f"{'phase':<14} {'requests':>8} {'errors':>7} {'rate':>7}  {'p50 s':>6} {'p99 s':>6}  {'ttft p50':>8} {'ttft p99':>8}  errors by kind"
    lines.append(header)
    for report in reports:
        mine = [o for o in outcomes if o.phase == report["name"] and o.key != "capped"]
        errors = [o for o in mine if o.error is not None]
        done = [o.latency for o in mine if o.error is None and o.kind != "cancel"]
        ttft = [o.ttft for o in mine if o.error is None and o.ttft is not None]
        kinds = {}
        for o in errors:
            kinds[f"{o.kind}:{o.error}"] = kinds.get(f"{o.kind}:{o.error}", 0) + 1
        rate = len(errors) / len(mine) * 100 if mine else 0
        report.update(requests=len(mine), errors=len(errors), rate=rate, kinds=kinds)
        lines.append(
            f"{report['name']:<14} {len(mine):>8} {len(errors):>7} {rate:>6.2f}%  {mixload.percentile(done, 0.5):>6.2f} {mixload.percentile(done, 0.99):>6.2f}  "
            f"{mixload.percentile(ttft, 0.5):>8.2f} {mixload.percentile(ttft, 0.99):>8.2f}  "
            + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items(), key=lambda item: -item[1]))
        )
    lines.append("")
    lines.append("gateway side (per phase): upstream errors by deployment and reason; retries; breakers at the phase's end")
    for report in reports:
        errors = ", ".join(f"{deployment} {reason} {int(value)}" for (deployment, reason), value in sorted(report["upstream_errors"].items()))
        breakers = " ".join(f"{deployment}={state}" for deployment, state in sorted(report["breakers"].items()))
        lines.append(f"  {report['name']:<14} retries {int(report['retries']):>4}; {breakers}; {errors or 'no upstream errors'}")
    return lines


def plot(outcomes, timeline, reports, path, title, start):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(3, 1, figsize=(10, 8.5), sharex=True)
    end = max((o.start - start + o.latency for o in outcomes), default=1)
    seconds = int(end) + 1
    ok, failed = [0] * seconds, [0] * seconds
    for o in outcomes:
        if o.key == "capped":
            continue
        second = int(o.start - start)
        if 0 <= second < seconds:
            (failed if o.error is not None else ok)[second] += 1
    axes[0].bar(range(seconds), ok, width=1.0, color="tab:green", label="answered as asked")
    axes[0].bar(range(seconds), failed, width=1.0, bottom=ok, color="tab:red", label="client-visible error")
    axes[0].set_ylabel("requests started / s")
    window = 5
    xs, p50, p99 = [], [], []
    for left in range(0, seconds, window):
        values = [o.latency for o in outcomes if o.error is None and o.kind != "cancel" and left <= o.start - start < left + window]
        if values:
            xs.append(left + window / 2)
            p50.append(mixload.percentile(values, 0.5))
            p99.append(mixload.percentile(values, 0.99))
    axes[1].plot(xs, p50, label="latency p50 (5 s windows)")
    axes[1].plot(xs, p99, label="latency p99")
    axes[1].set_ylabel("seconds")
    deployments = sorted({name for _, _, states in timeline for name in states})
    codes = {"closed": 0, "half-open": 1, "half_open": 1, "open": 2}
    for index, name in enumerate(deployments):
        points = [(t, codes.get(states[name][0], 1) + index * 0.06) for t, _, states in timeline if name in states]
        axes[2].step([p[0] for p in points], [p[1] for p in points], where="post", label=name)
    axes[2].set_yticks([0, 1, 2], ["closed", "half-open", "open"])
    axes[2].set_ylabel("breaker")
    axes[2].set_xlabel("seconds")
    boundaries = []
    for t, name, _ in timeline:
        if not boundaries or boundaries[-1][1] != name:
            boundaries.append((t, name))
    for axis in axes:
        for t, name in boundaries:
            axis.axvline(t, color="grey", linewidth=0.6, linestyle="--")
        axis.legend(loc="upper right", fontsize=7)
        axis.grid(alpha=0.3)
    for t, name in boundaries:
        axes[0].text(t + 1, axes[0].get_ylim()[1] * 0.97, name, fontsize=7, va="top")
    axes[0].set_title(title, fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("SLUICE_BIN", mixload.DEFAULT_BINARY), help="sluice binary (env SLUICE_BIN); built when the default is missing")
    parser.add_argument("--phase-seconds", type=float, default=90)
    parser.add_argument("--rate", type=float, default=12, help="requests started per second")
    parser.add_argument("--port", type=int, default=8080, help="the gateway's port (in its own namespace)")
    parser.add_argument("--tenant-budget", type=float, default=20, help="the tenant's budget in dollars")
    parser.add_argument("--capped-budget", type=int, default=3000, help="the capped key's budget in tokens")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--png", default=None, help="a timeline of the run (bench/figures/chaos.png is the committed one)")
    parser.add_argument("--relay", nargs=3, metavar=("LISTEN", "TARGET", "DELAY_FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relay:
        asyncio.run(relay(*args.relay))
        return 0
    if os.geteuid() != 0:
        raise SystemExit("chaos.py needs root (ip netns, tc, iptables)")
    for tool, package in (("tc", "iproute2"), ("iptables", "iptables")):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            subprocess.run(f"apt-get install -y {package} >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y {package} >/dev/null)", shell=True, check=True)
    args.seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    binary = os.path.abspath(mixload.ensure_binary(args.binary))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=mixload.ROOT, capture_output=True, text=True).stdout.strip() or "unknown"
    title = (f"sluice chaos {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}, seed {args.seed}, "
             f"{args.rate:g} req/s, {args.phase_seconds:g} s per phase, {os.cpu_count()} cores")
    print(f"== {title}\n   {binary}", flush=True)

    # Ctrl-C and SIGTERM end the run through the finally below.
    # (SIGINT explicitly: a shell starts background jobs with it ignored.)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    folder = tempfile.mkdtemp(prefix="sluice-chaos.")
    net = Network(f"slc{os.getpid()}", folder)
    processes = []
    status = 0
    try:
        net.up()
        net.has_netem = net.netem_available()
        print(f"   faults: latency and loss by {'tc netem' if net.has_netem else 'the relay and iptables (this kernel has no netem)'}; resets and partitions by iptables", flush=True)
        net.heal()
        upstream_yaml = os.path.join(folder, "upstream-{k}.yaml")
        for k in (1, 2, 3):
            with open(upstream_yaml.format(k=k), "w") as file:
                file.write(mixload.UPSTREAM_CONFIG.format(host="127.0.0.1", port=UPSTREAM_PORT + 1, model=f"paced-{k}", ttft="50ms", tps=40))
            processes.append(mixload.Process(binary, upstream_yaml.format(k=k), os.path.join(folder, f"upstream-{k}.log"), netns=net.ups[k - 1]))
            # Every upstream sits behind a relay on its link's address, which delays when told (see Network.delay).
            processes.append(mixload.Process(
                None, None, os.path.join(folder, f"relay-{k}.log"), netns=net.ups[k - 1],
                command=[sys.executable, os.path.abspath(__file__), "--relay", f"10.213.{k}.2:{UPSTREAM_PORT}", f"127.0.0.1:{UPSTREAM_PORT + 1}", net.delay_file(k)],
            ))
        net.enter_gateway_namespace()
        config = os.path.join(folder, "sluice.yaml")
        with open(config, "w") as file:
            file.write(GATEWAY_CONFIG.format(
                port=args.port, admin_key=mixload.ADMIN_KEY, store=os.path.join(folder, "store.sqlite"),
                deployments="".join(DEPLOYMENT.format(k=k, port=UPSTREAM_PORT) for k in (1, 2, 3)),
            ))
        gateway = mixload.Process(binary, config, os.path.join(folder, "sluice.log"))
        processes.append(gateway)
        for k in (1, 2, 3):
            mixload.wait_healthy(f"http://10.213.{k}.2:{UPSTREAM_PORT}/health", processes[2 * (k - 1)])
        mixload.wait_healthy(f"http://127.0.0.1:{args.port}/health", gateway)
        timeline = []
        outcomes, budgets, reports, figures, reserved, breakers, counted, budget_views, start = asyncio.run(chaos(args, net, folder, gateway, timeline))
        code = gateway.stop()

        print("\n== client-visible outcomes per phase (the capped key's requests apart)")
        for line in phase_table(outcomes, reports):
            print("  " + line)
        capped = [o for o in outcomes if o.key == "capped"]
        capped_kinds = {}
        for o in capped:
            capped_kinds[o.error or "ok"] = capped_kinds.get(o.error or "ok", 0) + 1
        slowest = sorted((o for o in outcomes if o.latency is not None), key=lambda o: -o.latency)[:5]
        print("  slowest: " + "; ".join(f"{o.id} {o.kind} {o.phase} {o.latency:.1f} s {o.status} {o.error or 'ok'}" for o in slowest))
        print(f"  capped key: {len(capped)} requests: " + ", ".join(f"{kind} {count}" for kind, count in sorted(capped_kinds.items())))
        mine = [o for o in outcomes if o.key != "capped"]
        print(f"  whole run: {len(mine)} requests, {sum(1 for o in mine if o.error)} client-visible errors "
              f"({sum(1 for o in mine if o.error) / max(1, len(mine)) * 100:.2f} %)")
        for view in budget_views:
            print(f"  budget {view['id']} {view['scope']} {view['scope_id']}: spent {view['spent']} of {view['limit']} {view['unit']}, reserved {view['reserved']}")

        checks = [("the gateway exits cleanly on SIGTERM", code == 0, f"exit status {code}")]
        checks += [(f"at rest: {name} is 0", value == 0, f"{value}") for name, value in figures.items()]
        checks += [(f"at rest: budget {budget_id} reserved is 0", value == 0, f"{value}") for budget_id, value in reserved.items()]
        checks.append(("every breaker closed again after the heal", all(state == "closed" for state in breakers.values()), f"{breakers}"))
        checks += mixload.ledger_checks(os.path.join(folder, "store.sqlite"), outcomes, budgets, id_prefix=f"chaos{args.seed}-")
        db = sqlite3.connect(f"file:{os.path.join(folder, 'store.sqlite')}?mode=ro", uri=True)
        (rows,) = db.execute("SELECT COUNT(*) FROM usage_ledger").fetchone()
        db.close()
        checks.append(("sluice_requests_total equals the ledger's rows", int(counted) == rows, f"{int(counted)} counted, {rows} rows"))
        print("== checks")
        for name, ok, detail in checks:
            print(f"  {'ok ' if ok else 'FAIL'} {name}: {detail}")
            if not ok:
                status = 1
        if args.png:
            plot(outcomes, timeline, reports, args.png, title, start)
            print(f"plot: {args.png}")
        print(f"seed {args.seed}; logs and store: {folder}")
    except KeyboardInterrupt:
        print("interrupted; cleaning up", flush=True)
        status = 130
    finally:
        for process in reversed(processes):
            try:
                process.stop(timeout=10)
            except Exception as error:  # noqa: BLE001 -- clean up the rest regardless
                print(f"stopping {process.pid}: {error}")
        net.down()
    return status


if __name__ == "__main__":
    sys.exit(main())
