// Sums up a V8 CPU profile (`--cpu-prof`, or BENCH_CPU_PROFILE_DIR of `npm run bench`): self time
// by where the code lives (a package of ours and its file, a dependency, Node's internals by
// module, GC, idle), as shares of the busy time. Usage:
//   node services/order/bench/profile-summary.ts <file.cpuprofile> [top N, default 25]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));

/** Where a frame's code lives, coarse enough to read. */
function placeOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 14).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const ours = url.match(/\/(services|packages)\/([^/]+)\/(.+)$/);
  return ours ? `${ours[1]}/${ours[2]}: ${ours[3]}` : url;
}

const selfMicros = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const node = byId.get(id);
  const delta = profile.timeDeltas[index] ?? 0;
  if (!node) return;
  const place = placeOf(node.callFrame);
  selfMicros.set(place, (selfMicros.get(place) ?? 0) + delta);
  total += delta;
});
const idle = selfMicros.get('(idle)') ?? 0;
const busy = total - idle;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)} %)`);
const rows = [...selfMicros].filter(([place]) => place !== '(idle)').sort((a, b) => b[1] - a[1]);
for (const [place, micros] of rows.slice(0, Number(topArg ?? 25))) {
  console.log(`${((micros / busy) * 100).toFixed(1).padStart(5)} %  ${place}`);
}
