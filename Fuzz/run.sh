#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and AddressSanitizer and runs each for a while.
#
#   Fuzz/run.sh                      every target for 60 s (what CI runs)
#   Fuzz/run.sh --long               every target for an hour
#   Fuzz/run.sh --seconds 300 --target json-scanner --target sse-framing
#   Fuzz/run.sh --jobs 2             two targets at a time
#   Fuzz/run.sh --update-corpus      afterwards, merge what the run found into Fuzz/Corpus (minimised)
#   Fuzz/run.sh --reseed             first merge the seeds Fuzz/seed.py writes into Fuzz/Corpus
#   Fuzz/run.sh --no-build           use the binaries already in Fuzz/.build/release
#
# Fails (exit 1) on any crash, contract violation, leak, input slower than --timeout seconds, or
# process above --rss-mb; the input is left in Fuzz/Artifacts/<target>/ and its log beside it.
# The committed corpus is only read: new inputs go to Fuzz/.build/corpus/<target>/. Each target
# gets the dictionary Fuzz/Dictionaries/<target>.dict (written by seed.py) when there is one.
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGETS_ALL=(json-scanner client-requests upstream-responses sse-framing openai-stream anthropic-stream gemini-stream event-stream reasoning-splitter config-yaml http-head)

seconds=60
timeout=10
rss_mb=2048
jobs=1
build=1
update=0
reseed=0
targets=()

while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --long) seconds=3600; shift ;;
        --timeout) timeout="$2"; shift 2 ;;
        --rss-mb) rss_mb="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --target) targets+=("$2"); shift 2 ;;
        --no-build) build=0; shift ;;
        --update-corpus) update=1; shift ;;
        --reseed) reseed=1; shift ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${TARGETS_ALL[@]}")

