#!/usr/bin/env bash
# Seed 002's claim "a 50% death rate often outperforms 0%", tested: trains the raw-pixel spiking
# preset (`chaosnet train --preset chaosnet-mnist`), or with PRESET=none whatever graph network
# the extra flags describe (e.g. `-- --init evolved.model.json --reinit`), at every training
# failure probability for every seed, two runs at a time, then measures each model's test accuracy at test-time failure
# 0, 0.1, ..., 0.9 over MASKS random masks (`chaosnet robustness`). Prints, per training p, the
# clean accuracy (test p = 0) and the matched accuracy (test p = training p) as mean ± sd over
# seeds, and draws the curves averaged over seeds into OUT_DIR/robustness.png. Runs already in
# OUT_DIR (a model and its summary) are kept, so a stopped run continues.
#
#   examples/robustness_claim.sh OUT_DIR [TRAIN_PS] [SEEDS] [MASKS] [-- extra train flags]
#   e.g. examples/robustness_claim.sh runs/claim 0,0.1,0.3,0.5 5 20
# CHAOSNET names the binary (default build/examples/chaosnet), DATA the MNIST directory
# (default data/mnist), VALIDATION the training images held out (default 10000), PRESET the
# train preset (default chaosnet-mnist; none: no --preset flag) and TITLE the plot's model name.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR [TRAIN_PS e.g. 0,0.1,0.3,0.5] [SEEDS e.g. 5] [MASKS e.g. 20] [-- extra chaosnet train flags]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
out=$1
shift
train_ps=0,0.1,0.3,0.5 seeds=5 masks=20
if [[ $# -gt 0 && $1 != "--" ]]; then train_ps=$1; shift; fi
if [[ $# -gt 0 && $1 != "--" ]]; then seeds=$1; shift; fi
if [[ $# -gt 0 && $1 != "--" ]]; then masks=$1; shift; fi
[[ $# -gt 0 && $1 == "--" ]] && shift
extra=("$@")
IFS=, read -r -a p_list <<< "$train_ps"
for p in "${p_list[@]}"; do
  [[ $p =~ ^(0([.][0-9]+)?|1)$ ]] || { echo "error: TRAIN_PS must be comma-separated probabilities in [0, 1], got '$train_ps'" >&2; exit 2; }
done
[[ $seeds =~ ^[1-9][0-9]*$ ]] || { echo "error: SEEDS must be a whole number >= 1, got '$seeds'" >&2; exit 2; }
[[ $masks =~ ^[1-9][0-9]*$ ]] || { echo "error: MASKS must be a whole number >= 1, got '$masks'" >&2; exit 2; }
chaosnet=${CHAOSNET:-build/examples/chaosnet}
[[ -x $chaosnet ]] || { echo "error: $chaosnet is not built (set CHAOSNET to the binary)" >&2; exit 2; }
data=${DATA:-data/mnist} validation=${VALIDATION:-10000}
preset=${PRESET:-chaosnet-mnist} title=${TITLE:-ChaosNet (784-512, 5 ticks)}
preset_flags=()
[[ $preset == none ]] || preset_flags=(--preset "$preset")
mkdir -p "$out"

# Worker w trains runs w, w + 2, ...: run k is training p k mod P at seed k / P + 1.
train_worker() {
  local k=$1 count=${#p_list[@]} total=$(( ${#p_list[@]} * seeds ))
  for (( ; k < total; k += 2 )); do
    local p=${p_list[$((k % count))]} seed=$((k / count + 1))
    local name="$out/p${p}_s${seed}"
    [[ -s $name.json && -s $name.model.json ]] && continue
    echo "training p = $p, seed $seed"
    "$chaosnet" train --data "$data" --validation "$validation" "${preset_flags[@]}" --fail-prob "$p" \
      --seed "$seed" "${extra[@]}" \
      --save "$name.model.json" --json "$name.json" > "$name.out" 2>&1 \
      || { echo "error: the run at p = $p, seed $seed failed; see $name.out" >&2; return 1; }
  done
}
train_worker 0 & first=$!
train_worker 1 || { wait $first; exit 1; }
wait $first

# Robustness, one training p per process, two at a time.
robustness() {
  local p=$1 models=()
  for (( seed = 1; seed <= seeds; ++seed )); do models+=("$out/p${p}_s${seed}.model.json"); done
  [[ -s $out/robustness_p$p.csv ]] && return 0
  "$chaosnet" robustness "${models[@]}" --data "$data" --validation "$validation" --masks "$masks" --csv "$out/robustness_p$p.csv" \
    --json "$out/robustness_p$p.json" --plot "$out/robustness_p$p.png" > "$out/robustness_p$p.out"
}
for (( i = 0; i < ${#p_list[@]}; i += 2 )); do
  robustness "${p_list[$i]}" &
  pid=$!
  if (( i + 1 < ${#p_list[@]} )); then robustness "${p_list[$((i + 1))]}"; fi
  wait $pid
done

# Per training p and test p: each model's mean over masks, then mean ± sd over the models.
csvs=()
for p in "${p_list[@]}"; do csvs+=("$out/robustness_p$p.csv"); done
echo "training p | models | clean (test p = 0)  | matched (test p = training p)"
awk -F, 'FNR > 1 { key = $2 SUBSEP $3; n[key]++; s[key] += $4; ss[key] += $4 * $4; tp[$2] = 1; fp[$3] = 1 }
  END {
    for (key in n) {
      m = s[key] / n[key]; v = n[key] > 1 ? (ss[key] - n[key] * m * m) / (n[key] - 1) : 0
      mean[key] = 100 * m; sd[key] = 100 * sqrt(v > 0 ? v : 0)
    }
    for (t in tp) {
      k0 = t SUBSEP 0; kt = t SUBSEP t
      printf "%10s | %6d | %6.2f ± %.2f%%      | %s\n", t, n[k0], mean[k0], sd[k0],
             (kt in n) ? sprintf("%6.2f ± %.2f%%", mean[kt], sd[kt]) : "not measured"
    }
    for (t in tp) for (f in fp) if ((t SUBSEP f) in n) print t, f, mean[t SUBSEP f], sd[t SUBSEP f] > "/dev/stderr"
  }' "${csvs[@]}" 2> "$out/robustness_by_train_p.dat" | sort -n
sort -k1,1n -k2,2n "$out/robustness_by_train_p.dat" -o "$out/robustness_by_train_p.dat"

if command -v gnuplot > /dev/null; then
  plots=""
  for p in "${p_list[@]}"; do
    plots+="${plots:+, }'$out/robustness_by_train_p.dat' using (\$1 == $p ? \$2 : 1/0):3:4 with yerrorlines lw 2 title 'trained at p = $p'"
  done
  gnuplot <<EOF
set terminal pngcairo noenhanced size 900,600 font ',11'
set output '$out/robustness.png'
set title '$title: test accuracy against failure at test time (mean +- sd over $seeds seeds)'
set xlabel 'test-time failure probability'
set ylabel 'test accuracy (%)'
set grid
set key bottom left
set xrange [-0.02:0.92]
plot $plots
EOF
  echo "plot written to $out/robustness.png"
fi
