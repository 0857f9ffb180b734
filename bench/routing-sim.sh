#!/usr/bin/env bash
# Every balancer against round-robin, in a discrete-event simulation of model servers with
# prefix KV caches (Sources/RoutingSimulation), using the gateway's own strategies and leases;
# then prefix-aware routing against round-robin over a sweep of prefixes, cache size, arrival
# rate and prompt hashing, several seeds per point. Prints Markdown tables (simulated time: the
# figures depend on the seeds, not on the machine).
#
#   bash bench/routing-sim.sh                 # both parts, 9 seeds per sweep point
#   bash bench/routing-sim.sh sweep --seeds 5 # one part, fewer seeds
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product sluice-routing-sim >&2
"$(swift build --show-bin-path)/sluice-routing-sim" "$@"
