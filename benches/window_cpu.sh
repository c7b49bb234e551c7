#!/usr/bin/env bash
# Measures what the window itself costs, in a real window: the release binary
# on Xvfb (1280x800, Mesa software rendering, as on a machine or VM without a
# working GPU driver), with CPU time read from /proc, not from wall clocks.
#
# Workloads, each started from a job file (`jobdeck open FILE`), REPS times:
#   idle   the window with no jobs;
#   live   4 Steps jobs, 2 at a time, each reporting progress every 100 ms;
#   plots  4 Random walk jobs, 2 at a time, each plotting 50 points a second;
#   storm  short jobs, 2 at a time, about 40 starting and 40 ending a second;
#   ended  the window after two short jobs ended (nothing left to show);
#   batch  4 CPU-bound sum_range jobs on 2 threads, timed with the window open
#          and showing them, and headless with `jobdeck run` (interleaved).
#
# The window's CPU is the process's ticks (/proc/PID/stat: utime + stime, which
# include threads that already ended) minus its job threads' ticks (the
# threads named jobdeck-worker-N in /proc/PID/task/*/stat): what is left is
# the UI thread, Mesa's render threads (llvmpipe-N) and the engine's timer.
# Xvfb's own CPU (it receives every drawn frame) is reported beside it.
# Frames are counted from JOBDECK_FRAME_LOG, which the window appends one line
# per frame to.
#
# Prints, last, one line per workload:
#   RESULT window_idle   renderer=.. ui_pct=.. (min..max) frames_per_sec=..
#   RESULT window_live   renderer=.. ui_pct=.. (min..max) frames_per_sec=..
#                        ms_per_frame=.. xvfb_pct=..
#   RESULT window_plots  (the same figures)
#   RESULT window_storm  (the same figures)
#   RESULT window_ended  renderer=.. ui_pct=.. frames_per_sec=..
#   RESULT window_batch  renderer=.. headless_ms=.. window_ms=.. ratio=.. (min..max)
#                        ui_pct=.. cpu_ratio=..
# ms_per_frame is the window's CPU per frame drawn: on a loaded machine a
# window that draws on every event gets fewer frames (and less CPU) than it
# asks for, and this tells renderers apart regardless.
# Goals: live ui_pct <= 15 with frames_per_sec >= 8; idle and ended 0 frames;
# batch ratio <= 1.1. cpu_ratio is 2 / (2 - u), u the cores the window and
# Xvfb used during the windowed batch: the slowdown when the batch's 2 jobs
# keep 2 cores busy and the window's CPU comes out of theirs. It rests on CPU
# rates, which hold on a shared machine where the wall-clock ratio swings.
#
# Usage: benches/window_cpu.sh
#        JOBDECK_RENDERER=wgpu REPS=5 SECS=10 SHOTS=/tmp/shots benches/window_cpu.sh
#        JOBDECK=path/to/jobdeck ONLY=live benches/window_cpu.sh
# SHOTS=DIR saves screenshots of the live window (one a second) to look at.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=${REPS:-3}
secs=${SECS:-8}
warmup=${WARMUP:-3}
only=${ONLY:-idle live plots storm ended batch}

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
if [ -n "${SHOTS:-}" ] && ! command -v import >/dev/null; then need+=(imagemagick); fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -z "${JOBDECK:-}" ]; then
  cargo build --release --quiet --bin jobdeck
  JOBDECK=target/release/jobdeck
fi
JOBDECK=$(realpath "$JOBDECK")

