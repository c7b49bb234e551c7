#!/usr/bin/env bash
# Times a batch of 1,000 short commands run 2 at a time by `jobdeck run`,
# `xargs -P 2` and GNU `parallel -j 2`, in the same run, interleaved, several
# repetitions each; prints the medians and, last:
#   RESULT batch_1000 jobdeck_ms=.. xargs_ms=.. parallel_ms=.. ratio_xargs=..
# Goal: jobdeck within 1.2x of xargs, ahead of GNU parallel.
#
# Usage: benches/batch_1000.sh            (builds the release binary)
#        JOBDECK=path/to/jobdeck REPS=9 JOBS=1000 benches/batch_1000.sh
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${JOBS:-1000}
reps=${REPS:-7}

if ! command -v parallel >/dev/null; then
  echo "installing GNU parallel" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq parallel >/dev/null
fi

if [ -z "${JOBDECK:-}" ]; then
  cargo build --release --quiet --bin jobdeck
  JOBDECK=target/release/jobdeck
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Full logs are part of what jobdeck does per job; keep them off the repo.
export JOBDECK_LOG_DIR="$work/logs"

# One job per input, like the other two tools get one `true` per line.
{
  echo 'max_threads = 2'
  echo '[[job]]'
  echo 'name = "true {}"'
  echo 'command = ["true", "{}"]'
  printf 'inputs = ['
  seq -s, -f '"%g"' 1 "$jobs"
  echo ']'
} >"$work/jobs.toml"
"$JOBDECK" check "$work/jobs.toml" >&2
seq 1 "$jobs" >"$work/inputs"

now_ns() { date +%s%N; }

# Runs "$@" once and prints its wall time in milliseconds.
time_ms() {
  local start end
  start=$(now_ns)
  "$@" >/dev/null
  end=$(now_ns)
  echo $(((end - start) / 1000000))
}

run_jobdeck() { "$JOBDECK" run "$work/jobs.toml" --max-threads 2; }
run_xargs() { xargs -P 2 -n 1 true <"$work/inputs"; }
run_parallel() { parallel --will-cite -j 2 true {} <"$work/inputs"; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A times
for tool in jobdeck xargs parallel; do times[$tool]=""; done
for rep in $(seq 1 "$reps"); do
  for tool in jobdeck xargs parallel; do
    rm -rf "$JOBDECK_LOG_DIR"
    ms=$(time_ms "run_$tool")
    times[$tool]+="$ms "
    echo "rep $rep $tool ${ms} ms" >&2
  done
done

for tool in jobdeck xargs parallel; do
  printf '%s\n' ${times[$tool]} | median >"$work/$tool.median"
done
jobdeck_ms=$(cat "$work/jobdeck.median")
xargs_ms=$(cat "$work/xargs.median")
parallel_ms=$(cat "$work/parallel.median")
ratio_xargs=$(awk -v a="$jobdeck_ms" -v b="$xargs_ms" 'BEGIN { printf "%.2f", a / b }')
ratio_parallel=$(awk -v a="$jobdeck_ms" -v b="$parallel_ms" 'BEGIN { printf "%.2f", a / b }')
echo "medians over $reps runs of $jobs commands, 2 at a time" >&2
echo "RESULT batch_1000 jobdeck_ms=$jobdeck_ms xargs_ms=$xargs_ms parallel_ms=$parallel_ms ratio_xargs=$ratio_xargs ratio_parallel=$ratio_parallel"
