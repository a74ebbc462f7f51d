import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStudyReport, claimProse, readCellsDir, renderResultsDoc, selectLr, studyFromObject, type CellMetrics, type TuneRecord } from '../../src/study/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('docs/results.md is exactly what `icmix results docs docs/results` produces from the committed cells.json files', async () => {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const entries = await readCellsDir('docs/results');
    assert.ok(entries.length >= 1, 'at least one exported study');
    assert.equal(readFileSync('docs/results.md', 'utf8'), renderResultsDoc(entries), 'regenerate with `npm run results`');
  } finally {
    process.chdir(cwd);
  }
});

test('the committed cells.json: every cell has its config, seed, lr and metrics; tuned cells trained at their group\'s argmax', async () => {
  for (const { cells, study } of await readCellsDir(path.join(root, 'docs/results'))) {
    const byId = new Map(cells.cells.map((c) => [c.id, c]));
    for (const c of cells.cells) {
      assert.equal(typeof c.seed, 'number');
      assert.equal(c.config.seed, c.seed);
      assert.equal(c.config.lr, c.lr);
      if (c.role === 'main') assert.ok(c.metrics && typeof c.metrics.accuracy === 'number', c.id);
      // A diverged tune cell has no score (null in JSON) and says why; the others a finite one.
      else if (c.tune?.diverged) assert.equal(c.tune.valAccuracy, null, c.id);
      else assert.ok(c.tune && Number.isFinite(c.tune.valAccuracy), c.id);
    }
    for (const g of study.tuning) {
      // A study exported while it runs (cells committed as they come) holds some groups' tune
      // cells only in part; their main cells cannot have started, so there is nothing to check.
      const exported = study.cells.filter((x) => x.tuned?.group === g.group && byId.has(x.id));
      if (!g.cells.every((id) => byId.has(id))) {
        assert.deepEqual(exported.map((c) => c.id), [], `${g.group}: main cells exported before all its tune cells`);
        continue;
      }
      const records = new Map(g.cells.map((id) => [id, byId.get(id)!.tune as TuneRecord]));
      const chosen = selectLr(g, records).lr;
      for (const c of exported) assert.equal(byId.get(c.id)!.lr, chosen, `${c.id} trained at ${g.group}'s choice`);
    }
  }
});

test('claim sentences follow the corrected test: "ahead" only with a Holm p below 0.05, else "no clear difference"', () => {
  const study = studyFromObject({ name: 'prose', datasets: ['mnist'], protocols: ['balanced'], methods: ['ce', 'mixup', 'icm'], seeds: [0, 1, 2, 3, 4], model: 'mlp', epochs: 1, suites: ['id'] });
  const metrics = new Map<string, CellMetrics>();
  // icm is 2 points ahead of mixup on every seed (tiny spread); icm vs ce goes both ways.
  [0.8, 0.81, 0.79, 0.8, 0.82].forEach((v, s) => {
    metrics.set(`mnist_balanced_mixup_seed${s}`, { accuracy: v, ece: 0.05 });
    metrics.set(`mnist_balanced_icm_seed${s}`, { accuracy: v + 0.02 + 0.001 * s, ece: 0.05 + [0.01, -0.01, 0.02, -0.02, 0][s] });
    metrics.set(`mnist_balanced_ce_seed${s}`, { accuracy: v + 0.02 + [0.03, -0.03, 0.02, -0.02, 0.001][s], ece: 0.05 });
  });
  const provenance = { command: 'x', versions: {}, machine: { os: 'L', cpu: 'C', cores: 1, memoryGiB: 1 }, wallSeconds: 1, cellSeconds: 1, invocations: [] };
  const prose = claimProse(buildStudyReport(study, metrics, { provenance, failed: [], figures: [] })).join('\n');
  assert.match(prose, /mnist, balanced: icm is ahead of mixup on accuracy \(\+2\.20 points, Holm interval \[\+\d\.\d\d, \+\d\.\d\d\], Holm p < 0\.001, n = 5\)/);
  assert.match(prose, /no clear difference between icm and ce on accuracy/);
  assert.match(prose, /no clear difference between icm and mixup on ECE/);
  assert.match(prose, /\*\*ood\*\* \(primary metric: OOD AUROC \(energy\)\): no comparison ran/);
  assert.equal((prose.match(/is ahead of/g) ?? []).length, 1);
});

test('the status paragraph is said from the exported studies: no claim without an evidence study, else which study, model and data', async () => {
  const entries = await readCellsDir(path.join(root, 'docs/results'));
  const check = entries.find((e) => e.study.spec.purpose === 'pipeline-check');
  assert.ok(check, 'the committed pipeline check');
  const onlyCheck = renderResultsDoc([check]);
  assert.match(onlyCheck, /makes \*\*no claim\*\*/);
  assert.match(onlyCheck, /`studies\/paper-full\.yaml` .* has not been run/);
  // The same cells presented as evidence: all of them, one main cell missing, only the tune cells.
  const spec = { ...check.study.spec, purpose: 'evidence' as const };
  const study = studyFromObject(spec, check.study.file);
  const asEvidence = (keep: typeof check.cells.cells) => renderResultsDoc([{ ...check, study, cells: { ...check.cells, cells: keep, study: { ...check.cells.study, spec } } }]);
  const all = check.cells.cells;
  const main = all.filter((c) => c.role === 'main');
  const tune = all.filter((c) => c.role !== 'main');
  assert.ok(main.length > 1 && tune.length > 0, 'the check study has main and tune cells');
  const file = check.cells.study.file ?? check.cells.study.name;
  const where = (done: number) => `\`${file}\` (${done} of ${main.length} main cells finished, ${tune.length} of ${tune.length} tune cells; model ${spec.model}; ${spec.datasets.join(', ')})`;
  const full = asEvidence(all);
  assert.ok(full.includes(`comes from ${where(main.length)}`), full.slice(0, 1500));
  assert.doesNotMatch(full, /no claim|provisional/);
  const oneShort = asEvidence(all.filter((c) => c !== main[0]));
  assert.ok(oneShort.includes(`comes from ${where(main.length - 1)}`));
  assert.match(oneShort, /the claims below are provisional/);
  const tuneOnly = asEvidence(tune);
  assert.ok(tuneOnly.includes(where(0)));
  assert.match(tuneOnly, /No main cell has finished, so this repository makes\n\*\*no claim\*\*/);
});
