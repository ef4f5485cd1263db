#!/usr/bin/env bash
# Stop the single-node SLURM cluster that scripts/slurm_up.sh started (slurmd, slurmctld,
# munged). Jobs still queued or running are cancelled first. Packages and configuration stay;
# `bash scripts/slurm_up.sh` starts it again. Idempotent.
set -euo pipefail

RUN=/run/slurm
say() { printf 'slurm_down: %s\n' "$*"; }

if command -v scancel >/dev/null && scontrol ping 2>/dev/null | grep -q UP; then
  scancel --user=root 2>/dev/null || true
fi

stopped=()
for pidfile in "$RUN/slurmd.pid" "$RUN/slurmctld.pid" /run/munge/munged.pid; do
  [[ -f $pidfile ]] || continue
  pid=$(cat "$pidfile")
  name=$(basename "$pidfile" .pid)
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    stopped+=("$name (pid $pid)")
  fi
  rm -f "$pidfile"
done

if ((${#stopped[@]})); then
  say "stopped: ${stopped[*]}"
else
  say "nothing was running"
fi
