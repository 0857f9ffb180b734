#!/usr/bin/env bash
# Throughput and latency of Sluice against nginx, on loopback, with a fixed fake upstream.
#
#   bash bench/load.sh
#   bash bench/load.sh --quick    one 3-second round of nginx and Sluice per variant, to
#                                 check a change in a minute (not for BENCHMARKS.md)
#
# Targets, all hit by wrk with the same 1 KiB chat request:
#   (a) direct  wrk -> nginx upstream (1 worker, fixed answers)
#   (b) nginx   wrk -> nginx reverse proxy (2 workers, keepalive 128) -> upstream
#   (c) sluice  wrk -> Sluice (release build) -> upstream
#   (d) sluice-gov  wrk -> Sluice with governance (SQLite store, a virtual key with rate
#       limits, key and tenant budgets, the usage ledger) -> upstream; only with TARGETS
#   bare-hb      wrk -> a bare Hummingbird 2 server answering a fixed small JSON (bench/bare)
#   bare-nio     wrk -> a bare SwiftNIO HTTP/1 server (a channel handler, no tasks; bench/bare)
#   sluice-health  wrk -> Sluice's GET /health (its middleware stack, no upstream)
#       these three: the server stack's floor beside Sluice; only with TARGETS, json modes only
#   baseline, baseline-gov  with BASELINE_BIN: another Sluice binary (say, an older commit's
#       release build) run with the same config on its own port, right after sluice
#       (and sluice-gov) in each round; the report gives the ratios of sluice to baseline
# The targets alternate within each round, so background load hits all of them alike.
# wrk checks every answer (status 200 and the body's last part, in bench/wrk/*.lua); the
# report counts wrong answers beside non-2xx ones, and a run with any is not a measurement.
# Variants (MODES):
#   json     non-streamed JSON answers, wrk -t$THREADS -c$CONNECTIONS
#   sse      streamed answers of 12 SSE events ("stream":true), same wrk settings
#   json-c1  non-streamed, one connection (wrk -t1 -c1): latency without queueing
#
# Environment (defaults in brackets):
#   ROUNDS [3]  DURATION [10s]  CONNECTIONS [32]  THREADS [2]
#   MODES ["json sse json-c1"]
#   TARGETS ["direct nginx sluice"]   add sluice-gov for the governance cost
#   UPSTREAM_PORT [28090]  PROXY_PORT [28091]  SLUICE_PORT [28092]  GOV_PORT [28093]
#   BARE_HB_PORT [28096]   BARE_NIO_PORT [28097]
#   SKIP_BUILD [0]         1 = use the existing .build-release binary
#   BASELINE_BIN []        a second Sluice binary to compare with, A/B in the same run
#   BASELINE_PORT [28094]  BASELINE_GOV_PORT [28095]
#   PERF_SECONDS [0]       > 0 = afterwards, profile Sluice with perf for that long under load
#   PERF_MODES ["json sse"] the variants to profile
#   RESULTS                where the raw wrk output goes [bench/results/load-<UTC time>]
set -euo pipefail
cd "$(dirname "$0")/.."

case ${1:-} in
    --quick) ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-3s} TARGETS=${TARGETS:-nginx sluice} ;;
    "") ;;
    *) echo "usage: bash bench/load.sh [--quick]   (settings in the environment, see above)" >&2; exit 2 ;;
esac

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
MODES=${MODES:-json sse json-c1}
TARGETS=${TARGETS:-direct nginx sluice}
GOV_PORT=${GOV_PORT:-28093}
UPSTREAM_PORT=${UPSTREAM_PORT:-28090}
PROXY_PORT=${PROXY_PORT:-28091}
SLUICE_PORT=${SLUICE_PORT:-28092}
SKIP_BUILD=${SKIP_BUILD:-0}
BASELINE_BIN=${BASELINE_BIN:-}
BASELINE_PORT=${BASELINE_PORT:-28094}
BASELINE_GOV_PORT=${BASELINE_GOV_PORT:-28095}
BARE_HB_PORT=${BARE_HB_PORT:-28096}
BARE_NIO_PORT=${BARE_NIO_PORT:-28097}
PERF_SECONDS=${PERF_SECONDS:-0}
PERF_MODES=${PERF_MODES:-json sse}
RESULTS=${RESULTS:-bench/results/load-$(date -u +%Y%m%dT%H%M%SZ)}
SLUICE_BIN=.build-release/release/sluice