work=$(mktemp -d)
xvfb_pid=""
window_pid=""
cleanup() {
  [ -n "$window_pid" ] && kill "$window_pid" 2>/dev/null && wait "$window_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Xvfb picks a free display itself, so parallel runs do not collide.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.05; done
[ -s "$work/display" ] || { echo "Xvfb did not start:" >&2; cat "$work/xvfb.log" >&2; exit 1; }
export DISPLAY=":$(cat "$work/display")"
export XDG_RUNTIME_DIR="$work/xdg"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset WAYLAND_DISPLAY
# Software rendering even where a GPU exists: the case this measures.
export LIBGL_ALWAYS_SOFTWARE=1
export JOBDECK_LOG_DIR="$work/logs"
clk_tck=$(getconf CLK_TCK)

# utime + stime of a process or thread: fields 14 and 15 of its stat line,
# counted after the ")" that ends the command name.
ticks_of() { sed 's/.*) //' "$1" 2>/dev/null | awk '{ print $12 + $13 }'; }
process_ticks() { ticks_of "/proc/$1/stat"; }
worker_ticks() {
  local sum=0 task
  for task in /proc/"$1"/task/*; do
    case "$(cat "$task/comm" 2>/dev/null)" in
      jobdeck-worker*) sum=$((sum + $(ticks_of "$task/stat"))) ;;
    esac
  done
  echo "$sum"
}
frames() { if [ -f "$1" ]; then grep -c '^frame' "$1" || true; else echo 0; fi; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
pct() { awk -v t="$1" -v ms="$2" -v hz="$clk_tck" 'BEGIN { printf "%.1f", t / hz / (ms / 1000) * 100 }'; }
per_sec() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.1f", n / (ms / 1000) }'; }
# Median, min and max of numbers on stdin: "median min max".
stats() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }'; }

run=0
# Starts the window on job file $1 (or none) with fresh settings; waits for
# its first frame. Sets window_pid and frame_log.
open_window() {
  run=$((run + 1))
  local home="$work/home-$run"
  mkdir -p "$home"
  frame_log="$work/frames-$run"
  local args=()
  [ -n "${1:-}" ] && args=(open "$1")
  HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
    JOBDECK_FRAME_LOG="$frame_log" "$JOBDECK" "${args[@]}" >"$work/window-$run.log" 2>&1 &
  window_pid=$!
  for _ in $(seq 200); do [ "$(frames "$frame_log")" -gt 0 ] && return; sleep 0.05; done
  echo "the window drew no frame in 10 s:" >&2
  cat "$work/window-$run.log" >&2
  kill -0 "$xvfb_pid" 2>/dev/null || echo "Xvfb ($DISPLAY) has exited:" >&2
  cat "$work/xvfb.log" >&2
  exit 1
}
close_window() {
  kill "$window_pid" 2>/dev/null || true
  wait "$window_pid" 2>/dev/null || true
  window_pid=""
}
renderer() { sed -n 's/^renderer //p' "$frame_log" | head -n 1; }

# Samples the open window for $secs seconds; appends "ui_pct frames_per_sec
# xvfb_pct ms_per_frame" to $1.
sample() {
  local p0 w0 x0 f0 t0 p1 w1 x1 f1 t1
  p0=$(process_ticks "$window_pid") w0=$(worker_ticks "$window_pid")
  x0=$(process_ticks "$xvfb_pid") f0=$(frames "$frame_log") t0=$(now_ms)
  if [ -n "${SHOTS:-}" ] && [ "$1" = "$work/live" ]; then
    mkdir -p "$SHOTS"
    for s in $(seq "$secs"); do
      sleep 1
      import -display "$DISPLAY" -window root "$SHOTS/live-$run-$s.png"
    done
  else
    sleep "$secs"
  fi
  p1=$(process_ticks "$window_pid") w1=$(worker_ticks "$window_pid")
  x1=$(process_ticks "$xvfb_pid") f1=$(frames "$frame_log") t1=$(now_ms)
  local ui=$(((p1 - p0) - (w1 - w0))) frames=$((f1 - f0))
  local ms_per_frame
  ms_per_frame=$(awk -v t="$ui" -v n="$frames" -v hz="$clk_tck" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1000 / n; else print 0 }')
  echo "$(pct "$ui" $((t1 - t0))) $(per_sec "$frames" $((t1 - t0))) $(pct $((x1 - x0)) $((t1 - t0))) $ms_per_frame" >>"$1"
  tail -n 1 "$1" | awk -v w="$(basename "$1")" '{ printf "%s: ui %s%% of a core, %s frames/s (%s ms each), Xvfb %s%%\n", w, $1, $2, $4, $3 }' >&2
}

# 4 Steps jobs, 2 at a time, progress every 100 ms each; long enough to
# outlast the warm-up and the sample.
steps=$(((warmup + secs + 2) * 10))
cat >"$work/live.toml" <<EOF
max_threads = 2
[[job]]
name = "steps {#}"
kind = "steps"
count = 4
steps = $steps
delay_ms = 100
EOF
cat >"$work/plots.toml" <<EOF
max_threads = 2
[[job]]
name = "walk {#}"
kind = "random_walk"
count = 4
points = $((steps * 5))
min_rate_hz = 50
max_rate_hz = 50
EOF
cat >"$work/storm.toml" <<EOF
max_threads = 2
[[job]]
name = "quick {#}"
kind = "steps"
count = $(((warmup + secs + 2) * 40))
steps = 2
delay_ms = 25
EOF
cat >"$work/ended.toml" <<EOF
max_threads = 2
[[job]]
name = "quick {#}"
kind = "steps"
count = 2
steps = 10
delay_ms = 50
EOF
# The batch is timed between two marker files the jobs write, so that both
# runs time the same thing: from the first sum's start to the last's end.
cat >"$work/batch.toml" <<EOF
max_threads = 2
[[job]]
name = "start"
command = ["touch", "$work/batch-start"]
[[job]]
name = "sum"
kind = "sum_range"
count = 4
end = ${SUM_END:-15_000_000_000}
chunks = 100
after = ["start"]
[[job]]
name = "done"
command = ["touch", "$work/batch-done"]
after = ["sum"]
EOF
"$JOBDECK" check "$work/batch.toml" >&2

# Waits up to 10 minutes: a busy machine slows the batch a lot.
wait_for() {
  for _ in $(seq 12000); do [ -e "$1" ] && return; sleep 0.05; done
  echo "timed out waiting for $1" >&2
  exit 1
}
mtime_ms() { stat -c %.3Y "$1" | awk '{ printf "%.0f", $1 * 1000 }'; }
batch_ms() { echo $(($(mtime_ms "$work/batch-done") - $(mtime_ms "$work/batch-start"))); }

used=""
for rep in $(seq "$reps"); do
  for workload in $only; do
    case "$workload" in
      idle)
        open_window ""
        sleep "$warmup"
        sample "$work/idle"
        ;;
      live | plots | storm | ended)
        open_window "$work/$workload.toml"
        sleep "$warmup"
        sample "$work/$workload"
        ;;
      batch)
        rm -f "$work"/batch-*
        "$JOBDECK" run "$work/batch.toml" >/dev/null 2>&1
        headless=$(batch_ms)
        rm -f "$work"/batch-*
        open_window "$work/batch.toml"
        wait_for "$work/batch-start"
        p0=$(process_ticks "$window_pid") w0=$(worker_ticks "$window_pid")
        x0=$(process_ticks "$xvfb_pid") t0=$(now_ms)
        wait_for "$work/batch-done"
        p1=$(process_ticks "$window_pid") w1=$(worker_ticks "$window_pid")
        x1=$(process_ticks "$xvfb_pid") t1=$(now_ms)
        windowed=$(batch_ms)
        ui_ticks=$(((p1 - p0) - (w1 - w0)))
        ui=$(pct "$ui_ticks" $((t1 - t0)))
        cpu_ratio=$(awk -v t=$((ui_ticks + x1 - x0)) -v ms=$((t1 - t0)) -v hz="$clk_tck" \
          'BEGIN { u = t / hz / (ms / 1000); printf "%.3f", 2 / (2 - u) }')
        echo "$headless $windowed $ui $cpu_ratio" >>"$work/batch"
        echo "batch: headless ${headless} ms, window ${windowed} ms, ui ${ui}% of a core, cpu_ratio $cpu_ratio" >&2
        ;;
      *)
        echo "unknown workload $workload (idle, live, plots, storm, ended, batch)" >&2
        exit 2
        ;;
    esac
    used=$(renderer)
    close_window
  done
done

# "median (min..max)" of column $2 of file $1.
summary() {
  cut -d' ' -f"$2" "$1" | stats | awk '{ printf "%s (%s..%s)", $1, $2, $3 }'
}
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$reps runs of ${secs} s each; load average at the end: $load" >&2
for workload in idle live plots storm ended; do
  [ -f "$work/$workload" ] || continue
  echo "RESULT window_$workload renderer=${used:-unknown} ui_pct=$(summary "$work/$workload" 1) frames_per_sec=$(summary "$work/$workload" 2) ms_per_frame=$(summary "$work/$workload" 4) xvfb_pct=$(summary "$work/$workload" 3)"
done
if [ -f "$work/batch" ]; then
  awk '{ printf "%.3f\n", $2 / $1 }' "$work/batch" >"$work/ratios"
  echo "RESULT window_batch renderer=${used:-unknown} headless_ms=$(summary "$work/batch" 1) window_ms=$(summary "$work/batch" 2) ratio=$(summary "$work/ratios" 1) ui_pct=$(summary "$work/batch" 3) cpu_ratio=$(summary "$work/batch" 4)"
fi
