"""Shared parts of bench/chaos.py and bench/soak.py: running Sluice processes, a steady mixed load
(streams, non-streamed answers, clients that leave mid-stream), sampling a process, reading the
gateway's figures, and the consistency checks of the usage ledger and the budgets after a run.

The load is open-loop: requests start at a steady rate whatever the answers' latency (up to a
cap of requests in flight), so a slow or failing upstream shows as latency and errors rather
than as fewer requests. Every request carries its own `X-Request-Id`, which the gateway keeps
as the ledger row's `request_id`: after the run each request the client saw answered is looked
up in the ledger by that id.

Needs aiohttp (`pip install aiohttp`).
"""

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import time

import aiohttp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, ".build-release", "release", "sluice")
ADMIN_KEY = "sk-admin-bench-0123456789"

# An upstream: Sluice serving the built-in mock model as an OpenAI-compatible server, so that the
# measured gateway relays real HTTP streams whose length and usage follow each request's max_tokens.
UPSTREAM_CONFIG = """
server: {{ host: "{host}", port: {port}, max_connections: 4096, max_connections_per_address: 4096, drain_timeout: 2s }}
log: {{ level: error, format: json }}
auth: {{ api_keys: [sk-upstream] }}
models:
  - name: {model}
    deployments:
      - provider: mock
        model: {model}
        mock: {{ time_to_first_token: {ttft}, tokens_per_second: {tps}, completion_tokens: 24 }}
"""


# ---------------------------------------------------------------- processes


def ensure_binary(path):
    """The Sluice binary to run: `path`, built (release) first when it is the default and missing."""
    if os.path.exists(path):
        return path
    if os.path.abspath(path) != DEFAULT_BINARY:
        raise SystemExit(f"no Sluice binary at {path}")
    print("== swift build -c release --scratch-path .build-release --product sluice", flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "sluice"], cwd=ROOT, check=True)
    return path


class Process:
    """A Sluice process (`sluice serve`, or another `command`), optionally in a network namespace, its
    output in a file."""

    def __init__(self, binary, config, log_path, netns=None, env=None, command=None):
        command = command or [binary, "serve", "--config", config]
        if netns:
            command = ["ip", "netns", "exec", netns] + command
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.popen = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True)
        self.pid = self.popen.pid  # ip netns exec execs the binary: the same pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, number):
        if self.alive():
            os.kill(self.pid, number)

    def stop(self, timeout=30):
        """SIGTERM (the gateway drains and writes its last ledger rows), then SIGKILL after `timeout`."""
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait()
        self.log.close()
        return self.popen.returncode

    def tail(self, lines=20):
        try:
            return b"".join(open(self.log_path, "rb").readlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""


def wait_healthy(url, process, timeout=30):
    """Waits for `GET url` to answer 200 (blocking; before the load starts)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise SystemExit(f"Sluice exited at start:\n{process.tail()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"Sluice did not answer {url} within {timeout} s:\n{process.tail()}")


def proc_sample(pid):
    """Resident and peak memory (KiB), open descriptors, threads and CPU seconds of a process."""
    sample = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name == "VmRSS":
                sample["rss_kib"] = int(value.split()[0])
            elif name == "VmHWM":
                sample["hwm_kib"] = int(value.split()[0])
            elif name == "Threads":
                sample["threads"] = int(value)
    sample["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    sample["cpu_s"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return sample


# ---------------------------------------------------------------- the gateway's figures


def parse_prometheus(text):
    """{metric name: [(labels dict, value)]} from Prometheus' text format."""
    metrics = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name, labels = head, {}
        if "{" in head:
            name, _, rest = head.partition("{")
            for part in rest.rstrip("}").split('",'):
                if "=" in part:
                    key, _, raw = part.partition("=")
                    labels[key.strip(",")] = raw.strip('"')
        try:
            metrics.setdefault(name, []).append((labels, float(value)))
        except ValueError:
            pass
    return metrics


class Gateway:
    """The measured gateway's HTTP surface: /metrics, /ready and the admin API."""

    def __init__(self, session, base):
        self.session = session
        self.base = base
        self.admin_headers = {"authorization": f"Bearer {ADMIN_KEY}"}

    async def metrics(self):
        async with self.session.get(f"{self.base}/metrics", timeout=aiohttp.ClientTimeout(total=10)) as answer:
            return parse_prometheus(await answer.text())

    async def ready(self):
        async with self.session.get(f"{self.base}/ready", timeout=aiohttp.ClientTimeout(total=10)) as answer:
            return json.loads(await answer.text())

    async def admin(self, method, path, body=None, expect=(200, 201, 204)):
        async with self.session.request(
            method, f"{self.base}/admin/{path}", json=body, headers=self.admin_headers, timeout=aiohttp.ClientTimeout(total=15)
        ) as answer:
            text = await answer.text()
            if answer.status not in expect:
                raise RuntimeError(f"{method} /admin/{path}: {answer.status} {text[:300]}")
            return json.loads(text) if text else None

    async def at_rest(self):
        """The figures that must be zero once no request runs: in-flight requests (the gauge), and per
        deployment requests in flight and tokens outstanding (routing leases held) from /ready."""
        metrics = await self.metrics()
        ready = await self.ready()
        figures = {"sluice_requests_in_flight": sum(value for _, value in metrics.get("sluice_requests_in_flight", []))}
        for deployment in ready["deployments"]:
            figures[f"{deployment['model']}/{deployment['deployment']} in_flight"] = deployment["in_flight"]
            figures[f"{deployment['model']}/{deployment['deployment']} outstanding_tokens"] = deployment["outstanding_tokens"]
        return figures

    async def budgets_reserved(self):
        """{budget id: reserved} from GET /admin/budgets (capacity instances lease for requests in flight)."""
        budgets = await self.admin("GET", "budgets")
        return {budget["id"]: budget["reserved"] for budget in budgets["data"]}


async def wait_at_rest(gateway, timeout=45):
    """Polls until every at-rest figure and every budget's reservation is zero, or `timeout` passes;
    returns the last readings. Idle budget capacity goes back to the store 5 s after its last use."""
    deadline = time.monotonic() + timeout
    while True:
        figures = await gateway.at_rest()
        reserved = await gateway.budgets_reserved()
        if (all(value == 0 for value in figures.values()) and all(value == 0 for value in reserved.values())) or time.monotonic() > deadline:
            return figures, reserved
        await asyncio.sleep(1)


# ---------------------------------------------------------------- the load


class Outcome:
    """One request as the client saw it."""

    __slots__ = ("id", "kind", "key", "phase", "start", "latency", "ttft", "status", "error", "chunks")

    def __init__(self, request_id, kind, key, phase):
        self.id = request_id
        self.kind = kind  # stream | json | cancel (a stream the client leaves after a few events)
        self.key = key
        self.phase = phase
        self.start = time.monotonic()
        self.latency = None
        self.ttft = None
        self.status = None  # the HTTP status, when an answer's head arrived
        self.error = None  # None when the client got what it asked for; else what went wrong
        self.chunks = 0


def classify(error):
    if isinstance(error, asyncio.TimeoutError):
        return "client_timeout"
    if isinstance(error, aiohttp.ClientConnectorError):
        return "connect_failed"
    if isinstance(error, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, ConnectionResetError)):
        return "connection_cut"
    return type(error).__name__


