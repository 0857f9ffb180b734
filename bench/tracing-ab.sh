#!/usr/bin/env bash
# The cost of tracing per request: two builds of Sluice side by side (a baseline, say main's,
# and this one) with tracing off, and this one with tracing on, exporting to bench/otlp-sink.py,
# which drops every batch. All three sit in front of the nginx upstream of bench/load.sh and are
# hit in turn by wrk with the same chat request; CPU per request is the gateway's own CPU time
# (from /proc) divided by the requests wrk completed.
#
#   bash bench/tracing-ab.sh BASELINE_BIN BRANCH_BIN [ROUNDS=2] [DURATION=8s] [CONNECTIONS=1]
set -euo pipefail
cd "$(dirname "$0")/.."
MAIN=$1; BRANCH=$2; ROUNDS=${3:-2}; DUR=${4:-8s}; CONN=${5:-1}
W=$(mktemp -d /tmp/tracing-ab.XXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
mkdir -p $W/up
sed -e "s|\${UPSTREAM_PORT}|28190|g" -e "s|\${NGINX_PREFIX}|$W/up|g" bench/nginx/upstream.conf > $W/up/nginx.conf
nginx -p $W/up -e $W/up/error.log -c $W/up/nginx.conf & PIDS+=($!)
python3 bench/otlp-sink.py 28199 > $W/sink.log 2>&1 & PIDS+=($!)
cp bench/sluice-bench.yaml $W/off.yaml
{ cat bench/sluice-bench.yaml; printf 'tracing:\n  otlp_endpoint: http://127.0.0.1:28199/v1/traces\n  export_interval: 1s\n'; } > $W/on.yaml
start() { BENCH_UPSTREAM_PORT=28190 "$1" serve --config "$2" --port "$3" > $W/$3.log 2>&1 & PIDS+=($!); LAST=$!; }
start "$MAIN" $W/off.yaml 28191; PM=$LAST; start "$BRANCH" $W/off.yaml 28192; PO=$LAST; start "$BRANCH" $W/on.yaml 28193; PT=$LAST
for port in 28191 28192 28193; do for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/health && break; sleep 0.1; done; done
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
declare -A NAME=([28191]=baseline-off [28192]=branch-off [28193]=branch-on) PIDOF=([28191]=$PM [28192]=$PO [28193]=$PT)
for port in 28191 28192 28193; do wrk -t1 -c$CONN -d2s -s bench/wrk/chat.lua http://127.0.0.1:$port/v1/chat/completions > /dev/null; done
for r in $(seq 1 $ROUNDS); do
  for port in 28191 28192 28193; do
    c0=$(cpu ${PIDOF[$port]})
    out=$(wrk -t1 -c$CONN -d$DUR --latency -s bench/wrk/chat.lua http://127.0.0.1:$port/v1/chat/completions)
    c1=$(cpu ${PIDOF[$port]})
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    us=$(python3 -c "print(round(($c1-$c0)*10000/$reqs,1))")   # clock ticks (10 ms) -> µs per request
    echo "round $r ${NAME[$port]} c=$CONN req/s=$rps p50=$p50 p99=$p99 cpu/req=${us}us"
  done
done
echo "sink: $(grep -c export $W/sink.log) exports received; tracing gateway log lines: $(grep -c . $W/28193.log)"; tail -1 $W/sink.log
