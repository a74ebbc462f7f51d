#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the --executor slurm tests and CI.
#
#   bash scripts/slurm-local.sh install   # apt-get install slurm-wlm munge when missing
#   bash scripts/slurm-local.sh start     # munged, slurmctld, slurmd; waits until the node is idle
#   bash scripts/slurm-local.sh stop      # stops only the daemons that `start` started
#   bash scripts/slurm-local.sh status
#
# Needs root (SlurmUser=root). `start` does nothing when a controller already answers: a cluster
# that was running before is used as it is and never stopped by this script. The daemons it does
# start are recorded in $STATE/started-*.pid, and `stop` signals exactly those pids.
# scripts/setup.sh runs `install` (so `npm test` finds sbatch); only the Slurm tests and .ci/run start it.
set -euo pipefail

STATE="${ICMIX_SLURM_STATE:-/var/tmp/icmix-slurm}"
CONF="${SLURM_CONF:-/etc/slurm/slurm.conf}"
MARKER='# written by icmix scripts/slurm-local.sh'
PARTITION="${ICMIX_SLURM_PARTITION:-debug}"

log() { echo "slurm-local: $*" >&2; }
die() { log "$*"; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "run as root (the one-node cluster runs its daemons with SlurmUser=root), e.g. sudo bash $0 $1"
}

have_binaries() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null
}

controller_up() {
  [ -f "$CONF" ] && timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'
}

munge_up() {
  command -v munge >/dev/null && munge -n 2>/dev/null | unmunge >/dev/null 2>&1
}

# pid_alive PID NAME: the process exists and is the program we expect (guards against pid reuse).
pid_alive() {
  [ -n "$1" ] && [ -r "/proc/$1/comm" ] && [ "$(cat "/proc/$1/comm")" = "$2" ]
}

wait_for_pidfile() {
  local f="$1" i
  for i in $(seq 1 100); do
    [ -s "$f" ] && return 0
    sleep 0.1
  done
  return 1
}

write_conf() {
  local host cpus mem
  host="$(hostname -s)"
  cpus="$(nproc)"
  # slurmd's own view of the memory (MB); a RealMemory above it would drain the node.
  mem="$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -1)"
  [ -n "$mem" ] || mem="$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)"
  mkdir -p "$(dirname "$CONF")"
  cat >"$CONF.tmp" <<EOF
$MARKER (one node, for tests; safe to delete when the cluster is stopped)
ClusterName=icmix-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# CR_CPU: CPUs are the consumable resource. With memory consumable, a job without --mem would
# take the whole node and array tasks would run one at a time.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# scancel: SIGTERM, then SIGKILL after this many seconds.
KillWait=5
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# No accounting database: one line per finished job (ArrayJobId, ArrayTaskId) in this file.
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.txt
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
}

start_munged() {
  if munge_up; then
    log "munged is already running; using it"
    return 0
  fi
  local key=/etc/munge/munge.key
  if [ ! -s "$key" ]; then
    log "creating $key"
    mkdir -p /etc/munge
    dd if=/dev/urandom of="$key" bs=1 count=1024 status=none
  fi
  chown munge:munge "$key" /etc/munge
  chmod 0400 "$key"
  chmod 0700 /etc/munge
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  rm -f /run/munge/munged.pid
  # 9>&-: the daemons must not inherit the lock (they would hold it for as long as they run).
  runuser -u munge -- /usr/sbin/munged 9>&-
  wait_for_pidfile /run/munge/munged.pid || die "munged did not start; see /var/log/munge/munged.log"
  cp /run/munge/munged.pid "$STATE/started-munged.pid"
  munge_up || die "munged started but munge -n | unmunge fails; see /var/log/munge/munged.log"
}

start_daemon() {
  local name="$1" pidfile="$STATE/$1.pid"
  rm -f "$pidfile"
  "/usr/sbin/$name" 9>&- || die "$name did not start; see $STATE/$name.log"
  wait_for_pidfile "$pidfile" || die "$name wrote no pid file; see $STATE/$name.log"
  cp "$pidfile" "$STATE/started-$name.pid"
}

cmd_start() {
  need_root start
  have_binaries || die "Slurm or munge is not installed; run: bash $0 install (apt-get install -y slurm-wlm munge)"
  mkdir -p "$STATE"
  exec 9>"$STATE/lock"
  flock 9
  if controller_up; then
    log "a Slurm controller already answers ($CONF); using it, not starting another"
    return 0
  fi
  if [ -f "$CONF" ] && ! head -1 "$CONF" | grep -qF "$MARKER"; then
    die "$CONF exists and was not written by this script; start that cluster's daemons yourself, or move the file away"
  fi
  # A fresh controller state each start: no jobs left over from an earlier cluster.
  rm -rf "$STATE/ctld" "$STATE/slurmd"
  mkdir -p "$STATE/ctld" "$STATE/slurmd"
  : >"$STATE/jobcomp.txt"
  write_conf
  start_munged
  start_daemon slurmctld
  start_daemon slurmd
  local host i
  host="$(hostname -s)"
  for i in $(seq 1 120); do
    if sinfo -h -n "$host" -o '%t' 2>/dev/null | grep -qx 'idle'; then
      log "node $host idle in partition $PARTITION (state in $STATE)"
      return 0
    fi
    sleep 0.5
  done
  die "node $host did not become idle within 60 s: $(sinfo -h -N -o '%N %t %E' 2>&1 | head -3); logs in $STATE"
}

cmd_stop() {
  mkdir -p "$STATE"
  exec 9>"$STATE/lock"
  flock 9
  local stopped=0 name f pid i
  for name in slurmd slurmctld munged; do
    f="$STATE/started-$name.pid"
    [ -f "$f" ] || continue
    pid="$(cat "$f")"
    if pid_alive "$pid" "$name"; then
      kill -TERM "$pid"
      for i in $(seq 1 100); do
        pid_alive "$pid" "$name" || break
        sleep 0.1
      done
      if pid_alive "$pid" "$name"; then kill -KILL "$pid"; fi
      log "stopped $name (pid $pid)"
      stopped=$((stopped + 1))
    fi
    rm -f "$f"
  done
  [ "$stopped" -gt 0 ] || log "nothing to stop: no daemon started by this script is running"
}

cmd_status() {
  if controller_up; then
    sinfo
  else
    echo "no Slurm controller answers" >&2
    return 1
  fi
}

cmd_install() {
  if have_binaries; then
    log "slurm-wlm and munge are installed"
    return 0
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq slurm-wlm munge >/dev/null
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  install) cmd_install ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
