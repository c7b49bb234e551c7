# Shared by the shell benchmarks (benches/*.sh): what each needs to time
# jobdeck against other tools on the same inputs. Source it after `cd`ing to
# the repository's root; it sets nothing else up.

# Installs GNU parallel when it is missing (apt; sudo when not root).
ensure_parallel() {
  command -v parallel >/dev/null && return
  echo "installing GNU parallel" >&2
  local sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq parallel >/dev/null
}

# Sets JOBDECK to the release binary, built now, unless it is set already.
ensure_jobdeck() {
  if [ -z "${JOBDECK:-}" ]; then
    cargo build --release --quiet --bin jobdeck
    JOBDECK=target/release/jobdeck
  fi
}

# Prints a job file of one job per input 1..JOBS, 2 at a time, named NAME
# (with `{}` for the input), running the TOML array COMMAND.
#   job_file JOBS NAME COMMAND
job_file() {
  echo 'max_threads = 2'
  echo '[[job]]'
  echo "name = \"$2\""
  echo "command = $3"
  printf 'inputs = ['
  seq -s, -f '"%g"' 1 "$1"
  echo ']'
}

# Runs "$@" once, output discarded, and prints its wall time in ms.
time_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

# The median of the numbers on stdin, one a line.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# A / B to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# The median of each repetition's own A/B, given A's and B's times as two
# space-separated lists in the same order: the load of a shared machine
# drifts between repetitions, and a repetition's ratio is steadier.
paired_ratio() {
  local median_ratio
  median_ratio=$(paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $2) |
    awk '{ printf "%.4f\n", $1 / $2 }' | median)
  printf '%.2f' "$median_ratio"
}