need() {
    # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "== installing $2"
    if ! apt-get install -y "$2" >/dev/null 2>&1; then
        apt-get update >/dev/null && apt-get install -y "$2" >/dev/null
    fi
}
need wrk wrk
need nginx nginx
need curl curl
need python3 python3

if [ "$SKIP_BUILD" != 1 ]; then
    echo "== swift build -c release --scratch-path .build-release --product sluice"
    swift build -c release --scratch-path .build-release --product sluice
fi
[ -x "$SLUICE_BIN" ] || { echo "no $SLUICE_BIN; build it first" >&2; exit 1; }
BARE_BIN=bench/bare/.build/release
if [[ " $TARGETS " == *" bare-"* ]] && [ "$SKIP_BUILD" != 1 ]; then
    echo "== swift build -c release --package-path bench/bare"
    swift build -c release --package-path bench/bare
fi
if [ -n "$BASELINE_BIN" ]; then
    [ -x "$BASELINE_BIN" ] || { echo "BASELINE_BIN $BASELINE_BIN is not an executable" >&2; exit 1; }
    # Each baseline target runs right after its counterpart, so the pair shares a round's load.
    TARGETS=$(for target in $TARGETS; do
        echo "$target"
        case $target in sluice | sluice-gov) echo "${target/sluice/baseline}" ;; esac
    done | tr '\n' ' ')
fi

# nginx listens with reuseport, which would silently share a port with another listener.
PORTS=("$UPSTREAM_PORT" "$PROXY_PORT" "$SLUICE_PORT" "$GOV_PORT")
if [ -n "$BASELINE_BIN" ]; then PORTS+=("$BASELINE_PORT" "$BASELINE_GOV_PORT"); fi
PORTS+=("$BARE_HB_PORT" "$BARE_NIO_PORT")
for port in "${PORTS[@]}"; do
    if ss -Hltn "sport = :$port" | grep -q .; then
        echo "port $port is in use; pick others with UPSTREAM_PORT, PROXY_PORT, SLUICE_PORT, GOV_PORT, BASELINE_PORT" >&2
        exit 1
    fi
done

