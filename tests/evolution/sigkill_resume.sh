#!/bin/sh
# A run killed with SIGKILL in the middle resumes (--resume) and ends with the same population and
# the same front as an uninterrupted run: sigkill_resume.sh CHAOSNET DATA_DIR WORK_DIR
set -eu
cli=$1
data=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
# The run's settings; the killed run is started directly (not in a function or subshell) so that
# $! is the process that SIGKILL hits.
set -- --data "$data" --validation 200 --population 4 --steps 150 --hidden 4 --max-edges 400 \
  --generations 12 --seed 3 --threads 2
fingerprint() {
  grep '"fingerprint"' "$1/summary.json"
}

"$cli" evolve "$@" --out "$work/straight" > "$work/straight.log" 2>&1

"$cli" evolve "$@" --out "$work/killed" > "$work/killed.log" 2>&1 &
pid=$!
# Kill it once a few generations are checkpointed, while it is still running.
while [ "$(cat "$work/killed/generations.csv" 2> /dev/null | wc -l)" -lt 4 ]; do
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.02
done
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
if [ -e "$work/killed/summary.json" ]; then
  echo "inconclusive: the run finished before it could be killed (make it longer)"
  exit 1
fi
echo "killed after $(($(wc -l < "$work/killed/generations.csv") - 1)) generations"

"$cli" evolve --resume "$work/killed" --threads 1 > "$work/resumed.log" 2>&1
if ! cmp -s "$work/straight/front.csv" "$work/killed/front.csv"; then
  echo "FAIL: the fronts differ"
  diff "$work/straight/front.csv" "$work/killed/front.csv" || true
  exit 1
fi
if [ "$(fingerprint "$work/straight")" != "$(fingerprint "$work/killed")" ]; then
  echo "FAIL: the populations differ: $(fingerprint "$work/straight") vs $(fingerprint "$work/killed")"
  exit 1
fi
echo "resumed run identical to the uninterrupted one: $(fingerprint "$work/killed")"
