#!/usr/bin/env python3
"""Many slow streams at once: Sluice's memory and the inter-token latency its clients see.

    python3 bench/slow-streams.py                 # 1,000 streams, after a 10-stream baseline
    python3 bench/slow-streams.py --streams 2000 --processes 2
    python3 bench/slow-streams.py --relay --streams 10000 --tokens-per-second 2 --processes 4

Starts the release binary (.build-release/release/sluice; built if missing) with
bench/sluice-slow.yaml: model `slow` on the mock provider, first token after 100 ms, then one
token every 50 ms (20 tokens/s; --tokens-per-second), 60 tokens per answer (--tokens). Then it
opens the streaming requests all at once (or over --ramp seconds) from --processes client
processes, and records when every token event arrives.

With --relay the mock runs in a second Sluice process (the upstream, an OpenAI-compatible
server pacing the tokens) and the measured Sluice relays its streams as an `openai` deployment:
the gateway's own cost per relayed event, as in front of a real model server. The upstream's
CPU is reported apart. The script raises its open-file limit (soft and, as root, hard) to what
the streams need, and the Sluice processes inherit it.

Reported:
  * Sluice's resident memory (VmRSS): idle after start, after the baseline, peak while the
    streams run (sampled every 20 ms, and the kernel's VmHWM), and after they end;
  * Sluice's CPU time during the run and per token event, the client processes' own, and with
    --relay the upstream Sluice's;
  * the kernel's listen-queue overflow counters (connections dropped before Sluice accepts them);
  * connect: from the start of the connect to the request written;
  * time to first token (from the request written) against the nominal 100 ms;
  * gaps between consecutive token events at the client against the nominal gap (50 ms at 20/s);
  * lateness: arrival of token i minus (request written + 100 ms + i * gap). The mock schedules
    every token from the start of its stream, so a late token does not delay the next one:
    lateness is what a client waits beyond the model's own pace;
  * lateness vs token 1: arrival of token i minus (arrival of token 1 + i * gap), the delay
    added while streaming, without the start-up part (connection, routing, first token);
  * the client's own loop lag, to tell client overload from gateway delay.
The clients share the machine's cores with Sluice; on a small machine they take a good part of
it. Standard library only (non-blocking sockets on epoll, multiprocessing). Raw figures go to
bench/results/slow-<UTC time>/ (report.json, streams.tsv, sluice.log).
"""
import argparse
import json
import multiprocessing
import os
import re
import resource
import select
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build-release", "release", "sluice")
CONFIG = os.path.join(ROOT, "bench", "sluice-slow.yaml")
NOMINAL_TTFT = 0.100
# Set from --tokens-per-second and --tokens before any client process starts.
NOMINAL_GAP = 0.050
NOMINAL_TOKENS = 60
# The relaying gateway's config (--relay): model `slow` served by the upstream Sluice.
RELAY = """
server: {{ host: 127.0.0.1, port: 8080, max_connections: {connections}, max_connections_per_address: {connections} }}
log: {{ level: warning, format: json }}
timeouts: {{ connect: 5s, first_token: 60s, between_tokens: 30s, request: 10m }}
upstream: {{ max_connections_per_host: {connections} }}
auth: {{ api_keys: [sk-bench] }}
models:
  - name: slow
    deployments:
      - {{ provider: openai, base_url: "http://127.0.0.1:{upstream_port}/v1", api_key: sk-bench, model: slow }}
"""
TOKEN_MARK = b'"delta":{"content"'