mkdir -p "$RESULTS"
{
    echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "uncommitted changes under Sources/ and Package.swift: $(git status --porcelain -- Sources Package.swift 2>/dev/null | wc -l) files"
    echo "binary $SLUICE_BIN built $(date -u -r "$SLUICE_BIN" '+%Y-%m-%d %H:%M:%S UTC') sha256 $(sha256sum "$SLUICE_BIN" | cut -c1-16)"
    if [ -n "$BASELINE_BIN" ]; then
        echo "baseline $BASELINE_BIN built $(date -u -r "$BASELINE_BIN" '+%Y-%m-%d %H:%M:%S UTC') sha256 $(sha256sum "$BASELINE_BIN" | cut -c1-16)"
        echo "baseline checkout commit $(git -C "$(dirname "$BASELINE_BIN")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    fi
} | tee "$RESULTS/build.txt"
WORK=$(mktemp -d /tmp/sluice-bench.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_nginx() {
    # start_nginx NAME TEMPLATE: renders the template into $WORK/NAME and starts nginx there.
    local prefix="$WORK/$1"
    mkdir -p "$prefix"
    sed -e "s|\${UPSTREAM_PORT}|$UPSTREAM_PORT|g" -e "s|\${PROXY_PORT}|$PROXY_PORT|g" \
        -e "s|\${NGINX_PREFIX}|$prefix|g" "$2" >"$prefix/nginx.conf"
    nginx -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" &
    PIDS+=($!)
}

wait_http() {
    # wait_http URL: until it answers at all (any status), 30 s at most.
    local i
    for i in $(seq 1 300); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "nothing answers at $1" >&2
    return 1
}

start_nginx upstream bench/nginx/upstream.conf
UPSTREAM_PID=${PIDS[-1]}
start_nginx proxy bench/nginx/proxy.conf
PROXY_PID=${PIDS[-1]}
BENCH_UPSTREAM_PORT=$UPSTREAM_PORT "$SLUICE_BIN" serve --config bench/sluice-bench.yaml --port "$SLUICE_PORT" \
    >"$RESULTS/sluice.log" 2>&1 &
SLUICE_PID=$!
PIDS+=("$SLUICE_PID")

BASELINE_PID=
if [[ " $TARGETS " == *" baseline "* ]]; then
    BENCH_UPSTREAM_PORT=$UPSTREAM_PORT "$BASELINE_BIN" serve --config bench/sluice-bench.yaml --port "$BASELINE_PORT" \
        >"$RESULTS/baseline.log" 2>&1 &
    BASELINE_PID=$!
    PIDS+=("$BASELINE_PID")
fi

BARE_HB_PID=
BARE_NIO_PID=
if [[ " $TARGETS " == *" bare-hb "* ]]; then
    "$BARE_BIN/bare-hummingbird" "$BARE_HB_PORT" >"$RESULTS/bare-hb.log" 2>&1 &
    BARE_HB_PID=$!
    PIDS+=("$BARE_HB_PID")
    wait_http "http://127.0.0.1:$BARE_HB_PORT/"
fi
if [[ " $TARGETS " == *" bare-nio "* ]]; then
    "$BARE_BIN/bare-nio" "$BARE_NIO_PORT" >"$RESULTS/bare-nio.log" 2>&1 &
    BARE_NIO_PID=$!
    PIDS+=("$BARE_NIO_PID")
    wait_http "http://127.0.0.1:$BARE_NIO_PORT/"
fi

wait_http "http://127.0.0.1:$UPSTREAM_PORT/"
wait_http "http://127.0.0.1:$PROXY_PORT/"
wait_http "http://127.0.0.1:$SLUICE_PORT/health"
if [ -n "$BASELINE_PID" ]; then wait_http "http://127.0.0.1:$BASELINE_PORT/health"; fi

start_governed() {
    # start_governed NAME BINARY PORT: a governed Sluice with its own store, tenant, key and
    # budgets; sets GOVERNED_PID and GOVERNED_KEY.
    local port=$3 key
    BENCH_UPSTREAM_PORT=$UPSTREAM_PORT BENCH_STORE=$WORK/$1.sqlite \
        "$2" serve --config bench/sluice-governance.yaml --port "$port" >"$RESULTS/$1.log" 2>&1 &
    GOVERNED_PID=$!
    PIDS+=("$GOVERNED_PID")
    wait_http "http://127.0.0.1:$port/health"
    admin() { curl -sf -H 'Authorization: Bearer sk-admin-bench-0123456789' -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$port/admin/$1"; }
    admin tenants '{"id":"bench"}' >/dev/null
    # Limits and budgets far above what a run uses: every check runs, none refuses.
    key=$(admin keys '{"name":"bench","tenant_id":"bench","requests_per_minute":100000000,"tokens_per_minute":1000000000000}' \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')
    admin budgets '{"scope":"tenant","scope_id":"bench","unit":"usd","period":"month","limit":1000000}' >/dev/null
    admin budgets "{\"scope\":\"key\",\"scope_id\":\"${key:0:18}\",\"unit\":\"tokens\",\"period\":\"day\",\"limit\":100000000000}" >/dev/null
    GOVERNED_KEY=$key
}

GOV_PID=
BENCH_KEY=sk-bench
if [[ " $TARGETS " == *" sluice-gov "* ]]; then
    start_governed sluice-gov "$SLUICE_BIN" "$GOV_PORT"
    GOV_PID=$GOVERNED_PID
    BENCH_KEY=$GOVERNED_KEY
fi
BASELINE_GOV_PID=
BASELINE_KEY=sk-bench
if [[ " $TARGETS " == *" baseline-gov "* ]]; then
    start_governed baseline-gov "$BASELINE_BIN" "$BASELINE_GOV_PORT"
    BASELINE_GOV_PID=$GOVERNED_PID
    BASELINE_KEY=$GOVERNED_KEY
fi

# CPU time (user+sys, clock ticks) of a process and its direct children (nginx master + workers).
cpu_ticks() {
    local total=0 pid fields
    for pid in "$1" $(pgrep -P "$1" || true); do
        [ -r "/proc/$pid/stat" ] || continue
        # Fields 14 and 15 (utime, stime), counted after the ")" that ends the command name.
        fields=$(sed -e 's/^.*) //' "/proc/$pid/stat")
        total=$((total + $(echo "$fields" | awk '{print $12 + $13}')))
    done
    echo "$total"
}

url_for() {
    # url_for TARGET MODE
    local port path
    case $1 in
        direct) port=$UPSTREAM_PORT ;;
        nginx) port=$PROXY_PORT ;;
        sluice) port=$SLUICE_PORT ;;
        sluice-gov) port=$GOV_PORT ;;
        baseline) port=$BASELINE_PORT ;;
        baseline-gov) port=$BASELINE_GOV_PORT ;;
        bare-hb) port=$BARE_HB_PORT ;;
        bare-nio) port=$BARE_NIO_PORT ;;
        sluice-health) echo "http://127.0.0.1:$SLUICE_PORT/health"; return ;;
    esac
    # nginx serves streams on a path of their own; Sluice picks them by model (bench-sse).
    path=/v1/chat/completions
    if [ "$2" = sse ] && { [ "$1" = direct ] || [ "$1" = nginx ]; }; then path=/sse/v1/chat/completions; fi
    echo "http://127.0.0.1:$port$path"
}

