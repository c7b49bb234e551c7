#!/usr/bin/env bash
# Times a batch of 1,000 short commands run 2 at a time by `jobdeck run`,
# `xargs -P 2` and GNU `parallel -j 2`, in the same run, interleaved, several
# repetitions each; prints the medians and, last:
#   RESULT batch_1000 jobdeck_ms=.. xargs_ms=.. parallel_ms=.. ratio_xargs=.. ...
# Goal: jobdeck within 1.2x of xargs, ahead of GNU parallel.
#
# Usage: benches/batch_1000.sh            (builds the release binary)
#        JOBDECK=path/to/jobdeck REPS=9 JOBS=1000 LOG_ROOT=/dev/shm benches/batch_1000.sh
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${JOBS:-1000}
reps=${REPS:-7}

# shellcheck source=benches/lib.sh
. benches/lib.sh
ensure_parallel
ensure_jobdeck

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Full logs are part of what jobdeck does per job (one new file each); keep
# them off the repo. LOG_ROOT=/dev/shm puts them on tmpfs, to see what file
# creation on this machine's disk costs.
export JOBDECK_LOG_DIR="${LOG_ROOT:-$work}/jobdeck-bench-logs-$$"
trap 'rm -rf "$work" "$JOBDECK_LOG_DIR"' EXIT

# One job per input, like the other two tools get one `true` per line.
job_file "$jobs" 'true {}' '["true", "{}"]' >"$work/jobs.toml"
"$JOBDECK" check "$work/jobs.toml" >&2
seq 1 "$jobs" >"$work/inputs"

run_jobdeck() { "$JOBDECK" run "$work/jobs.toml" --max-threads 2; }
run_xargs() { xargs -P 2 -n 1 true <"$work/inputs"; }
run_parallel() { parallel --will-cite -j 2 true {} <"$work/inputs"; }

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
ratio_xargs=$(ratio "$jobdeck_ms" "$xargs_ms")
paired_ratio_xargs=$(paired_ratio "${times[jobdeck]}" "${times[xargs]}")
ratio_parallel=$(ratio "$jobdeck_ms" "$parallel_ms")
echo "medians over $reps runs of $jobs commands, 2 at a time" >&2
echo "RESULT batch_1000 jobdeck_ms=$jobdeck_ms xargs_ms=$xargs_ms parallel_ms=$parallel_ms ratio_xargs=$ratio_xargs paired_ratio_xargs=$paired_ratio_xargs ratio_parallel=$ratio_parallel"
