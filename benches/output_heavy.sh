#!/usr/bin/env bash
# Times 200 commands that each print 10,000 lines, 2 at a time, run by
# `jobdeck run` (every line read, parsed for progress, kept in the job's
# log and written to its full log file), GNU `parallel -j 2` (which also
# captures each job's output, in temporary files, and prints it grouped)
# and `xargs -P 2` writing each job's output to a file of its own; in the
# same run, interleaved, several repetitions each. Prints the medians and,
# last:
#   RESULT output_heavy jobdeck_ms=.. parallel_ms=.. xargs_files_ms=.. ratio_parallel=.. ...
# Goal: jobdeck no slower than GNU parallel (ratio_parallel <= 1).
#
# The lines look like a log's (`line 42: some output of job 7`): they have
# a colon, so jobdeck's progress reading looks at each of them. The job's
# input goes in its lines, so that no tool appends it to `seq`'s arguments.
#
# Usage: benches/output_heavy.sh          (builds the release binary)
#        JOBDECK=path/to/jobdeck REPS=7 JOBS=200 LINES=10000 benches/output_heavy.sh
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${JOBS:-200}
lines=${LINES:-10000}
reps=${REPS:-5}
format='line %g: some output of job {}'

# shellcheck source=benches/lib.sh
. benches/lib.sh
ensure_parallel
ensure_jobdeck

work=$(mktemp -d)
export JOBDECK_LOG_DIR="$work/jobdeck-logs"
trap 'rm -rf "$work"' EXIT

job_file "$jobs" 'print {}' "[\"seq\", \"-f\", \"$format\", \"1\", \"$lines\"]" >"$work/jobs.toml"
"$JOBDECK" check "$work/jobs.toml" >&2
seq 1 "$jobs" >"$work/inputs"

run_jobdeck() { "$JOBDECK" run "$work/jobs.toml" --max-threads 2; }
run_parallel() { parallel --will-cite -j 2 seq -f "'$format'" 1 "$lines" :::: "$work/inputs"; }
run_xargs_files() {
  xargs -P 2 -I{} sh -c "seq -f '$format' 1 $lines >'$work/xargs-out/{}.log'" <"$work/inputs"
}

tools=(jobdeck parallel xargs_files)
declare -A times
for tool in "${tools[@]}"; do times[$tool]=""; done
for rep in $(seq 1 "$reps"); do
  for tool in "${tools[@]}"; do
    # Each run starts with no output of an earlier one, untimed.
    rm -rf "$JOBDECK_LOG_DIR" "$work/xargs-out"
    mkdir -p "$work/xargs-out"
    ms=$(time_ms "run_$tool")
    times[$tool]+="$ms "
    echo "rep $rep $tool ${ms} ms" >&2
  done
done

# Every tool produced every line: one more run of each that writes files,
# counted.
rm -rf "$JOBDECK_LOG_DIR" "$work/xargs-out"
mkdir -p "$work/xargs-out"
run_jobdeck >/dev/null
run_xargs_files
expected=$((jobs * lines))
xargs_lines=$(cat "$work"/xargs-out/*.log | wc -l)
jobdeck_lines=$(cat "$JOBDECK_LOG_DIR"/*.log | wc -l)
echo "lines written: expected $expected, jobdeck's full logs $jobdeck_lines, xargs $xargs_lines" >&2
[ "$jobdeck_lines" -eq "$expected" ] && [ "$xargs_lines" -eq "$expected" ]

for tool in "${tools[@]}"; do
  printf '%s\n' ${times[$tool]} | median >"$work/$tool.median"
done
jobdeck_ms=$(cat "$work/jobdeck.median")
parallel_ms=$(cat "$work/parallel.median")
xargs_ms=$(cat "$work/xargs_files.median")
ratio_parallel=$(ratio "$jobdeck_ms" "$parallel_ms")
paired_ratio_parallel=$(paired_ratio "${times[jobdeck]}" "${times[parallel]}")
ratio_xargs=$(ratio "$jobdeck_ms" "$xargs_ms")
echo "medians over $reps runs of $jobs commands of $lines lines, 2 at a time" >&2
echo "RESULT output_heavy jobdeck_ms=$jobdeck_ms parallel_ms=$parallel_ms xargs_files_ms=$xargs_ms ratio_parallel=$ratio_parallel paired_ratio_parallel=$paired_ratio_parallel ratio_xargs_files=$ratio_xargs"
