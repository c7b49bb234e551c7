#!/usr/bin/env bash
# Starts a single-node Slurm cluster on loopback for jobdeck's Slurm tests.
#
# Everything the cluster writes (config, munge key and socket, state, spool,
# logs, pid files) lives under one directory, $JOBDECK_SLURM_DIR or
# /tmp/jobdeck-slurm. Needs root and Debian's `slurm-wlm` and `munge`.
#
# Idempotent: when the cluster already answers with an idle node it returns at
# once. Prints `export SLURM_CONF=...` as its last line; /etc/slurm/slurm.conf
# is also linked to the config when no other config is there, so `sbatch`
# finds the cluster from any shell without the variable.
#
# The daemons detach from this script's terminal and pipes (stdin from
# /dev/null, output to their logs), so a CI job that started them is not held
# open by them; tests/slurm/down.sh stops them.
set -euo pipefail

# The daemons live in sbin, which a non-login shell may not have on PATH.
export PATH="$PATH:/usr/sbin:/sbin"
dir="${JOBDECK_SLURM_DIR:-/tmp/jobdeck-slurm}"
conf="$dir/slurm.conf"
host="$(hostname -s)"
export SLURM_CONF="$conf"

say() { printf 'slurm-up: %s\n' "$*" >&2; }

# The node is idle when the controller answers and slurmd has registered.
node_state() { timeout 5 sinfo -h -o %T 2>/dev/null | head -n1; }

# Asked only when the controller runs: with none, sinfo retries for seconds.
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
# A node busy with jobs (mixed, allocated) is up too: restarting would kill them.
if [ -f "$conf" ] && alive "$dir/run/slurmctld.pid" &&
  [[ "$(node_state)" =~ ^(idle|mixed|allocated|completing)$ ]]; then
  say "already up ($conf)"
  echo "export SLURM_CONF=$conf"
  exit 0
fi

for tool in munged slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null || { say "$tool not found: install slurm-wlm and munge"; exit 1; }
done
[ "$(id -u)" = 0 ] || { say "must run as root (the daemons run as root and munge)"; exit 1; }

# A half-started cluster from an earlier run is stopped first, so each daemon
# starts from the config written below.
"$(dirname "$0")/down.sh" >/dev/null 2>&1 || true

mkdir -p "$dir"/{munge,state,spool,log,run}
chmod 755 "$dir"
chown munge:munge "$dir/munge"
# munged needs the socket directory searchable by all and writable by none.
chmod 755 "$dir/munge"
if [ ! -s "$dir/munge/munge.key" ]; then
  # munged refuses a key readable by others or owned by anyone but munge.
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chown munge:munge "$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
fi

cat >"$conf" <<EOF
# Written by tests/slurm/up.sh: a one-node cluster on loopback for tests.
ClusterName=jobdeck-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# The default interval (60 s) makes a small job wait up to a minute.
SchedulerParameters=sched_interval=1,default_queue_depth=1000
KillWait=5
MaxJobCount=20000
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

# Let plain `sbatch` find this cluster, unless the machine has its own config.
if [ ! -e /etc/slurm/slurm.conf ] || [ "$(readlink /etc/slurm/slurm.conf)" = "$conf" ]; then
  mkdir -p /etc/slurm
  ln -sfn "$conf" /etc/slurm/slurm.conf
fi

# wait_for WHAT CONDITION: polls CONDITION (a shell snippet) for up to 30 s.
wait_for() {
  local deadline=$((SECONDS + 30))
  until eval "$2"; do
    if [ $SECONDS -ge $deadline ]; then
      say "timed out after 30 s waiting for $1; sinfo says: $(sinfo 2>&1 | tail -n 3)"
      say "logs: $dir/log"
      exit 1
    fi
    sleep 0.1
  done
}

start() {
  "$@" </dev/null >>"$dir/log/start.log" 2>&1 && return 0
  say "$1 failed to start: $(tail -n 3 "$dir/log/start.log")"
  exit 1
}

start runuser -u munge -- munged \
  --key-file="$dir/munge/munge.key" \
  --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" \
  --seed-file="$dir/munge/munged.seed"
start slurmctld -i -f "$conf"
# slurmd registers once at start and retries only seconds later: let the
# controller answer first, which makes the node idle about 4 s sooner.
wait_for "the controller to answer" 'timeout 2 scontrol ping 2>/dev/null | grep -q UP'
start slurmd -f "$conf"
wait_for "the node to be idle" '[ "$(node_state)" = idle ]'

say "up in ${SECONDS} s ($conf)"
echo "export SLURM_CONF=$conf"
