/**
 * `icmix doctor`: what this machine can do (Node, npm, tfjs backends, ONNX Runtime providers,
 * datasets, a browser), each probed for real, with a fix for every missing piece.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ICMIX_VERSION } from '../version.js';
import { PROBES } from './checks.js';
import { probeModelBytes } from './probe-model.js';
import type { DoctorCheck, DoctorProbe, DoctorReport } from './types.js';

export * from './types.js';
export { PROBES, CHROMIUM_PATH, MIN_NODE_MAJOR } from './checks.js';

/** Run every probe (or those given) in order; a probe that throws is a missing row with its fix. */
export async function runDoctor(opts: { probes?: readonly DoctorProbe[]; onCheck?: (c: DoctorCheck) => void } = {}): Promise<DoctorReport> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-doctor-'));
  const probeModel = path.join(dir, 'probe.onnx');
  await fs.writeFile(probeModel, probeModelBytes());
  const checks: DoctorCheck[] = [];
  try {
    for (const p of opts.probes ?? PROBES) {
      let c: DoctorCheck;
      try {
        const r = await p.run({ probeModel });
        c = { group: p.group, name: p.name, ok: r.ok, detail: r.detail, ...(r.ok ? {} : { fix: r.fix ?? p.fix }) };
      } catch (e) {
        // The first line is enough: some native errors carry a stack-like tail.
        const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        c = { group: p.group, name: p.name, ok: false, detail: msg, fix: p.fix };
      }
      checks.push(c);
      opts.onCheck?.(c);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  return { icmixVersion: ICMIX_VERSION, platform: `${process.platform} ${process.arch}`, checks };
}

/** Cut a detail to `max` characters for the table (the JSON keeps it whole). */
function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The report as a plain-text table, then one fix line per missing piece. */
export function formatDoctorReport(r: DoctorReport): string {
  const rows = r.checks.map((c) => [c.group, c.name, c.ok ? 'ok' : 'missing', clip(c.detail, 90)]);
  const head = ['group', 'check', 'status', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i === cells.length - 1 ? x : x.padEnd(widths[i]))).join('  ');
  const missing = r.checks.filter((c) => !c.ok);
  return (
    `icmix ${r.icmixVersion} on ${r.platform}\n\n` +
    [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') +
    '\n' +
    (missing.length
      ? `\n${missing.length} missing; to get them:\n${missing.map((c) => `  ${c.group} ${c.name}: ${c.fix}`).join('\n')}\n`
      : '\neverything found.\n')
  );
}
