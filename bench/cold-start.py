#!/usr/bin/env python3
"""Cold start: from process start to the first request served, and the idle memory after it.

    python3 bench/cold-start.py                  # 20 starts of each config, release binary
    python3 bench/cold-start.py --runs 50 --binary .build-release/release/sluice

For each config it starts the release binary (.build-release/release/sluice; built if
missing), then sends `POST /v1/chat/completions` (model `demo`, on the mock provider, answered
at once) in a tight loop of fresh connections until one answers 200: the time from just
before the process is spawned to that answer's last byte is the cold start. One second after
it, the process's resident memory (VmRSS) is read as its idle memory, then it gets SIGTERM.

Configs: `minimal` (no store, no audit log) and `governed` (the demo's SQLite store, with its
migrations checked at start, and an admin key). Each run uses a new SQLite file, so the
governed runs include creating the schema. Standard library only.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

MINIMAL = """
server: {{ host: 127.0.0.1, port: {port} }}
log: {{ level: warning }}
auth: {{ api_keys: [sk-bench] }}
models:
  - name: demo
    deployments: [{{ provider: mock, mock: {{ completion_tokens: 8 }} }}]
"""

GOVERNED = MINIMAL.replace(
    "auth: {{ api_keys: [sk-bench] }}",
    "auth: {{ api_keys: [sk-bench], admin_key: sk-admin-bench-0123456789 }}\nstore: {{ sqlite: {db} }}",
)

BODY = b'{"model":"demo","messages":[{"role":"user","content":"hi"}],"max_tokens":8}'
REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-bench\r\n"
    b"Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served(port):
    """One request on a new connection; True when it was answered 200."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(REQUEST)
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
            return answer.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def cpu_ms(pid):
    """CPU time of every thread of the process so far (the scheduler's nanosecond count)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
            total += int(stat.read().split()[0])
    return total / 1e6


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def one_start(binary, template, folder, index):
    port = free_port()
    config = os.path.join(folder, f"config-{index}.yaml")
    with open(config, "w") as f:
        f.write(template.format(port=port, db=os.path.join(folder, f"sluice-{index}.sqlite")))
    started = time.perf_counter()
    process = subprocess.Popen([binary, "serve", "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not served(port):
            if process.poll() is not None:
                sys.exit(f"sluice exited with {process.returncode}")
            if time.perf_counter() - started > 10:
                sys.exit("sluice did not answer within 10 s")
        elapsed = time.perf_counter() - started
        cpu = cpu_ms(process.pid)
        time.sleep(1)
        return elapsed, cpu, rss_kib(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--binary", default=".build-release/release/sluice")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "sluice"], check=True)
    report = {}
    with tempfile.TemporaryDirectory(prefix="sluice-cold-") as folder:
        for name, template in [("minimal", MINIMAL), ("governed", GOVERNED)]:
            samples = [one_start(args.binary, template, folder, f"{name}-{i}") for i in range(args.runs)]
            def summary(values):
                values = sorted(values)
                return {"min": round(values[0], 1), "median": round(statistics.median(values), 1), "max": round(values[-1], 1)}

            report[name] = {
                "runs": args.runs,
                "first_request_ms": summary(seconds * 1000 for seconds, _, _ in samples),
                "cpu_until_first_request_ms": summary(cpu for _, cpu, _ in samples),
                "idle_rss_mib": summary(kib / 1024 for _, _, kib in samples),
            }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