def raise_fd_limit(needed):
    """Raises the soft limit to the hard one, and both to `needed` where allowed (root)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
        except (ValueError, OSError):
            pass
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(needed, 65536)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def render_configs(folder, port, args):
    """The measured Sluice's config, and the upstream's in relay mode (else None)."""
    paced = open(CONFIG, encoding="utf-8").read()
    paced = re.sub(r"tokens_per_second: \S+", f"tokens_per_second: {args.tokens_per_second:g}", paced)
    paced = re.sub(r"completion_tokens: \S+", f"completion_tokens: {args.tokens}", paced)
    paced_path = os.path.join(folder, "sluice-slow.yaml")
    open(paced_path, "w", encoding="utf-8").write(paced)
    if not args.relay:
        return paced_path, None
    relay_path = os.path.join(folder, "sluice-relay.yaml")
    open(relay_path, "w", encoding="utf-8").write(RELAY.format(connections=max(1024, args.streams + 64), upstream_port=port + 1))
    return relay_path, paced_path


# ---------------------------------------------------------------- the client


class ChunkedDecoder:
    """Incremental HTTP/1.1 chunked transfer decoding."""

    def __init__(self):
        self.raw = bytearray()
        self.done = False

    def feed(self, data):
        self.raw += data
        out = bytearray()
        while not self.done:
            end = self.raw.find(b"\r\n")
            if end < 0:
                break
            size = int(self.raw[:end].split(b";")[0], 16)
            if size == 0:
                self.done = True
                break
            if len(self.raw) < end + 2 + size + 2:
                break
            out += self.raw[end + 2 : end + 2 + size]
            del self.raw[: end + 2 + size + 2]
        return bytes(out)


class Stream:
    """One streaming request on its own non-blocking socket."""

    def __init__(self, due):
        self.due = due  # when to start connecting
        self.started = self.sent = due
        self.sock = None
        self.tokens = []
        self.done = False
        self.error = None
        self.head = bytearray()
        self.status = None
        self.decoder = None
        self.events = bytearray()

    def feed(self, data, now):
        """Takes bytes read at `now`. Returns True when the response is over."""
        if self.status is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return False
            head, data = bytes(self.head[:end]), bytes(self.head[end + 4 :])
            self.status = int(head.split(b" ", 2)[1])
            if self.status != 200:
                self.error = f"HTTP {self.status}: {data[:200]!r}"
                return True
            if b"transfer-encoding: chunked" in head.lower():
                self.decoder = ChunkedDecoder()
        self.events += self.decoder.feed(data) if self.decoder else data
        last = self.events.rfind(b"\n\n")
        if last >= 0:
            complete = bytes(self.events[: last + 2])
            del self.events[: last + 2]
            # Every token event in this read arrived now.
            self.tokens.extend([now] * complete.count(TOKEN_MARK))
            if b"data: [DONE]" in complete:
                self.done = True
        return bool(self.decoder and self.decoder.done)

    def result(self):
        """(time the request was written, token arrival times, saw [DONE], error, seconds from connect start to request written)"""
        error = self.error
        if error is None and not self.done:
            error = "stream ended without [DONE]"
        return self.sent, self.tokens, self.done, error, self.sent - self.started


def client_loop(port, count, first_index, start_at, ramp, total):
    """Runs `count` streams on one epoll loop; a plain loop costs the client far less CPU per token
    than asyncio does, so more of the two cores is left to the gateway under test.

    Also samples the loop's own lag: how late it wakes for a 10 ms tick. Client-side lag shows up
    in the measured gaps as if the gateway had added it."""
    body = json.dumps(
        {"model": "slow", "messages": [{"role": "user", "content": "Write a short note about load testing a gateway."}], "stream": True}
    ).encode()
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: text/event-stream\r\nAuthorization: Bearer sk-bench\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    pending = [Stream(start_at + ramp * (first_index + i) / max(1, total)) for i in range(count)]
    pending.reverse()  # pop() takes the earliest
    streams = list(reversed(pending))
    by_fd = {}
    epoll = select.epoll()
    lags = []
    tick = start_at
    open_count = 0
    while pending or open_count:
        now = time.monotonic()
        # Start the connections that are due.
        while pending and pending[-1].due <= now:
            stream = pending.pop()
            stream.started = now
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.connect_ex(("127.0.0.1", port))
            stream.sock = sock
            by_fd[sock.fileno()] = stream
            epoll.register(sock.fileno(), select.EPOLLOUT)
            open_count += 1
        if now >= tick:
            if now > start_at:
                lags.append(now - tick)
            tick = now + 0.010
        wake = min(tick, pending[-1].due) if pending else tick
        for fd, mask in epoll.poll(max(0.0, wake - time.monotonic())):
            now = time.monotonic()
            stream = by_fd[fd]
            finished = False
            if stream.status is None and not stream.head and mask & select.EPOLLOUT:
                error = stream.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    stream.error = f"connect: {os.strerror(error)}"
                    finished = True
                else:
                    stream.sock.send(request)  # small enough for an empty socket buffer
                    stream.sent = now
                    epoll.modify(fd, select.EPOLLIN)
                    continue
            elif mask & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
                try:
                    data = stream.sock.recv(262144)
                except BlockingIOError:
                    continue
                except OSError as error:
                    stream.error = f"{type(error).__name__}: {error}"
                    data = b""
                finished = stream.feed(data, now) if data else True
            if finished:
                epoll.unregister(fd)
                stream.sock.close()
                del by_fd[fd]
                open_count -= 1
    epoll.close()
    return [stream.result() for stream in streams], lags


def client_process(args):
    port, count, first_index, start_at, ramp, total = args
    raise_fd_limit(count + 256)
    cpu = time.process_time()
    results, lags = client_loop(port, count, first_index, start_at, ramp, total)
    return results, lags, time.process_time() - cpu


# ---------------------------------------------------------------- Sluice


def proc_status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def listen_drops():
    """The kernel's TcpExt ListenOverflows and ListenDrops counters (SYNs dropped on a full accept queue)."""
    with open("/proc/net/netstat") as netstat:
        lines = [line.split() for line in netstat if line.startswith("TcpExt:")]
    counters = dict(zip(lines[0][1:], map(int, lines[1][1:])))
    return counters.get("ListenOverflows", 0), counters.get("ListenDrops", 0)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RSSSampler(threading.Thread):
    def __init__(self, pid, interval=0.02):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.running = threading.Event()
        self.running.set()

    def run(self):
        while self.running.is_set():
            try:
                self.peak = max(self.peak, proc_status_kib(self.pid, "VmRSS"))
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(self.interval)

    def stop(self):
        self.running.clear()
        self.join()
        return self.peak


