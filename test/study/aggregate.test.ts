import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregateTables,
  buildStudyReport,
  cellMetrics,
  mean,
  pairedComparisons,
  pairedDifference,
  poolReliability,
  renderStudyMarkdown,
  sampleStd,
  sideBySideReliabilitySvg,
  studentTCdf,
  studentTQuantile,
  studyFromObject,
  summarise,
  type CellMetrics,
  type StudyProvenance,
} from '../../src/study/index.js';
import type { EvalReport } from '../../src/infer/report/types.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('mean and sample std on hand-worked numbers', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  close(sampleStd([1, 2, 3, 4]), Math.sqrt(5 / 3), 1e-12); // squares 2.25+0.25+0.25+2.25 = 5, over n-1 = 3
  assert.ok(Number.isNaN(sampleStd([7])));
  const s = summarise([0.5, NaN, 0.7]);
  assert.equal(s.n, 2);
  close(s.mean, 0.6, 1e-12);
  close(s.std, Math.sqrt(0.02), 1e-12);
});

test('Student t quantiles match the published table', () => {
  // Two-sided 95% critical values t_{0.975, df} from standard tables.
  const table: Array<[number, number]> = [
    [1, 12.7062047],
    [2, 4.30265273],
    [4, 2.77644511],
    [9, 2.26215716],
    [30, 2.04227246],
  ];
  for (const [df, t] of table) close(studentTQuantile(0.975, df), t, 1e-6);
  close(studentTQuantile(0.025, 4), -2.77644511, 1e-6);
  // df = 1 is the Cauchy distribution: CDF(t) = 1/2 + atan(t)/pi.
  for (const t of [-3, -0.5, 0, 0.7, 5]) close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-10);
});

test('paired 95% t-interval on hand-worked differences', () => {
  // d = [0.05, 0, 0.05]: mean 1/30, std sqrt(((1/60)^2*2 + (1/30)^2)/2) = sqrt(1/1200),
  // half width t_{0.975,2} * std / sqrt 3 = 4.30265273 * (1/60).
  const d = pairedDifference([0.9, 0.8, 0.85], [0.85, 0.8, 0.8]);
  assert.equal(d.n, 3);
  close(d.mean, 1 / 30, 1e-12);
  close(d.std, Math.sqrt(1 / 1200), 1e-12);
  close(d.low, 1 / 30 - 4.30265273 / 60, 1e-7);
  close(d.high, 1 / 30 + 4.30265273 / 60, 1e-7);
  const one = pairedDifference([0.9], [0.8]);
  assert.equal(one.n, 1);
  close(one.mean, 0.1, 1e-12);
  assert.ok(Number.isNaN(one.low) && Number.isNaN(one.high));
  assert.throws(() => pairedDifference([1, 2], [1]), /pairs must match/);
});

const study = studyFromObject({
  name: 'agg',
  datasets: ['fashion-mnist'],
  protocols: ['balanced', 'lt10'],
  methods: ['mixup', 'icm', 'remix'],
  seeds: [0, 1, 2],
  model: 'mlp',
  epochs: 1,
});

/** Hand-made metrics: icm better in accuracy by 0.01, 0.02, 0.03 across seeds on balanced. */
function handMetrics(): Map<string, CellMetrics> {
  const m = new Map<string, CellMetrics>();
  const acc = { mixup: [0.8, 0.81, 0.82], icm: [0.81, 0.83, 0.85], remix: [0.7, 0.7, 0.7] } as Record<string, number[]>;
  const ece = { mixup: [0.05, 0.04, 0.06], icm: [0.03, 0.03, 0.03], remix: [0.1, 0.1, 0.1] } as Record<string, number[]>;
  for (const c of study.cells) {
    if (c.protocol === 'lt10' && c.seed === 2) continue; // an unfinished cell: rows use what finished
    m.set(c.id, { accuracy: acc[c.method][c.seed] - (c.protocol === 'lt10' ? 0.1 : 0), ece: ece[c.method][c.seed], nll: 0.5 });
  }
  return m;
}

test('tables: mean ± std per method over finished seeds; best per column by mean, ties all marked', () => {
  const tables = aggregateTables(study, handMetrics());
  assert.deepEqual(tables.map((t) => [t.protocol, t.rows.map((r) => r.method)]), [
    ['balanced', ['mixup', 'icm']],
    ['lt10', ['mixup', 'icm', 'remix']],
  ]);
  const bal = tables[0];
  const icm = bal.rows[1].metrics.accuracy!;
  assert.equal(icm.n, 3);
  close(icm.mean, 0.83, 1e-12);
  close(icm.std, 0.02, 1e-12); // deviations -0.02, 0, 0.02: sqrt(0.0008 / 2)
  close(bal.rows[0].metrics.ece!.mean, 0.05, 1e-12);
  close(bal.rows[0].metrics.ece!.std, 0.01, 1e-12);
  assert.deepEqual(bal.best.accuracy, ['icm']);
  assert.deepEqual(bal.best.ece, ['icm']);
  assert.deepEqual(bal.best.nll, ['mixup', 'icm']);
  assert.equal(bal.best.auroc, undefined); // no values: nothing marked
  const lt = tables[1];
  assert.deepEqual(lt.rows.map((r) => r.seeds), [[0, 1], [0, 1], [0, 1]]);
  close(lt.rows[1].metrics.accuracy!.mean, 0.72, 1e-12);
});