class Load:
    """Requests at `rate` per second (exponential gaps, seeded), a mix of `weights` over stream, json
    and cancel, each with a key from `keys()` and the phase `phase()` current at its start."""

    def __init__(self, base, model, rate, weights, keys, phase, seed, prefix, max_in_flight=400, timeout=60):
        self.base = base
        self.model = model
        self.rate = rate
        self.weights = weights
        self.keys = keys
        self.phase = phase
        self.random = random.Random(seed)
        self.prefix = prefix
        self.max_in_flight = max_in_flight
        self.timeout = timeout
        self.outcomes = []
        self.in_flight = 0
        self.stopping = False
        self.counter = 0
        self.tasks = set()

    async def run(self, session):
        slots = asyncio.Semaphore(self.max_in_flight)
        next_start = time.monotonic()
        while not self.stopping:
            next_start += self.random.expovariate(self.rate)
            delay = next_start - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await slots.acquire()
            if self.stopping:
                slots.release()
                break
            self.counter += 1
            kind = self.random.choices(list(self.weights), weights=list(self.weights.values()))[0]
            label, key = self.keys()
            outcome = Outcome(f"{self.prefix}-{self.counter}", kind, label, self.phase())
            max_tokens = self.random.randint(8, 40)
            cancel_after = self.random.randint(1, 4)
            task = asyncio.create_task(self.one(session, outcome, key, max_tokens, cancel_after))
            self.tasks.add(task)
            task.add_done_callback(lambda done: (self.tasks.discard(done), slots.release()))

    async def drain(self):
        self.stopping = True
        if self.tasks:
            await asyncio.wait(list(self.tasks))

    async def one(self, session, outcome, key, max_tokens, cancel_after):
        self.in_flight += 1
        stream = outcome.kind != "json"
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": f"request {outcome.id}: say something of {max_tokens} tokens"}],
            "max_tokens": max_tokens,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        headers = {"authorization": f"Bearer {key}", "x-request-id": outcome.id}
        try:
            async with session.post(f"{self.base}/v1/chat/completions", json=body, headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)) as answer:
                outcome.status = answer.status
                if answer.status != 200:
                    text = await answer.text()
                    try:
                        outcome.error = f"{answer.status} {json.loads(text)['error'].get('code') or json.loads(text)['error'].get('type')}"
                    except (ValueError, KeyError, TypeError, AttributeError):
                        outcome.error = f"{answer.status}"
                elif not stream:
                    answer_json = json.loads(await answer.read())
                    if not answer_json.get("choices"):
                        outcome.error = "no_choices"
                else:
                    done = False
                    async for line in answer.content:
                        if not line.startswith(b"data:"):
                            continue
                        data = line[5:].strip()
                        if data == b"[DONE]":
                            done = True
                            break
                        if b'"error"' in data and b'"choices"' not in data:
                            outcome.error = "stream_error_event"
                            try:
                                outcome.error = "stream_error:" + (json.loads(data)["error"].get("code") or "unknown")
                            except (ValueError, KeyError, TypeError, AttributeError):
                                pass
                            break
                        if b'"content"' in data:
                            outcome.chunks += 1
                            if outcome.ttft is None:
                                outcome.ttft = time.monotonic() - outcome.start
                            if outcome.kind == "cancel" and outcome.chunks >= cancel_after:
                                # Leave mid-stream: drop the connection, as a client that goes away does.
                                answer.close()
                                done = True
                                break
                    if not done and outcome.error is None:
                        outcome.error = "stream_incomplete"
        except Exception as error:  # noqa: BLE001 -- every failure is an outcome to count
            outcome.error = classify(error)
        outcome.latency = time.monotonic() - outcome.start
        self.in_flight -= 1
        self.outcomes.append(outcome)


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# ---------------------------------------------------------------- the ledger and the budgets


