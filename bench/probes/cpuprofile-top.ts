/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and
 * by package/file, and the total time under a few frames of interest.
 *   [PROFILE_LAST_S=n] [PROFILE_SKIP_LAST_S=m] node dist-bench/bench/probes/cpuprofile-top.js <file.cpuprofile> [top=30]
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topText] = process.argv.slice(2) as [string, string | undefined];
const top = Number(topText ?? 30);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// PROFILE_LAST_S: only the samples of the profile's last N seconds (e.g. the job, not the seeding before it);
// PROFILE_SKIP_LAST_S: minus its last M seconds (a window that ends before a later load, say).
const lastUs = process.env.PROFILE_LAST_S ? Number(process.env.PROFILE_LAST_S) * 1e6 : Infinity;
const skipUs = process.env.PROFILE_SKIP_LAST_S ? Number(process.env.PROFILE_SKIP_LAST_S) * 1e6 : 0;
const selfUs = new Map<number, number>();
let t = profile.startTime;
const times = profile.timeDeltas.map((d) => (t += d));
const from = Math.max(profile.startTime, profile.endTime - lastUs);
const to = profile.endTime - skipUs;
profile.samples.forEach((id, i) => {
  if (times[i]! >= from && times[i]! < to) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const totalUs = to - from;

const where = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.includes('/dist/')) return 'batchyard:' + url.slice(url.indexOf('/dist/') + 6);
  if (url === '') return `(${n.callFrame.functionName || 'native'})`;
  if (url.startsWith('node:')) return url;
  return url.split('/').slice(-2).join('/');
};

const fn = new Map<string, number>();
const pkg = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const key = `${n.callFrame.functionName || '(anonymous)'} ${where(n)}:${n.callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const p = where(n);
  pkg.set(p, (pkg.get(p) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1)}%`;
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title} (of ${(totalUs / 1e6).toFixed(2)} s profiled)\n`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us).padStart(6)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
};
print('self time by package / file', pkg);
print('self time by function', fn);

// Inclusive time under frames whose function name matches (env PROFILE_FRAMES, comma-separated).
const frames = (process.env.PROFILE_FRAMES ?? 'runItemsTask,runPlanTask,commitOutcome,executeQuery,compileQuery,transaction,claim,JSON.parse,stringify').split(',');
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const name = byId.get(cur)!.callFrame.functionName;
    for (const f of frames) if (name === f && !seen.has(f)) {
      seen.add(f);
      inclusive.set(f, (inclusive.get(f) ?? 0) + us);
    }
  }
}
print('inclusive time under frames', inclusive);
