#!/usr/bin/env bash
# Soak: Sluice's resident memory and throughput under hours of steady load, on loopback.
#
#   bash bench/soak.sh                     # one hour of streams, then a minute idle
#   DURATION=300 MODES="sse json" bash bench/soak.sh
#
# wrk drives Sluice (bench/sluice-bench.yaml) in front of the fixed nginx upstream of
# bench/load.sh, in back-to-back runs of INTERVAL seconds; after each run one CSV row records
# Sluice's RSS and peak RSS, and the requests and errors (read errors apart) of that run. After
# the load, IDLE seconds of rows with no traffic show whether memory is given back. A gateway
# that keeps nothing per request shows an RSS that levels off within minutes and stays flat.
#
# Variants (MODES, taken in turn, one per run):
#   sse        streamed answers ("stream":true), kept-alive connections
#   sse-close  streamed answers, a new connection per request (Connection: close)
#   json       non-streamed answers, kept-alive connections
#
# Environment (defaults in brackets):
#   DURATION [3600]  seconds of load       INTERVAL [10]  seconds per run and row
#   IDLE [60]        seconds of rows after the load
#   MODES ["sse"]    CONNECTIONS [32]      THREADS [2]
#   UPSTREAM_PORT [28190]  SLUICE_PORT [28192]
#   SLUICE_BIN [.build-release/release/sluice]  built (release) when missing
#   CSV [bench/results/soak-<UTC time>.csv]
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-3600}
INTERVAL=${INTERVAL:-10}
IDLE=${IDLE:-60}
MODES=${MODES:-sse}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
UPSTREAM_PORT=${UPSTREAM_PORT:-28190}
SLUICE_PORT=${SLUICE_PORT:-28192}
SLUICE_BIN=${SLUICE_BIN:-.build-release/release/sluice}
CSV=${CSV:-bench/results/soak-$(date -u +%Y%m%dT%H%M%SZ).csv}

for tool in wrk:wrk nginx:nginx curl:curl; do
    command -v "${tool%%:*}" >/dev/null 2>&1 && continue
    apt-get install -y "${tool#*:}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${tool#*:}" >/dev/null; }
done
if [ ! -x "$SLUICE_BIN" ]; then
    echo "== swift build -c release --scratch-path .build-release --product sluice"
    swift build -c release --scratch-path .build-release --product sluice
fi
for port in "$UPSTREAM_PORT" "$SLUICE_PORT"; do
    if ss -Hltn "sport = :$port" | grep -q .; then
        echo "port $port is in use; pick others with UPSTREAM_PORT and SLUICE_PORT" >&2
        exit 1
    fi
done

WORK=$(mktemp -d /tmp/sluice-soak.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/upstream" "$(dirname "$CSV")"
sed -e "s|\${UPSTREAM_PORT}|$UPSTREAM_PORT|g" -e "s|\${NGINX_PREFIX}|$WORK/upstream|g" \
    bench/nginx/upstream.conf >"$WORK/upstream/nginx.conf"
nginx -p "$WORK/upstream" -e "$WORK/upstream/error.log" -c "$WORK/upstream/nginx.conf" &
PIDS+=($!)
BENCH_UPSTREAM_PORT=$UPSTREAM_PORT "$SLUICE_BIN" serve --config bench/sluice-bench.yaml --port "$SLUICE_PORT" \
    >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
PIDS+=("$SLUICE_PID")
for url in "http://127.0.0.1:$UPSTREAM_PORT/" "http://127.0.0.1:$SLUICE_PORT/health"; do
    for _ in $(seq 1 300); do curl -s -o /dev/null "$url" && break; sleep 0.1; done
done
curl -sf -o /dev/null "http://127.0.0.1:$SLUICE_PORT/health" || { echo "Sluice did not start:" >&2; cat "$WORK/sluice.log" >&2; exit 1; }

memory() {
    # memory: "RSS,HWM" of Sluice in KiB
    awk '/^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 } END { print rss "," hwm }' "/proc/$SLUICE_PID/status"
}

START=$(date +%s)
row() {
    # row PHASE MODE REQUESTS ERRORS READ-ERRORS
    local now
    now=$(date +%s)
    echo "$(date -u '+%Y-%m-%dT%H:%M:%SZ'),$((now - START)),$1,$2,$(memory),$3,$(awk -v r="$3" -v s="$INTERVAL" 'BEGIN { printf "%.0f", r / s }'),$4,$5" >>"$CSV"
}

echo "# sluice soak $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $SLUICE_BIN, wrk -t$THREADS -c$CONNECTIONS, $(nproc) cores" >"$CSV"
echo "utc,elapsed_s,phase,mode,rss_kib,hwm_kib,requests,requests_per_s,errors,read_errors" >>"$CSV"
row start - 0 0 0
echo "== $DURATION s of load ($MODES), then $IDLE s idle; rows every $INTERVAL s in $CSV"

read -r -a modes <<<"$MODES"
run=0
while [ $(($(date +%s) - START)) -lt "$DURATION" ]; do
    mode=${modes[$((run % ${#modes[@]}))]}
    run=$((run + 1))
    script=bench/wrk/chat-stream.lua
    extra=()
    case $mode in
        sse) ;;
        sse-close) extra=(-H 'Connection: close') ;;
        json) script=bench/wrk/chat.lua ;;
        *) echo "unknown mode $mode" >&2; exit 1 ;;
    esac
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${INTERVAL}s" "${extra[@]}" -s "$script" \
        "http://127.0.0.1:$SLUICE_PORT/v1/chat/completions" 2>&1 || true)
    requests=$(echo "$out" | awk '/requests in/ { print $1 }')
    # Non-2xx answers and connect, write and timeout errors of this run; read errors apart: wrk
    # counts a server's close after a Connection: close answer as one unless the answer says close.
    errors=$(echo "$out" | awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $8 + $10 } END { print n + 0 }')
    read_errors=$(echo "$out" | awk '/Socket errors/ { gsub(",", ""); n += $6 } END { print n + 0 }')
    kill -0 "$SLUICE_PID" 2>/dev/null || { echo "!! Sluice is no longer running:" >&2; tail -20 "$WORK/sluice.log" >&2; exit 1; }
    row load "$mode" "${requests:-0}" "$errors" "$read_errors"
done
IDLE_END=$(($(date +%s) + IDLE))
while [ "$(date +%s)" -lt "$IDLE_END" ]; do
    sleep "$INTERVAL"
    row idle - 0 0 0
done

column -s, -t < <(tail -n +2 "$CSV") | sed -n '1p;2p;$p'
# Growth after the first row of load (which holds the warm-up), per request of the later rows.
awk -F, 'NR > 2 && $3 == "load" { if (first) { n += $7 } else { first = $5 }; last = $5 }
    END { if (n) printf "RSS %d -> %d KiB over the %d requests after the first row: %.0f bytes per request\n", first, last, n, (last - first) * 1024 / n }' "$CSV"
echo "rows: $CSV"