def ledger_checks(store_path, outcomes, budgets, expect_no_row=lambda outcome: False, id_prefix=""):
    """Consistency of the SQLite store after the gateway stopped (it writes its last rows on SIGTERM).

    - every request the client saw answered (a status arrived) has exactly one ledger row, with the
      same status (streams that broke after their 200 may be recorded with their error status);
    - no row has an id the client did not send;
    - per budget, the spend settled in the store (`budget_counters.spent`) equals the spend of the
      ledger rows it covers (dollars for `usd`, prompt plus completion tokens for `tokens`);
    - no budget capacity is still leased (`budget_leases`).

    `budgets`: [{id, scope: key|tenant, scope_id, unit, limit}] (limit in micro-dollars or tokens).
    Returns [(check, ok, detail)].
    """
    db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    # A row's request_id is the client's X-Request-Id, then "/" and the gateway's own request id.
    rows, duplicates = {}, []
    for row in db.execute("SELECT request_id, status, key_id, tenant_id, prompt_tokens, completion_tokens, cost_micro_usd, stream, error_code FROM usage_ledger"):
        client_id = row[0].split("/", 1)[0]
        if client_id in rows:
            duplicates.append(client_id)
        rows[client_id] = row
    checks = [("at most one ledger row per request", not duplicates, f"{len(duplicates)} ids with more than one row {duplicates[:5]}")]
    answered = [o for o in outcomes if o.status is not None]
    expected = [o for o in answered if not expect_no_row(o)]
    missing = [o.id for o in expected if o.id not in rows]
    unexpected = [o.id for o in answered if expect_no_row(o) and o.id in rows]
    checks.append(("a ledger row for every answered request", not missing, f"{len(expected)} answered, {len(expected) - len(missing)} with a row, missing {missing[:5]}"))
    if unexpected:
        checks.append(("no ledger row for requests refused before routing", False, f"{len(unexpected)}: {unexpected[:5]}"))
    sent = {o.id for o in outcomes}
    foreign = [request_id for request_id in rows if request_id.startswith(id_prefix) and request_id not in sent] if id_prefix else []
    checks.append(("no ledger row the client did not cause", not foreign, f"{len(rows)} rows; {len(foreign)} unknown ids {foreign[:5]}"))
    mismatched = [
        (o.id, o.status, rows[o.id][1]) for o in expected if o.id in rows and rows[o.id][1] != o.status and not (o.kind != "json" and o.status == 200)
    ]
    checks.append(("ledger status equals the status the client saw", not mismatched, f"{len(mismatched)} differ {mismatched[:5]}"))
    unanswered = [o for o in outcomes if o.status is None]
    if unanswered:
        recorded = sum(1 for o in unanswered if o.id in rows)
        checks.append(("(info) requests with no answer head", True, f"{len(unanswered)}, of which {recorded} in the ledger"))

    counters = {}
    for budget_id, spent in db.execute("SELECT budget_id, SUM(spent) FROM budget_counters GROUP BY budget_id"):
        counters[budget_id] = spent
    for budget in budgets:
        column = "key_id" if budget["scope"] == "key" else "tenant_id"
        amount = "cost_micro_usd" if budget["unit"] == "usd" else "prompt_tokens + completion_tokens"
        (ledger_sum,) = db.execute(f"SELECT COALESCE(SUM({amount}), 0) FROM usage_ledger WHERE {column} = ?", (budget["scope_id"],)).fetchone()
        settled = counters.get(budget["id"], 0)
        unit = "micro-USD" if budget["unit"] == "usd" else "tokens"
        checks.append(
            (f"budget {budget['label']}: ledger spend equals settled spend", ledger_sum == settled, f"ledger {ledger_sum} {unit}, settled {settled} {unit}, limit {budget['limit']}")
        )
        checks.append((f"budget {budget['label']}: settled spend within the limit", settled <= budget["limit"], f"{settled} <= {budget['limit']}"))
    (leased,) = db.execute("SELECT COALESCE(SUM(amount), 0) FROM budget_leases").fetchone()
    checks.append(("no budget capacity leased at rest (budget_leases)", leased == 0, f"{leased}"))
    db.close()
    return checks
