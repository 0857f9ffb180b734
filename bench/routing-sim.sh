#!/usr/bin/env bash
# Every balancer against round-robin, in a discrete-event simulation of model servers with
# prefix KV caches (Tests/SluiceTests/Simulation), using the gateway's own strategies and leases.
# Prints one table per scenario: time to first token, latency, errors, prefix cache hits.
#
#   bash bench/routing-sim.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SLUICE_SIM_REPORT=1 swift test --filter 'RoutingSimulationTests/report' 2>&1 | grep -E '^(\||###)'