test('tables: a row with a model at chance names it in n and is never marked best (its ECE of ~0 would win)', () => {
  const metrics = handMetrics();
  metrics.set('fashion-mnist_lt10_icm_seed1', { accuracy: 0.1, ece: 0, nll: 2.3 });
  const lt = aggregateTables(study, metrics, new Set(['fashion-mnist_lt10_icm_seed1']))[1];
  assert.deepEqual(lt.rows.map((r) => r.atChance), [undefined, [1], undefined]);
  close(lt.rows[1].metrics.ece!.mean, 0.015, 1e-12); // the mean still counts it, as n says
  assert.deepEqual(lt.best.ece, ['mixup']);
  assert.deepEqual(lt.best.accuracy, ['mixup']);
  assert.deepEqual(aggregateTables(study, metrics)[1].best.ece, ['icm'], 'without the warning the collapsed seed wins ECE');
  // The descriptive paired comparison leaves the seed out of ECE, not out of accuracy.
  const lt10 = pairedComparisons(study, metrics, 'icm', 'mixup', 0.95, new Set(['fashion-mnist_lt10_icm_seed1']))[1];
  assert.deepEqual(lt10.atChance, [1]);
  assert.equal(lt10.metrics.ece!.n, 1);
  assert.equal(lt10.metrics.accuracy!.n, 2);
  assert.match(renderStudyMarkdown(buildStudyReport(study, metrics, { provenance: { command: 'x', versions: {}, machine: { os: '', cpu: '', cores: 1, memoryGiB: 1 }, wallSeconds: 0, cellSeconds: 0, invocations: [] }, failed: [], figures: [], training: { 'fashion-mnist_lt10_icm_seed1': { lr: 0.1, epochs: 1, warnings: [{ kind: 'near-chance', message: 'm' }] } } })), /\| icm \| 2 \(1 at chance\) \|/);
});

test('paired comparison icm − mixup: differences by seed, n, 95% interval', () => {
  const [bal, lt] = pairedComparisons(study, handMetrics());
  assert.deepEqual(bal.seeds, [0, 1, 2]);
  const acc = bal.metrics.accuracy!;
  assert.deepEqual(acc.differences.map((x) => Math.round(x * 1000) / 1000), [0.01, 0.02, 0.03]);
  close(acc.mean, 0.02, 1e-12);
  close(acc.std, 0.01, 1e-12);
  close(acc.low, 0.02 - (4.30265273 * 0.01) / Math.sqrt(3), 1e-7);
  close(acc.high, 0.02 + (4.30265273 * 0.01) / Math.sqrt(3), 1e-7);
  assert.deepEqual(lt.seeds, [0, 1]);
  assert.equal(lt.metrics.accuracy!.n, 2);
  close(lt.metrics.accuracy!.mean, 0.015, 1e-12);
});

test('the Markdown report bolds the best means and prints the paired interval with n', () => {
  const prov: StudyProvenance = { command: 'icmix study x.yaml', versions: { icmix: '0.1.0' }, machine: { os: 'Linux', cpu: 'Test CPU', cores: 2, memoryGiB: 8 }, wallSeconds: 61, cellSeconds: 100, invocations: [] };
  const report = buildStudyReport(study, handMetrics(), { provenance: prov, failed: [{ id: 'fashion-mnist_lt10_icm_seed2', error: 'boom' }], figures: [] });
  assert.equal(report.cells.total, 15);
  assert.equal(report.cells.finished, 12);
  assert.deepEqual(report.cells.missing, ['fashion-mnist_lt10_mixup_seed2', 'fashion-mnist_lt10_remix_seed2']);
  const md = renderStudyMarkdown(report);
  assert.match(md, /\| icm \| 3 \| \*\*83\.00 ± 2\.00\*\* \| \*\*3\.00 ± 0\.00\*\* \|/);
  assert.match(md, /\| mixup \| 3 \| 81\.00 ± 1\.00 \| 5\.00 ± 1\.00 \|/);
  assert.match(md, /\| fashion-mnist: balanced \| accuracy \| \+2\.00 \| \[−0\.48, \+4\.48\] \| 3 \| interval includes 0 \|/);
  assert.match(md, /\| fashion-mnist: balanced \| ECE \| −2\.00 \| \[−4\.48, \+0\.48\] \| 3 \|/);
  assert.match(md, /`fashion-mnist_lt10_icm_seed2`: boom/);
  assert.match(md, /Command: `icmix study x\.yaml`/);
  assert.match(md, /Test CPU, 2 cores/);
});

