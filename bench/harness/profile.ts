import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

/** What a `node --cpu-prof` profile says the process spent its time on. */
export interface ProfileSummary {
  /** Sampled seconds, idle excluded. */
  busySeconds: number;
  idleShare: number;
  /** Self time by area (a package, node internals, our code, GC), share of busy time. */
  areas: Array<{ area: string; share: number }>;
  /** The functions with the most self time, share of busy time. */
  functions: Array<{ name: string; share: number }>;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  samples: number[];
  timeDeltas: number[];
}

/** A profile node's area: the npm package, node's internals, our folders, or a VM state. */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const parts = url.replace(/^file:\/\//, '').split(sep);
  const modules = parts.lastIndexOf('node_modules');
  if (modules >= 0) return parts[modules + 1].startsWith('@') ? `${parts[modules + 1]}/${parts[modules + 2]}` : parts[modules + 1];
  for (const folder of ['core', 'runtime']) {
    const index = parts.lastIndexOf(folder);
    if (index >= 0) return `${folder}/${parts.slice(index + 1, -1).join('/') || parts[index + 1]}`;
  }
  return 'other';
}

/**
 * Summarises the profile in `dir`, counting only samples inside `window` (milliseconds
 * since the process started), so start-up and the wait for the load are left out.
 */
export function summarizeProfile(dir: string, window: { fromMs: number; toMs: number }, top = 12): ProfileSummary | undefined {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) return undefined;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  let clock = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    clock += delta;
    if (clock >= window.fromMs * 1000 && clock <= window.toMs * 1000) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  let idle = 0;
  let busy = 0;
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const where = frame.url ? ` (${frame.url.split(sep).slice(-2).join('/')}:${frame.lineNumber + 1})` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const ranked = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, micros]) => ({ key, share: micros / busy }));
  return {
    busySeconds: busy / 1e6,
    idleShare: idle / (idle + busy),
    areas: ranked(areas).map(({ key, share }) => ({ area: key, share })),
    functions: ranked(functions).map(({ key, share }) => ({ name: key, share })),
  };
}