pid_for() {
    case $1 in
        direct) echo "$UPSTREAM_PID" ;;
        nginx) echo "$PROXY_PID" ;;
        sluice) echo "$SLUICE_PID" ;;
        sluice-gov) echo "$GOV_PID" ;;
        baseline) echo "$BASELINE_PID" ;;
        baseline-gov) echo "$BASELINE_GOV_PID" ;;
        bare-hb) echo "$BARE_HB_PID" ;;
        bare-nio) echo "$BARE_NIO_PID" ;;
        sluice-health) echo "$SLUICE_PID" ;;
    esac
}

floor_target() {
    # The server-stack floor targets answer plain requests only (no streams).
    case $1 in bare-hb | bare-nio | sluice-health) return 0 ;; *) return 1 ;; esac
}

key_for() {
    case $1 in
        sluice-gov) echo "$BENCH_KEY" ;;
        baseline-gov) echo "$BASELINE_KEY" ;;
        *) echo sk-bench ;;
    esac
}

script_for() {
    if [ "$1" = sse ]; then echo bench/wrk/chat-stream.lua; else echo bench/wrk/chat.lua; fi
}

script_options() {
    # script_options TARGET MODE: wrk's -s option; none for GET /health
    if [ "$1" = sluice-health ]; then return; fi
    echo "-s $(script_for "$2")"
}

wrk_load() {
    # wrk_load MODE: the -t and -c options for a variant
    if [ "$1" = json-c1 ]; then echo "-t1 -c1"; else echo "-t$THREADS -c$CONNECTIONS"; fi
}

# One request per target and mode, to show what each one answers.
echo "== sample answers"
for mode in $(echo "$MODES" | tr ' ' '\n' | grep -v c1); do
    for target in $TARGETS; do
        if [ "$mode" = sse ] && floor_target "$target"; then continue; fi
        body=$(sed -n 's/^wrk.body = \[\[\(.*\)\]\]$/\1/p' "$(script_for "$mode")")
        data=(--data-binary "$body")
        if [ "$target" = sluice-health ]; then data=(); fi
        status=$(curl -s -o "$RESULTS/sample-$mode-$target.txt" -w '%{http_code}' \
            -H 'Content-Type: application/json' -H "Authorization: Bearer $(key_for "$target")" \
            "${data[@]}" "$(url_for "$target" "$mode")")
        printf '%-4s %-12s HTTP %s  %s\n' "$mode" "$target" "$status" "$(head -c 150 "$RESULTS/sample-$mode-$target.txt" | tr '\n' ' ')"
    done
done

