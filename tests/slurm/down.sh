#!/usr/bin/env bash
# Stops the cluster that tests/slurm/up.sh started: each daemon by the pid
# file it wrote under $JOBDECK_SLURM_DIR (default /tmp/jobdeck-slurm), never
# by name, so a real cluster's daemons on the same machine are left alone.
# Keeps the directory (and so the munge key) for the next up.sh.
set -uo pipefail

dir="${JOBDECK_SLURM_DIR:-/tmp/jobdeck-slurm}"

pids=()
for pid_file in "$dir"/run/slurmd-*.pid "$dir/run/slurmctld.pid" "$dir/munge/munged.pid"; do
  [ -f "$pid_file" ] || continue
  pid="$(cat "$pid_file" 2>/dev/null)"
  rm -f "$pid_file"
  if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
    pids+=("$pid")
  fi
done

# Each daemon takes a second or two to save its state and exit; wait for all
# at once, then kill what is left after 10 s.
for _ in $(seq 100); do
  left=()
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null && left+=("$pid")
  done
  pids=("${left[@]}")
  [ ${#pids[@]} -eq 0 ] && break
  sleep 0.1
done
for pid in "${pids[@]}"; do
  kill -KILL "$pid" 2>/dev/null
done
echo "slurm-down: stopped the cluster in $dir" >&2