if ! command -v swift >/dev/null 2>&1; then
    [[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH" || { echo "swift is not on PATH" >&2; exit 2; }
fi

BIN="$FUZZ_DIR/.build/release"
WORK="$FUZZ_DIR/.build/corpus"
LOGS="$FUZZ_DIR/.build/logs"
ARTIFACTS="$FUZZ_DIR/Artifacts"
mkdir -p "$WORK" "$LOGS"

if [[ $build -eq 1 ]]; then
    echo "== building (release, -sanitize=fuzzer,address, debug info)"
    start=$(date +%s)
    # One product at a time: a plain `swift build` would also build every target of the root
    # package it depends on (BoringSSL, GRDB, Hummingbird, ...).
    for target in "${targets[@]}"; do
        if ! swift build --package-path "$FUZZ_DIR" -c release --sanitize fuzzer --sanitize address -Xswiftc -g -Xcc -g \
            --product "$target" >"$LOGS/build-$target.log" 2>&1; then
            grep -v "__asan_extra_spill_area" "$LOGS/build-$target.log" >&2
            echo "build of $target failed" >&2
            exit 2
        fi
        echo "built $target"
    done
    # A build from scratch has left some Swift modules without coverage counters (Swift 6.3.1;
    # the same command then rebuilds them instrumented). Rebuild any module with none.
    stale=0
    for module in "$FUZZ_DIR"/.build/release/*.build; do
        compgen -G "$module/*.swift.o" >/dev/null || continue
        if ! for object in "$module"/*.swift.o; do readelf -S "$object"; done | grep -q __sancov_cntrs; then
            rm -f "$module"/*.swift.o
            stale=$((stale + 1))
        fi
    done
    if [[ $stale -gt 0 ]]; then
        echo "rebuilding $stale modules built without coverage counters"
        for target in "${targets[@]}"; do
            swift build --package-path "$FUZZ_DIR" -c release --sanitize fuzzer --sanitize address -Xswiftc -g -Xcc -g \
                --product "$target" >>"$LOGS/build-$target.log" 2>&1 || { echo "build of $target failed" >&2; exit 2; }
        done
    fi
    echo "== built in $(( $(date +%s) - start )) s"
fi

# Swift's own crash handler would run inside ASan's; libFuzzer's reports the failure instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"

if [[ $reseed -eq 1 ]]; then
    python3 "$FUZZ_DIR/seed.py"
    for target in "${targets[@]}"; do
        mkdir -p "$FUZZ_DIR/Corpus/$target"
        "$BIN/$target" -merge=1 "$FUZZ_DIR/Corpus/$target" "$FUZZ_DIR/.build/seeds/$target" >/dev/null 2>&1
    done
fi

# Runs one target; its summary line goes to $LOGS/<target>.summary, its exit status is returned.
fuzz_one() {
    local target="$1" log="$LOGS/$1.log" status=0
    mkdir -p "$WORK/$target" "$FUZZ_DIR/Corpus/$target"
    rm -rf "${ARTIFACTS:?}/$target"
    mkdir -p "$ARTIFACTS/$target"
    local dictionary=()
    [[ -f "$FUZZ_DIR/Dictionaries/$target.dict" ]] && dictionary=(-dict="$FUZZ_DIR/Dictionaries/$target.dict")
    "$BIN/$target" "$WORK/$target" "$FUZZ_DIR/Corpus/$target" "${dictionary[@]}" \
        -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" \
        -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$target/" >"$log" 2>&1 || status=$?
    local last execs speed newunits peak cov ft corp result
    last=$(grep -a -E '^#[0-9]+' "$log" | tail -1 || true)
    execs=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
    speed=$(grep -a 'stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)
    peak=$(grep -a 'stat::peak_rss_mb' "$log" | awk '{print $2}' || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
    if [[ $status -eq 0 && -z "$cov" ]]; then
        # libFuzzer saw no coverage counters: the build lost its instrumentation.
        status=3
        result="FAILED (no coverage: not instrumented?)"
        mkdir -p "$ARTIFACTS/$target" && cp "$log" "$ARTIFACTS/$target/"
    elif [[ $status -eq 0 ]]; then
        result=ok
        rm -rf "${ARTIFACTS:?}/$target"
    else
        result="FAILED ($(grep -a -o -m1 -E 'contract violated: .{0,80}|ERROR: libFuzzer: [a-z-]+|ERROR: AddressSanitizer: [a-z-]+|ERROR: LeakSanitizer: [a-z ]+' "$log" || echo "exit $status"))"
        cp "$log" "$ARTIFACTS/$target/"
    fi
    printf '%-20s %12s %9s %6s %7s %12s %7s  %s\n' "$target" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${peak:-?}" "$result" >"$LOGS/$target.summary"
    return $status
}

echo "== fuzzing ${#targets[@]} targets for $seconds s each, $jobs at a time (timeout $timeout s, rss limit $rss_mb MB)"
start=$(date +%s)
failed=0
running=0
for target in "${targets[@]}"; do
    [[ -x "$BIN/$target" ]] || { echo "no binary for $target in $BIN" >&2; exit 2; }
    fuzz_one "$target" &
    running=$((running + 1))
    if [[ $running -ge $jobs ]]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
done
while [[ $running -gt 0 ]]; do
    wait -n || failed=1
    running=$((running - 1))
done

printf '\n%-20s %12s %9s %6s %7s %12s %7s  %s\n' target executions exec/s cov ft corpus rss_mb result
for target in "${targets[@]}"; do cat "$LOGS/$target.summary"; done
echo "== $(date -u +%Y-%m-%d), $seconds s per target, $(( $(date +%s) - start )) s in all; logs in $LOGS"

if [[ $update -eq 1 ]]; then
    for target in "${targets[@]}"; do
        merged="$WORK/$target.merged"
        rm -rf "$merged" && mkdir -p "$merged"
        "$BIN/$target" -set_cover_merge=1 "$merged" "$FUZZ_DIR/Corpus/$target" "$WORK/$target" >/dev/null 2>&1
        rm -rf "${FUZZ_DIR:?}/Corpus/$target" && mv "$merged" "$FUZZ_DIR/Corpus/$target"
        echo "corpus $target: $(ls "$FUZZ_DIR/Corpus/$target" | wc -l) inputs, $(cat "$FUZZ_DIR/Corpus/$target"/* 2>/dev/null | wc -c) bytes"
    done
fi

if [[ $failed -ne 0 ]]; then
    echo "== FAILED: inputs and logs are in $ARTIFACTS" >&2
    exit 1
fi
