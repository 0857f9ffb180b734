#!/usr/bin/env bash
# TLS against plain HTTP on one Sluice build: gateway CPU per request and requests per second for
# kept-alive connections (a mock chat completion, and GET /health), and for a new connection per
# request (for TLS, a full handshake: wrk does not resume sessions).
#
#   bash bench/tls-cost.sh                        # 15 s per row
#   SLUICE_BIN=/path/to/sluice DURATION=30s bash bench/tls-cost.sh
#
# The certificate is a throwaway ECDSA P-256 leaf for 127.0.0.1 signed by a throwaway CA (openssl).
# Gateway CPU is the process's utime + stime over the measured run, divided by the requests wrk
# completed. Needs wrk, openssl and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SLUICE_BIN:-.build-release/release/sluice}
DURATION=${DURATION:-15s}
[ -x "$BIN" ] || swift build -c release --scratch-path .build-release --product sluice
BIN=$(realpath "$BIN")
WORK=$(mktemp -d /tmp/sluice-tls-cost.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=bench-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null

config() { # port [tls]
    cat <<YAML
server: { host: 127.0.0.1, port: $1${2:+, tls: { cert_file: $WORK/server.pem, key_file: $WORK/server.key \}} }
log: { level: warning }
auth: { api_keys: [sk-bench] }
models:
  - name: demo
    deployments: [{ provider: mock, mock: { time_to_first_token: 0ms, tokens_per_second: 0, completion_tokens: 16 } }]
YAML
}
config 18080 > plain.yaml
config 18443 tls > tls.yaml
cat > chat.lua <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
wrk.body = '{"model":"demo","messages":[{"role":"user","content":"Say hello"}],"max_tokens":16}'
LUA
echo 'wrk.headers["Connection"] = "close"' > close.lua

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
row() { # name config url wrk-arguments...
    local name=$1 config=$2 url=$3; shift 3
    "$BIN" serve --config "$config" > serve.log 2>&1 & local pid=$!
    for _ in $(seq 1 100); do curl -sk -o /dev/null "${url%%/v1*}/health" && break; sleep 0.1; done
    wrk -t1 -c16 -d3s "$@" "$url" > /dev/null 2>&1   # warm-up
    local before; before=$(cpu_ticks "$pid")
    local out; out=$(wrk -t1 -c16 -d"$DURATION" "$@" "$url")
    local after; after=$(cpu_ticks "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    local requests; requests=$(echo "$out" | awk '/requests in/ {print $1}')
    local rate; rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    local latency; latency=$(echo "$out" | awk '/Latency/ {print $2}')
    local errors; errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ' || true)
    # /proc counts CPU in ticks of 1/100 s.
    printf "| %s | %s | %s | %s | %s | %s |\n" "$name" "$rate" "$requests" "$latency" \
        "$(awk -v t=$((after - before)) -v r="$requests" 'BEGIN { printf "%.1f", t * 10000 / r }')" "$errors"
}

echo "| run | req/s | requests | mean latency | gateway CPU µs/request | errors |"
echo "|---|---|---|---|---|---|"
row "plain, kept alive, chat (mock)" plain.yaml http://127.0.0.1:18080/v1/chat/completions -s chat.lua
row "TLS, kept alive, chat (mock)" tls.yaml https://127.0.0.1:18443/v1/chat/completions -s chat.lua
row "plain, kept alive, GET /health" plain.yaml http://127.0.0.1:18080/health
row "TLS, kept alive, GET /health" tls.yaml https://127.0.0.1:18443/health
row "plain, new connection per request, GET /health" plain.yaml http://127.0.0.1:18080/health -s close.lua
row "TLS, new connection per request (full handshake), GET /health" tls.yaml https://127.0.0.1:18443/health -s close.lua