def build_info():
    """Which code the binary is: the commit, whether Sources/ had uncommitted changes, the binary's age."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    dirty = len(git("status", "--porcelain", "--", "Sources", "Package.swift").splitlines())
    built = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(os.path.getmtime(BINARY)))
    return f"commit {git('rev-parse', '--short', 'HEAD')}, {dirty} files changed under Sources/, binary built {built}"


def start_sluice(port, log_path, config):
    if not os.access(BINARY, os.X_OK):
        print("== building the release binary")
        subprocess.run(
            ["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "sluice"], cwd=ROOT, check=True
        )
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is in use; pick another with --port")
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [BINARY, "serve", "--config", config, "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"Sluice exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("Sluice did not become healthy in 30 s")


# ---------------------------------------------------------------- one run and its figures


def pct(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_streams(port, streams, processes, ramp, pid):
    processes = max(1, min(processes, streams))
    start_at = time.monotonic() + 1.5
    shares, first = [], 0
    for i in range(processes):
        count = streams // processes + (1 if i < streams % processes else 0)
        shares.append((port, count, first, start_at, ramp, streams))
        first += count
    with multiprocessing.get_context("fork").Pool(processes) as pool:  # forked before the sampler thread starts
        cpu_before = cpu_seconds(pid)
        drops_before = listen_drops()
        sampler = RSSSampler(pid)
        sampler.start()
        parts = pool.map(client_process, shares)
        peak = sampler.stop()
        cpu = cpu_seconds(pid) - cpu_before
        drops = tuple(after - before for after, before in zip(listen_drops(), drops_before))
    results = [result for part, _, _ in parts for result in part]
    lags = [lag for _, part, _ in parts for lag in part]
    client_cpu = sum(part for _, _, part in parts)
    return results, lags, peak, cpu, {"listen_overflows": drops[0], "listen_drops": drops[1], "client_cpu_seconds": client_cpu}


def summarise(name, results, lags):
    ok = [r for r in results if r[3] is None]
    errors = {}
    for r in results:
        if r[3] is not None:
            key = r[3][:120]
            errors[key] = errors.get(key, 0) + 1
    ttft, gaps, late, drift, durations, counts = [], [], [], [], [], []
    for sent, tokens, _, _, _ in ok:
        counts.append(len(tokens))
        if not tokens:
            continue
        ttft.append(tokens[0] - sent)
        durations.append(tokens[-1] - sent)
        gaps += [b - a for a, b in zip(tokens, tokens[1:])]
        late += [t - (sent + NOMINAL_TTFT + i * NOMINAL_GAP) for i, t in enumerate(tokens)]
        drift += [t - (tokens[0] + i * NOMINAL_GAP) for i, t in enumerate(tokens) if i > 0]
    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    figures = {
        "streams": len(results),
        "completed": len(ok),
        "errors": errors,
        "tokens_per_stream": (min(counts), max(counts)) if counts else None,
        "ttft": {p: pct(ttft, p) for p in (50, 90, 99, 100)},
        "connect": {p: pct([r[4] for r in results], p) for p in (50, 90, 99, 100)},
        "gap": {p: pct(gaps, p) for p in (1, 50, 90, 99, 100)},
        "late": {p: pct(late, p) for p in (50, 90, 99, 100)},
        "drift": {p: pct(drift, p) for p in (50, 90, 99, 100)},
        "duration": {p: pct(durations, p) for p in (50, 100)},
        "client_lag": {p: pct(lags, p) for p in (50, 99, 100)},
        "gap_count": len(gaps),
    }
    print(f"\n### {name}: {len(results)} streams, {len(ok)} completed")
    if errors:
        for key, count in errors.items():
            print(f"  error x{count}: {key}")
    if counts:
        print(f"  token events per stream: {min(counts)}–{max(counts)} (nominal {NOMINAL_TOKENS})")
    if ttft:
        f = figures
        print(f"  connect:              p50 {ms(f['connect'][50])}  p90 {ms(f['connect'][90])}  p99 {ms(f['connect'][99])}  max {ms(f['connect'][100])}")
        print(
            f"  time to first token:  p50 {ms(f['ttft'][50])}  p90 {ms(f['ttft'][90])}  p99 {ms(f['ttft'][99])}  max {ms(f['ttft'][100])}"
            "  (nominal 100 ms, from the request written)"
        )
        print(
            f"  inter-token gap:      p50 {ms(f['gap'][50])}  p90 {ms(f['gap'][90])}  p99 {ms(f['gap'][99])}  max {ms(f['gap'][100])}"
            f"  min {ms(f['gap'][1])} (p1)  (nominal {NOMINAL_GAP * 1000:g} ms, {len(gaps)} gaps)"
        )
        print(
            f"  added gap (p − nominal):   p50 {ms(f['gap'][50] - NOMINAL_GAP)}  p99 {ms(f['gap'][99] - NOMINAL_GAP)}"
        )
        print(
            f"  lateness vs schedule: p50 {ms(f['late'][50])}  p90 {ms(f['late'][90])}  p99 {ms(f['late'][99])}  max {ms(f['late'][100])}"
        )
        print(
            f"  lateness vs token 1:  p50 {ms(f['drift'][50])}  p90 {ms(f['drift'][90])}  p99 {ms(f['drift'][99])}  max {ms(f['drift'][100])}"
        )
        print(f"  stream duration:      p50 {ms(f['duration'][50])}  max {ms(f['duration'][100])}  (nominal {ms(NOMINAL_TTFT + (NOMINAL_TOKENS - 1) * NOMINAL_GAP)})")
        print(f"  client loop lag:      p50 {ms(f['client_lag'][50])}  p99 {ms(f['client_lag'][99])}  max {ms(f['client_lag'][100])}")
    return figures


def perf_report(folder):
    data = os.path.join(folder, "perf.data")
    for sort, lines, name in (("dso", 10, "perf-dso.txt"), ("sym", 25, "perf-symbols.txt")):
        text = subprocess.run(
            ["perf", "report", "-i", data, "--no-children", "--sort", sort, "--stdio"], capture_output=True, text=True
        ).stdout
        rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")][:lines]
        text = "\n".join(rows)
        try:
            text = subprocess.run(["swift-demangle", "--simplified"], input=text, capture_output=True, text=True).stdout
        except FileNotFoundError:
            pass
        text = "\n".join(line[:200] for line in text.splitlines())
        open(os.path.join(folder, name), "w").write(text + "\n")
        print(f"\n== perf, Sluice, by {sort}\n{text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=10, help="streams in the warm-up/baseline run (0: none)")
    parser.add_argument("--processes", type=int, default=2, help="client processes sharing the streams")
    parser.add_argument("--ramp", type=float, default=0.0, help="open the connections over this many seconds (0: all at once)")
    parser.add_argument("--port", type=int, default=28093, help="the measured Sluice's port; the upstream's (--relay) is the next one")
    parser.add_argument("--tokens-per-second", type=float, default=20.0, help="the model's pace")
    parser.add_argument("--tokens", type=int, default=60, help="token events per answer")
    parser.add_argument("--relay", action="store_true", help="relay the streams from a second Sluice running the mock model")
    parser.add_argument("--perf", type=float, default=0, help="profile Sluice with perf for this many seconds of the main run")
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "results", "slow-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())))
    args = parser.parse_args()
    global NOMINAL_GAP, NOMINAL_TOKENS
    NOMINAL_GAP, NOMINAL_TOKENS = 1.0 / args.tokens_per_second, args.tokens

    # The relaying gateway holds a client and an upstream connection per stream; Sluice keeps
    # 128 descriptors for itself and takes half of the rest as clients.
    needed = (2 if args.relay else 1) * (args.streams + 64) * 2 + 256
    soft, hard = raise_fd_limit(needed)
    if soft < args.streams + 256:
        raise SystemExit(f"open-file limit {soft} is too low for {args.streams} streams; raise the hard limit (ulimit -Hn)")
    os.makedirs(args.results, exist_ok=True)
    print(f"== {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, {os.cpu_count()} cores, load {os.getloadavg()}, nofile {soft}")
    config, upstream_config = render_configs(args.results, args.port, args)
    upstream = start_sluice(args.port + 1, os.path.join(args.results, "upstream.log"), upstream_config) if upstream_config else None
    try:
        sluice = start_sluice(args.port, os.path.join(args.results, "sluice.log"), config)
    except BaseException:
        if upstream:
            upstream.kill()
        raise
    build = build_info()
    print(build)
    pid = sluice.pid
    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "args": vars(args), "load_before": os.getloadavg(), "build": build}
    try:
        time.sleep(1.0)
        report["rss_idle_kib"] = proc_status_kib(pid, "VmRSS")
        print(f"Sluice pid {pid}, idle RSS {report['rss_idle_kib'] / 1024:.1f} MiB")
        if args.baseline:
            results, lags, peak, cpu, extra = run_streams(args.port, args.baseline, 1, 0.0, pid)
            report["baseline"] = summarise(f"baseline ({args.baseline} streams)", results, lags)
            report["baseline"].update(extra, sluice_cpu_seconds=cpu)
            print(f"  CPU: Sluice {cpu:.2f} s, client {extra['client_cpu_seconds']:.2f} s")
            report["baseline"]["rss_peak_kib"] = peak
            time.sleep(1.0)
            report["rss_after_baseline_kib"] = proc_status_kib(pid, "VmRSS")
            print(f"  Sluice RSS after the baseline: {report['rss_after_baseline_kib'] / 1024:.1f} MiB")

        report["load_at_start"] = os.getloadavg()
        profiler = None
        if args.perf > 0:
            # Starts with the streams (run_streams waits 1.5 s before opening them) and covers the steady part.
            profiler = subprocess.Popen(
                ["perf", "record", "-F", "999", "-p", str(pid), "-o", os.path.join(args.results, "perf.data"), "--", "sleep", str(args.perf + 2)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        upstream_cpu = cpu_seconds(upstream.pid) if upstream else 0.0
        results, lags, peak, cpu, extra = run_streams(args.port, args.streams, args.processes, args.ramp, pid)
        if upstream:
            extra["upstream_cpu_seconds"] = cpu_seconds(upstream.pid) - upstream_cpu
        if profiler:
            profiler.wait()
        report["load_at_end"] = os.getloadavg()
        report["main"] = summarise(f"{args.streams} concurrent streams", results, lags)
        with open(os.path.join(args.results, "streams.tsv"), "w") as out:
            out.write("connect_ms\tttft_ms\tlast_token_ms\ttokens\terror\n")
            for sent, tokens, _, error, connect in results:
                first, last = ((tokens[0] - sent) * 1000, (tokens[-1] - sent) * 1000) if tokens else (-1, -1)
                out.write(f"{connect * 1000:.1f}\t{first:.1f}\t{last:.1f}\t{len(tokens)}\t{error or ''}\n")
        report["main"].update(extra)
        print(f"  listen queue overflows / drops (kernel, whole machine): {extra['listen_overflows']} / {extra['listen_drops']}")
        hwm = proc_status_kib(pid, "VmHWM")
        time.sleep(2.0)
        after = proc_status_kib(pid, "VmRSS")
        report.update(rss_peak_sampled_kib=peak, rss_hwm_kib=hwm, rss_after_kib=after, sluice_cpu_seconds=cpu)
        idle = report.get("rss_after_baseline_kib", report["rss_idle_kib"])
        print(
            f"  Sluice RSS: idle {report['rss_idle_kib'] / 1024:.1f} MiB, before the run {idle / 1024:.1f} MiB, "
            f"peak {peak / 1024:.1f} MiB (VmHWM {hwm / 1024:.1f} MiB), 2 s after {after / 1024:.1f} MiB"
        )
        print(f"  per stream: {(peak - idle) / args.streams:.1f} KiB above the pre-run RSS at the peak")
        print(
            f"  CPU during the run: Sluice {cpu:.2f} s ({cpu / args.streams * 1000:.2f} ms per stream), "
            f"the {args.processes} client processes {extra['client_cpu_seconds']:.2f} s"
        )
        events = sum(len(tokens) for _, tokens, _, _, _ in results)
        if events:
            print(f"  Sluice CPU per token event: {cpu / events * 1e6:.1f} µs ({events} events)")
        if upstream:
            print(f"  the upstream Sluice (mock model): {extra['upstream_cpu_seconds']:.2f} s of CPU")
        print(f"  load average at start {report['load_at_start']}, at end {report['load_at_end']}")
        if sluice.poll() is not None:
            print(f"!! Sluice exited with {sluice.returncode} during the run")
    finally:
        for process in (sluice, upstream):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    if args.perf > 0:
        perf_report(args.results)
    with open(os.path.join(args.results, "report.json"), "w") as out:
        json.dump(report, out, indent=1, default=str)
    print(f"\nraw figures: {args.results}/report.json")


if __name__ == "__main__":
    sys.exit(main())
