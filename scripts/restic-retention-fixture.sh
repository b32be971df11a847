#!/usr/bin/env bash
# Writes test/domain/fixtures/restic-retention.json: what real restic's
# `forget --dry-run --json` keeps and removes, and why, for a set of
# --keep-* policies over a year of daily snapshots (plus a few same-day
# extras). test/domain/retention-policy.test.ts replays it against
# src/domain/retention-policy.ts without restic.
#
#   scripts/restic-retention-fixture.sh            (needs restic on PATH; Debian: apt-get install restic)
#
# The snapshots are taken with TZ=Europe/Berlin, so restic records each time
# with the offset of its moment (+01:00 in winter, +02:00 in summer), and
# most at 23:30 local time: their local day is not their UTC day, which
# pins down that restic buckets a snapshot by the calendar of its own
# recorded offset. `forget` runs with TZ=UTC (the times then parse as fixed
# offsets, as they would on another machine).
set -euo pipefail

cd "$(dirname "$0")/.."
out=test/domain/fixtures/restic-retention.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export RESTIC_REPOSITORY="$work/repo" RESTIC_PASSWORD=fixture RESTIC_CACHE_DIR="$work/cache"
mkdir -p "$work/data"
echo "one file" >"$work/data/file.txt"
restic init --quiet

# 2024-12-20 .. 2025-12-31 at 23:30 Berlin time (crosses a year, an ISO
# week-year boundary, both DST changes), and extra snapshots on a few days.
times=$(node -e '
  const out = [];
  for (let t = Date.UTC(2024, 11, 20); t <= Date.UTC(2025, 11, 31); t += 86400000) {
    const d = new Date(t).toISOString().slice(0, 10);
    out.push(`${d} 23:30:00`);
    if (["2025-01-05", "2025-03-30", "2025-06-15", "2025-10-26", "2025-12-31"].includes(d)) out.push(`${d} 08:15:00`, `${d} 12:00:00`);
    if (d === "2025-12-28") out.push(`${d} 00:10:00`);
  }
  console.log(out.join("\n"));
')
while IFS= read -r t; do
  TZ=Europe/Berlin restic backup --quiet --host fixture --time "$t" "$work/data" >/dev/null
done <<<"$times"

policies=(
  "--keep-last 10"
  "--keep-daily 7"
  "--keep-daily 14 --keep-weekly 8 --keep-monthly 12 --keep-yearly 3"
  "--keep-last 3 --keep-daily 7 --keep-weekly 5 --keep-monthly 18 --keep-yearly 10"
  "--keep-weekly 60"
  "--keep-monthly 6"
  "--keep-yearly 5"
  "--keep-within 1y2m3d4h"
  "--keep-within 10d"
  "--keep-within 2m --keep-weekly 4"
  "--keep-within 36h --keep-daily 3"
  "--keep-last 1"
  "--keep-daily 400"
  "--keep-monthly 1 --keep-yearly 1"
)

snapshots=$(TZ=UTC restic snapshots --json)
{
  echo "{\"snapshots\": $snapshots, \"runs\": ["
  sep=""
  for p in "${policies[@]}"; do
    # shellcheck disable=SC2086
    result=$(TZ=UTC restic forget --dry-run --json $p)
    echo "$sep{\"args\": \"$p\", \"result\": $result}"
    sep=","
  done
  echo "]}"
} >"$work/raw.json"

node - "$work/raw.json" "$out" "$(restic version)" <<'EOF'
const fs = require('node:fs');
const [raw, out, version] = process.argv.slice(2);
const data = JSON.parse(fs.readFileSync(raw, 'utf8'));
const short = (s) => s.short_id ?? s.id.slice(0, 8);
const fixture = {
  header: {
    producedBy: 'scripts/restic-retention-fixture.sh',
    restic: version,
    commands: [
      'TZ=Europe/Berlin restic backup --host fixture --time "<local time>" <dir>   (one per snapshot below)',
      'TZ=UTC restic forget --dry-run --json <args>   (one per run below)',
    ],
  },
  snapshots: data.snapshots.map((s) => ({ id: short(s), time: s.time })),
  runs: data.runs.map(({ args, result }) => {
    if (result.length !== 1) throw new Error(`expected one group for ${args}`);
    const g = result[0];
    return {
      args,
      keep: (g.keep ?? []).map(short),
      remove: (g.remove ?? []).map(short),
      // reasons[i] is keep[i]'s (restic's order); its snapshot carries no id, so the time is checked.
      reasons: (g.reasons ?? []).map((r, i) => {
        if (r.snapshot.time !== g.keep[i].time) throw new Error(`reason ${i} of ${args} is not keep[${i}]'s`);
        return { id: short(g.keep[i]), matches: r.matches, counters: r.counters };
      }),
    };
  }),
};
fs.writeFileSync(out, JSON.stringify(fixture, null, 1) + '\n');
console.log(`wrote ${out}: ${fixture.snapshots.length} snapshots, ${fixture.runs.length} runs`);
EOF
