/**
 * `npm run bench:compare [-- [--check] [<git revision>]]`: each benchmark's
 * ratio to its same-run reference in bench/results/*.json (as in the working
 * tree) next to the last recorded run of it (the newest earlier version of the
 * file in git history, or the file as of <git revision>), so a regression
 * shows at a glance. With --check it exits 1 when a ratio got more than 10 %
 * worse.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compareMetrics, metricsOf, type Comparison, type Metric } from './lib/compare-metrics.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const resultsDir = path.join(repo, 'bench/results');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });

/** Earlier versions of a results file, newest first: every commit that changed it, or only the one as of `ref`. */
function history(file: string, ref: string | undefined): Array<{ recordedIn: string; metrics: Metric[] }> {
  const rel = path.posix.join('bench/results', file);
  const commits = ref ? [git('rev-parse', '--short', ref).trim()] : git('log', '--format=%h', '--', rel).split('\n').filter(Boolean);
  const out = [];
  for (const commit of commits) {
    let text: string;
    try {
      text = git('show', `${commit}:${rel}`);
    } catch {
      continue; // not in that revision
    }
    out.push({ recordedIn: commit, metrics: metricsOf(JSON.parse(text)) });
  }
  return out;
}

const fmt = (m: Metric | undefined) => (m ? (m.value === null ? '—' : `${m.value}${m.unit === '%' ? '%' : '×'}`) : '—');
const when = (m: Metric & { recordedIn?: string }) =>
  `${m.run.slice(0, 16).replace('T', ' ')}${m.server ? `, server ${m.server}` : ''}${m.recordedIn ? `, in ${m.recordedIn}` : ''}`;

function table(rows: Comparison[]): string[] {
  const lines = ['| measure | now | figures now | last recorded | figures then | change |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const change = r.change === undefined ? '' : r.verdict === 'no reference' ? `${r.change}× (absolute, not judged)` : `${r.change}×`;
    const flag = r.verdict === 'worse' ? ' **WORSE**' : r.verdict === 'better' ? ' better' : r.verdict === 'new' ? 'no earlier run' : '';
    lines.push(
      `| ${r.now.label} | **${fmt(r.now)}** | ${r.now.detail} | ${r.last ? `${fmt(r.last)} (${when(r.last)})` : '—'} | ${r.last?.detail ?? ''} | ${change}${flag} |`,
    );
  }
  return lines;
}

const args = process.argv.slice(2);
const check = args.includes('--check');
const ref = args.find((a) => !a.startsWith('--'));
const files = fs.readdirSync(resultsDir).filter((f) => f.endsWith('.json')).sort();
let worse = 0;
for (const file of files) {
  const now = metricsOf(JSON.parse(fs.readFileSync(path.join(resultsDir, file), 'utf8')));
  if (now.length === 0) continue;
  const rows = compareMetrics(now, history(file, ref));
  worse += rows.filter((r) => r.verdict === 'worse').length;
  const runs = [...new Set(now.map((m) => when(m)))];
  process.stdout.write(`\n## ${file} (now: ${runs.join('; ')})\n\n${table(rows).join('\n')}\n`);
}
process.stdout.write(worse ? `\n${worse} ratio(s) more than 10 % worse than the last recorded run.\n` : '\nNo ratio more than 10 % worse than the last recorded run.\n');
if (check && worse) process.exitCode = 1;
