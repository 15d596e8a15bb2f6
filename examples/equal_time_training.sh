#!/usr/bin/env bash
# Sparse training at equal wall time: the control for `chaosnet evolve --minutes M`. Runs
# `chaosnet train --edges E --seed S` for seeds 1, 2, ... at every budget in turn, two at a time
# (one thread each, as evolve uses two), until M minutes of wall time are spent: a run is not
# started when the last run at its budget says it would end after the deadline. Then it picks,
# per budget, the seed with the best validation accuracy and prints that run's test accuracy
# (every run measures it once at its end; only the pick's is reported).
#
#   examples/equal_time_training.sh MINUTES OUT_DIR [BUDGETS] [-- extra train flags]
#   e.g. examples/equal_time_training.sh 5 runs/equal-time 1300,3000,6000
set -euo pipefail

usage() { echo "usage: $0 MINUTES OUT_DIR [BUDGETS e.g. 1300,3000,6000] [-- extra chaosnet train flags]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
minutes=$1 out=$2
shift 2
budgets=1300,3000,6000
if [[ $# -gt 0 && $1 != "--" ]]; then budgets=$1; shift; fi
[[ $# -gt 0 && $1 == "--" ]] && shift
extra=("$@")
[[ $minutes =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "error: MINUTES must be a positive number, got '$minutes'" >&2; exit 2; }
IFS=, read -r -a budget_list <<< "$budgets"
for b in "${budget_list[@]}"; do
  [[ $b =~ ^[1-9][0-9]*$ ]] || { echo "error: BUDGETS must be comma-separated edge counts, got '$budgets'" >&2; exit 2; }
done
chaosnet=${CHAOSNET:-build/examples/chaosnet}
[[ -x $chaosnet ]] || { echo "error: $chaosnet is not built (set CHAOSNET to the binary)" >&2; exit 2; }
mkdir -p "$out"

start=$(date +%s.%N)
deadline=$(awk -v s="$start" -v m="$minutes" 'BEGIN { printf "%.3f", s + 60 * m }')
now() { date +%s.%N; }

# Worker w takes tasks w, w + 2, w + 4, ...: task k is budget k mod B at seed k / B + 1.
worker() {
  local w=$1 k=$1 count=${#budget_list[@]}
  while :; do
    local budget=${budget_list[$((k % count))]} seed=$((k / count + 1))
    local last="$out/last-$budget"  # seconds the latest run at this budget took (either worker)
    local expected=0
    [[ -s $last ]] && expected=$(cat "$last")
    if awk -v n="$(now)" -v e="$expected" -v d="$deadline" 'BEGIN { exit !(n + e > d) }'; then break; fi
    local began
    began=$(now)
    "$chaosnet" train --data "${DATA:-data/mnist}" --edges "$budget" --seed "$seed" "${extra[@]}" \
      --json "$out/edges-$budget-seed-$seed.json" > "$out/edges-$budget-seed-$seed.log" 2>&1 ||
      { echo "error: train --edges $budget --seed $seed failed; see $out/edges-$budget-seed-$seed.log" >&2; exit 1; }
    awk -v b="$began" -v n="$(now)" 'BEGIN { printf "%.1f\n", n - b }' > "$last"
    echo "  worker $w: edges $budget seed $seed done ($(cat "$last") s)"
    k=$((k + 2))
  done
}
echo "training to budgets $budgets for $minutes minutes, two runs at a time; outputs in $out"
worker 0 & first=$!
worker 1 & second=$!
wait "$first" && wait "$second"
elapsed=$(awk -v s="$start" -v n="$(now)" 'BEGIN { printf "%.0f", n - s }')

field() { grep -o "\"$2\": *[0-9.eE+-]*" "$1" | head -1 | sed 's/.*: *//'; }
echo
echo "best seed per budget by validation ($elapsed s of wall time):"
printf '%8s %6s %9s %9s %9s\n' budget seeds best_seed val test
for b in "${budget_list[@]}"; do
  best="" best_val=-1 seeds=0
  for f in "$out"/edges-"$b"-seed-*.json; do
    [[ -e $f ]] || continue
    seeds=$((seeds + 1))
    val=$(field "$f" val_acc)
    if awk -v v="$val" -v b="$best_val" 'BEGIN { exit !(v > b) }'; then best=$f best_val=$val; fi
  done
  if [[ -z $best ]]; then printf '%8s %6s  (no run finished)\n' "$b" 0; continue; fi
  seed=${best##*-seed-}
  printf '%8s %6s %9s %8.2f%% %8.2f%%\n' "$b" "$seeds" "${seed%.json}" \
    "$(awk -v v="$best_val" 'BEGIN { print 100 * v }')" "$(awk -v v="$(field "$best" test_acc)" 'BEGIN { print 100 * v }')"
done
