#!/usr/bin/env bash
# Bring up a single-node SLURM cluster on this machine: Debian's slurm-wlm (22.05) + munge,
# daemons started directly as root (no systemd), no cgroups, no accounting database.
# Idempotent: a second run with the cluster up and the configuration unchanged does nothing.
#
#   sudo bash scripts/slurm_up.sh      # then: sinfo; sbatch --wrap hostname
#   bash scripts/slurm_down.sh         # stop the daemons (the packages stay)
#
# Job state comes from squeue / scontrol (sacct needs slurmdbd + a database: not here).
# Environment: SLURM_MEM_MARGIN_MB (default 1024) memory kept back from the node's total;
# SLURM_UP_TIMEOUT (default 60) seconds to wait for the node to turn idle;
# SLURM_CRED_EXPIRE (default 10, SLURM's is 120) seconds before a requeued job may restart;
# SLURM_NODE_CPUS (default: the cores, at least 8) CPUs the node offers, i.e. how many
# one-CPU jobs or array tasks run at once. Above the cores it oversubscribes them on purpose
# (SlurmdParameters=config_overrides), so a 2-core machine still runs several array tasks
# concurrently, as a real cluster's nodes would; the cores are shared, not multiplied.
set -euo pipefail

MARGIN_MB=${SLURM_MEM_MARGIN_MB:-1024}
TIMEOUT=${SLURM_UP_TIMEOUT:-60}
SLURM_CRED_EXPIRE=${SLURM_CRED_EXPIRE:-10}
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
STATE=/var/lib/slurm
LOGS=/var/log/slurm
RUN=/run/slurm

say() { printf 'slurm_up: %s\n' "$*"; }
die() {
  printf 'slurm_up: error: %s\n' "$*" >&2
  exit 1
}
running() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

[[ $(id -u) -eq 0 ]] || die "run as root (it installs packages and starts daemons)"

# 1. packages
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
  || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  # policy-rc.d keeps dpkg from trying to start the services itself: we start them below.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null
  rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi

# 2. munge: a key, then the daemon
install -d -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -m 0755 /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  say "creating /etc/munge/munge.key"
  if command -v mungekey >/dev/null; then
    mungekey --create --keyfile=/etc/munge/munge.key --force
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
fi
chown root:root /etc/munge/munge.key /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0400 /etc/munge/munge.key
started=()
if ! running /run/munge/munged.pid || ! munge -n </dev/null | unmunge >/dev/null 2>&1; then
  [[ -f /run/munge/munged.pid ]] && kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  rm -f /run/munge/munged.pid /run/munge/munge.socket.2*
  munged --force --pid-file=/run/munge/munged.pid
  for _ in $(seq 50); do munge -n </dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n </dev/null | unmunge >/dev/null 2>&1 || die "munged does not answer (see /var/log/munge)"
  started+=("munged (pid $(cat /run/munge/munged.pid))")
fi

# 3. slurm.conf for this machine
HOST=$(hostname -s)
CORES=$(nproc)
CPUS=${SLURM_NODE_CPUS:-$((CORES > 8 ? CORES : 8))}
((CPUS >= 1)) || die "SLURM_NODE_CPUS must be at least 1 (got $CPUS)"
MEM_MB=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 - MARGIN_MB))
((MEM_MB > 256)) || die "too little memory for a node ($MEM_MB MB after a $MARGIN_MB MB margin)"
# The address this host name resolves to (127.0.0.1 where /etc/hosts says so).
ADDR=$(getent ahostsv4 "$HOST" | awk 'NR == 1 {print $1}')
ADDR=${ADDR:-127.0.0.1}
install -d -m 0755 "$CONF_DIR" "$STATE/slurmctld" "$STATE/slurmd" "$LOGS" "$RUN"
new_conf=$(
  cat <<EOF
# Written by scripts/slurm_up.sh: a single-node cluster on $HOST, daemons run as root.
ClusterName=hawkeye
SlurmctldHost=$HOST($ADDR)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# A requeued job waits cred_expire seconds before it may start again (default 120).
AuthInfo=cred_expire=${SLURM_CRED_EXPIRE}
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# Look at pending (e.g. requeued) jobs every 5 s, not every 30-60 s.
SchedulerParameters=bf_interval=5,sched_interval=5
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# The node's CPUs are what this file says ($CPUS), not what the hardware has ($CORES cores).
SlurmdParameters=config_overrides
ReturnToService=2
JobRequeue=1
# scontrol keeps finished jobs for 10 min: with no accounting database it is the only record.
MinJobAge=600
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
Waittime=0
NodeName=$HOST NodeAddr=$ADDR CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
)
conf_changed=0
if [[ ! -f $CONF ]] || [[ "$(cat "$CONF")" != "$new_conf" ]]; then
  printf '%s\n' "$new_conf" >"$CONF"
  conf_changed=1
  say "wrote $CONF ($HOST: $CPUS CPUs on $CORES cores, $MEM_MB MB)"
fi
# Debian's packages also read /etc/slurm-llnl in places; keep one configuration.
[[ -e /etc/slurm-llnl ]] || ln -s "$CONF_DIR" /etc/slurm-llnl

# 4. the daemons (restarted when the configuration changed)
if ((conf_changed)); then
  for d in slurmd slurmctld; do
    if running "$RUN/$d.pid"; then
      pid=$(cat "$RUN/$d.pid")
      kill "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
fi
if ! running "$RUN/slurmctld.pid"; then
  slurmctld
  for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
  running "$RUN/slurmctld.pid" || die "slurmctld did not start; tail of $LOGS/slurmctld.log:
$(tail -n 20 "$LOGS/slurmctld.log" 2>/dev/null)"
  started+=("slurmctld (pid $(cat "$RUN/slurmctld.pid"))")
fi
if ! running "$RUN/slurmd.pid"; then
  slurmd
  for _ in $(seq 50); do running "$RUN/slurmd.pid" && break; sleep 0.1; done
  running "$RUN/slurmd.pid" || die "slurmd did not start; tail of $LOGS/slurmd.log:
$(tail -n 20 "$LOGS/slurmd.log" 2>/dev/null)"
  started+=("slurmd (pid $(cat "$RUN/slurmd.pid"))")
fi

# 5. wait for the node to take jobs
state=""
for _ in $(seq $((TIMEOUT * 2))); do
  state=$(sinfo -h -n "$HOST" -o '%T' 2>/dev/null | head -n 1)
  case $state in
  idle | mixed | allocated | completing) break ;;
  drain* | down*) scontrol update NodeName="$HOST" State=RESUME 2>/dev/null || true ;;
  esac
  sleep 0.5
done
case $state in
idle | mixed | allocated | completing) ;;
*) die "node $HOST is '${state:-unknown}' after ${TIMEOUT}s; $(scontrol show node "$HOST" 2>&1 | grep -i reason)" ;;
esac

if ((${#started[@]})); then
  say "started: ${started[*]}"
else
  say "already up, nothing started"
fi
say "node $HOST $state: $CPUS CPUs ($CORES cores), $MEM_MB MB, partition debug; config $CONF, logs $LOGS"
sinfo
