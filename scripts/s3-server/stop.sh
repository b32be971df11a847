#!/usr/bin/env bash
# Stops the servers scripts/s3-server/start.sh DIR started (by the pids it recorded),
# waiting up to 10 s for each before a SIGKILL. The data under DIR is kept.
set -uo pipefail
DIR="${1:?usage: stop.sh DIR}"
for file in "$DIR"/run/*.pid; do
  [ -e "$file" ] || continue
  pid="$(cat "$file")"
  # each server was started in its own session (setsid): its group is its pid
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$file"
done