test('cell metrics come from the primary runtime, the named OOD set (each catalogue score) and the calibration', () => {
  const bins = [{ lower: 0, upper: 0.5, count: 2, accuracy: 0.5, confidence: 0.4 }, { lower: 0.5, upper: 1, count: 2, accuracy: 1, confidence: 0.9 }];
  const id = { n: 4, accuracy: 0.75, top5: 1, nll: 0.6, brier: 0.3, ece: 0.075, adaptiveEce: 0.1, mce: 0.1, bins: 2, reliability: bins };
  const det = (auroc: number) => ({ auroc, auprIn: 0, auprOut: 0, fpr95: 1 - auroc });
  const report = {
    runtimes: [
      { runtime: 'cpu', suites: { id, ood: [{ name: 'gaussian-noise', kind: 'far', n: 4, scores: { msp: det(0.99) } }, { name: 'mnist', kind: 'far', n: 4, scores: { msp: det(0.9), energy: det(0.5) } }], corruptions: { results: [], perCorruption: [], mean: { accuracy: 0.6, ece: 0.2, nll: 1 } } } },
      { runtime: 'web', suites: { id: { ...id, accuracy: 0 } } },
    ],
    calibration: { temperature: 1.5, fitSplit: 'val', fitNllBefore: 1, fitNllAfter: 0.9, before: { accuracy: 0.75, nll: 0.6, ece: 0.075, brier: 0.3 }, after: { accuracy: 0.75, nll: 0.5, ece: 0.02, brier: 0.28 } },
  } as unknown as EvalReport;
  const m = cellMetrics(report, 'mnist');
  // mnist has msp and energy scores, no max logit: those columns are absent, not zero
  assert.deepEqual(m, { accuracy: 0.75, ece: 0.075, nll: 0.6, brier: 0.3, eceTs: 0.02, auroc: 0.9, fpr95: 1 - 0.9, energyAuroc: 0.5, energyFpr95: 1 - 0.5, corruptionAccuracy: 0.6 });
  assert.deepEqual(cellMetrics(report, undefined), { accuracy: 0.75, ece: 0.075, nll: 0.6, brier: 0.3, eceTs: 0.02, corruptionAccuracy: 0.6 }); // no reported OOD set
  // Pooling two runs' bins = the bins of all predictions together.
  const pooled = poolReliability([bins, [{ ...bins[0], count: 0, accuracy: 0, confidence: 0 }, { ...bins[1], count: 6, accuracy: 0.5, confidence: 0.8 }]]);
  assert.deepEqual(pooled.map((b) => b.count), [2, 8]);
  close(pooled[1].accuracy, (2 * 1 + 6 * 0.5) / 8, 1e-12);
  close(pooled[1].confidence, (2 * 0.9 + 6 * 0.8) / 8, 1e-12);
  const svg = sideBySideReliabilitySvg([{ title: 'mixup', bins }, { title: 'icm', bins: pooled }], 'mixup vs icm');
  assert.equal((svg.match(/<svg /g) ?? []).length, 3);
  assert.match(svg, /<svg x="0" y="26" /);
  assert.match(svg, /mixup \(ECE 10\.00%\)/); // (|0.5-0.4|*2 + |1-0.9|*2) / 4 = 0.1
});

test('the descriptive paired table never words a reading as better or ahead: that is for the Holm-corrected claims', () => {
  const prov: StudyProvenance = { command: 'icmix study x.yaml', versions: { icmix: '0.1.0' }, machine: { os: 'Linux', cpu: 'Test CPU', cores: 2, memoryGiB: 8 }, wallSeconds: 61, cellSeconds: 100, invocations: [] };
  // NLL lower for icm by 0.1 ± 0.01 on every seed: an interval well clear of 0.
  const metrics = new Map([...handMetrics()].map(([id, m]) => [id, id.includes('_icm_') ? { ...m, nll: 0.4 - 0.01 * Number(id.slice(-1)) } : m]));
  const md = renderStudyMarkdown(buildStudyReport(study, metrics, { provenance: prov, failed: [], figures: [] }));
  const section = md.split('## Paired comparison')[1].split('\n## ')[0];
  const readings = section.split('\n').filter((l) => l.startsWith('| fashion-mnist')).map((l) => l.split('|').at(-2)!.trim());
  assert.ok(readings.length > 0);
  for (const r of readings) assert.doesNotMatch(r, /better|ahead/, `reading '${r}'`);
  assert.ok(readings.some((r) => /^excludes 0, favours (icm|mixup) \(uncorrected\)$/.test(r)), `no excluding reading among ${readings.join('; ')}`);
});
