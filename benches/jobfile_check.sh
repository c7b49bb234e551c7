#!/usr/bin/env bash
# Times `jobdeck check` (release build) on big job files, each paired with a
# baseline of the same size that lacks the feature under test, interleaved
# over several repetitions; prints the medians and one RESULT line each:
#
#   RESULT check_unnamed  jobs=1000000 ms=.. baseline_ms=.. ratio=..
#       a million unnamed copies of one command (numbered " (2)", " (3)"...)
#       against a million jobs named with {#}
#   RESULT check_after    jobs=1000000 ms=.. baseline_ms=.. ratio=..
#       ten batches of 100,000, each after the whole batch before it,
#       against the same ten batches with no `after`
#   RESULT check_after_5k jobs=10000 ms=.. baseline_ms=.. ratio=..
#       5,000 jobs each after a whole batch of 5,000, against no `after`
#   RESULT check_glob     jobs=100000 ms=.. baseline_ms=.. ratio=..
#       a 100,000-file `inputs_glob` (unnamed jobs) against the same inputs
#       listed in `inputs`
#
# Goal (issue 14, finding 7): a million jobs check in a few seconds, and
# every ratio stays near 1 (naming and whole-batch dependencies cost what
# plain jobs cost; the quadratic versions took 14.8 s for 20,000 unnamed
# copies and 17.9 s and 764 MB for 5,000 x 5,000).
#
# Usage: benches/jobfile_check.sh             (builds the release binary)
#        JOBDECK=path/to/jobdeck REPS=5 benches/jobfile_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

reps=${REPS:-3}

if [ -z "${JOBDECK:-}" ]; then
  cargo build --release --quiet --bin jobdeck
  JOBDECK=target/release/jobdeck
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Ten [[job]] tables of 100,000: unnamed, named, or each after the last.
batches() { # $1: unnamed | named | after
  for i in $(seq 0 9); do
    echo '[[job]]'
    [ "$1" = unnamed ] || echo "name = \"b$i {#}\""
    echo 'command = ["true"]'
    echo 'count = 100000'
    if [ "$1" = after ] && [ "$i" -gt 0 ]; then echo "after = [\"b$((i - 1)) {#}\"]"; fi
  done
}
batches unnamed >"$work/unnamed.toml"
batches named >"$work/named.toml"
batches after >"$work/after.toml"

for kind in plain after; do
  {
    printf '[[job]]\nname = "a {#}"\ncommand = ["true"]\ncount = 5000\n'
    printf '[[job]]\nname = "b {#}"\ncommand = ["true"]\ncount = 5000\n'
    [ "$kind" = plain ] || echo 'after = ["a {#}"]'
  } >"$work/5k_$kind.toml"
done

mkdir "$work/files"
(cd "$work/files" && seq 1 100000 | xargs touch)
printf '[[job]]\ncommand = ["gzip", "-k", "{}"]\ninputs_glob = "files/*"\n' >"$work/glob.toml"
{
  printf '[[job]]\ncommand = ["gzip", "-k", "{}"]\ninputs = ['
  seq -s, -f '"files/%g"' 1 100000
  echo ']'
} >"$work/listed.toml"

now_ns() { date +%s%N; }

# Checks one file and prints the wall time in milliseconds.
check_ms() {
  local start end
  start=$(now_ns)
  "$JOBDECK" check "$work/$1.toml" >/dev/null
  end=$(now_ns)
  echo $(((end - start) / 1000000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# $1: result name, $2: jobs, $3: file, $4: baseline file
pair() {
  local name=$1 jobs=$2 file=$3 baseline=$4 ms="" base="" ratios=""
  for rep in $(seq 1 "$reps"); do
    local a b
    a=$(check_ms "$file")
    b=$(check_ms "$baseline")
    ms+="$a "
    base+="$b "
    ratios+="$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", a / (b > 0 ? b : 1) }') "
    echo "rep $rep $name ${a} ms, baseline ${b} ms" >&2
  done
  local m b r
  m=$(printf '%s\n' $ms | median)
  b=$(printf '%s\n' $base | median)
  r=$(printf '%s\n' $ratios | median)
  printf 'RESULT %s jobs=%s ms=%s baseline_ms=%s ratio=%.2f\n' "$name" "$jobs" "$m" "$b" "$r"
}

echo "medians over $reps runs; ratio = median of the paired runs' ratios" >&2
pair check_unnamed 1000000 unnamed named
pair check_after 1000000 after named
pair check_after_5k 10000 5k_after 5k_plain
pair check_glob 100000 glob listed
