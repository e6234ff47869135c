#!/usr/bin/env bash
# Re-measures and regenerates the generated sections of bench/RESULTS.md (machine, command,
# results table, targets). Text outside the GENERATED markers is left alone.
#
#   bench/update_results.sh                 # uses ./build (cmake -S . -B build first)
#   BUILD_DIR=build-bench bench/update_results.sh
#   PARAMS=PBS_4BIT THREADS=1 bench/update_results.sh   # a quick partial refresh
#
# Run it on an otherwise idle machine. The driver reports each row's CPU share (our CPU time /
# (wall time × threads)); rows below 95% lost a core to other load and are re-measured up to
# RETRIES times, then marked "disturbed" in the table.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cd "$root"

build=${BUILD_DIR:-build}
params=${PARAMS:-TFHE_LIB,BOOL_128,PBS_2BIT,PBS_4BIT,TOY}
ops=${OPS:-ks_pbs,pbs,gate_nand,blind_rotate,external_product,keyswitch,fft}
threads=${THREADS:-1,2}
min_time=${MIN_TIME:-0.5}
repetitions=${REPETITIONS:-5}
retries=${RETRIES:-3}       # rounds of re-measuring rows that other load disturbed
idle_wait=${IDLE_WAIT:-60}   # per pair, at most this many seconds waiting for an idle machine
driver="$build/bench/lutfhe_bench"

if [[ ! -x "$driver" ]]; then
  echo "update_results.sh: $driver not found; build it first:" >&2
  echo "  cmake -S . -B $build && cmake --build $build --target lutfhe_bench" >&2
  exit 1
fi

# Percentage of CPU time spent busy over the next second (all CPUs, from /proc/stat).
cpu_times() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
busy_percent() {
  local b1 i1 b2 i2 total
  read -r b1 i1 < <(cpu_times)
  sleep 1
  read -r b2 i2 < <(cpu_times)
  total=$((b2 - b1 + i2 - i1))
  echo $((total > 0 ? 100 * (b2 - b1) / total : 0))
}
# Waits (at most $1 seconds) until the machine is idle; returns 1 if it never was.
wait_for_idle() {
  local deadline=$((SECONDS + $1))
  while ((SECONDS < deadline)); do
    (($(busy_percent) <= 10)) && return 0
  done
  return 1
}

# The whole run is equivalent to this one command; it is run one (op, set) pair at a time so
# that each pair can wait for an idle machine.
cmd="$driver --params $params --op $ops --threads $threads --min-time $min_time"
cmd+=" --repetitions $repetitions --json"
measure() {
  "$driver" --op "$1" --params "$2" --threads "$threads" --min-time "$min_time" \
    --repetitions "$repetitions" --json --quiet
}

results=$(mktemp)
retry=$(mktemp)
trap 'rm -f "$results" "$retry"' EXIT
echo "update_results.sh: $cmd" >&2
IFS=, read -ra set_list <<<"$params"
IFS=, read -ra op_list <<<"$ops"
busy_warned=0
for set in "${set_list[@]}"; do
  echo "update_results.sh: measuring $set" >&2
  for op in "${op_list[@]}"; do
    # Once the machine proved busy, stop waiting: the retries below get their own waits.
    if ((busy_warned == 0)) && ! wait_for_idle "$idle_wait"; then
      echo "update_results.sh: warning: the machine is busy (other processes); rows will be" \
        "disturbed and re-measured" >&2
      busy_warned=1
    fi
    measure "$op" "$set" >>"$results"
  done
done

# Re-measure (both thread counts) every pair whose batch lost CPU to other load.
for ((round = 1; round <= retries; ++round)); do
  pairs=$(python3 "$here/format_results.py" disturbed --results "$results")
  [[ -z "$pairs" ]] && break
  echo "update_results.sh: round $round: re-measuring disturbed rows" >&2
  while read -r op set; do
    if ! wait_for_idle "$idle_wait"; then
      echo "update_results.sh: the machine stays busy; giving up re-measuring" >&2
      break 2
    fi
    measure "$op" "$set" >"$retry"
    python3 "$here/format_results.py" merge --results "$results" --new "$retry"
  done <<<"$pairs"
done
left=$(python3 "$here/format_results.py" disturbed --results "$results" | wc -l)
if ((left > 0)); then
  echo "update_results.sh: warning: $left op/set pairs still disturbed (marked in the table)" >&2
fi

python3 "$here/format_results.py" format --results "$results" --markdown "$here/RESULTS.md" \
  --command "$cmd" --build-dir "$build"
cp "$results" "$here/results.jsonl"
echo "update_results.sh: updated bench/RESULTS.md and bench/results.jsonl" >&2