# Warm-up: connection pools, caches, page faults.
for target in $TARGETS; do
    # shellcheck disable=SC2046 # an option and its value, or nothing
    WRK_KEY=$(key_for "$target") wrk -t"$THREADS" -c"$CONNECTIONS" -d2s $(script_options "$target" json) "$(url_for "$target" json)" >/dev/null
done

{
    echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(nproc) cores  $(uname -r)"
    echo "# wrk <-t -c> -d$DURATION --latency -s <script> <url>"
} >"$RESULTS/runs.tsv"
printf 'mode\tround\ttarget\tfile\tcpu_ticks\tload1\twrk\n' >>"$RESULTS/runs.tsv"

for round in $(seq 1 "$ROUNDS"); do
    for mode in $MODES; do
        for target in $TARGETS; do
            if [ "$mode" = sse ] && floor_target "$target"; then continue; fi
            file="$mode-$target-r$round.txt"
            load1=$(cut -d' ' -f1 /proc/loadavg)
            pid=$(pid_for "$target")
            before=$(cpu_ticks "$pid")
            # shellcheck disable=SC2046 # two options
            WRK_KEY=$(key_for "$target") wrk $(wrk_load "$mode") -d"$DURATION" --latency $(script_options "$target" "$mode") \
                "$(url_for "$target" "$mode")" >"$RESULTS/$file" 2>&1 || true
            after=$(cpu_ticks "$pid")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$round" "$target" "$file" "$((after - before))" "$load1" \
                "wrk $(wrk_load "$mode") -d$DURATION --latency $(script_options "$target" "$mode") $(url_for "$target" "$mode")" >>"$RESULTS/runs.tsv"
            printf 'round %s %-7s %-12s %s\n' "$round" "$mode" "$target" "$(grep -E 'Requests/sec' "$RESULTS/$file" || echo 'wrk failed')"
        done
    done
done

kill -0 "$SLUICE_PID" 2>/dev/null || echo "!! Sluice is no longer running; see $RESULTS/sluice.log"
grep -E 'VmHWM|VmRSS' "/proc/$SLUICE_PID/status" >"$RESULTS/sluice-memory.txt" 2>/dev/null || true
if [ -n "$BASELINE_PID" ]; then
    kill -0 "$BASELINE_PID" 2>/dev/null || echo "!! the baseline Sluice is no longer running; see $RESULTS/baseline.log"
    grep -E 'VmHWM|VmRSS' "/proc/$BASELINE_PID/status" >"$RESULTS/baseline-memory.txt" 2>/dev/null || true
fi

echo
python3 bench/wrk-report.py "$RESULTS" | tee "$RESULTS/report.md"

if [ "$PERF_SECONDS" -gt 0 ]; then
    if command -v perf >/dev/null 2>&1; then
        demangle() { if command -v swift-demangle >/dev/null 2>&1; then swift-demangle --simplified; else cat; fi; }
        for mode in $PERF_MODES; do
            echo
            echo "== perf: Sluice under the $mode load ($(wrk_load "$mode")), ${PERF_SECONDS}s"
            # shellcheck disable=SC2046
            wrk $(wrk_load "$mode") -d"$((PERF_SECONDS + 4))s" -s "$(script_for "$mode")" "$(url_for sluice "$mode")" \
                >"$RESULTS/perf-$mode-wrk.txt" 2>&1 &
            wrk_pid=$!
            sleep 2
            perf record -F 999 -p "$SLUICE_PID" -o "$RESULTS/perf-$mode.data" -- sleep "$PERF_SECONDS" >/dev/null 2>&1 || true
            wait "$wrk_pid" || true
            perf report -i "$RESULTS/perf-$mode.data" --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' \
                | head -10 | tee "$RESULTS/perf-$mode-dso.txt" || true
            echo
            perf report -i "$RESULTS/perf-$mode.data" --no-children --sort sym --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' \
                | head -40 | demangle | cut -c1-200 | tee "$RESULTS/perf-$mode-symbols.txt" || true
        done
    else
        echo "perf is not installed; skipping the profile"
    fi
fi
echo
echo "raw output: $RESULTS"
