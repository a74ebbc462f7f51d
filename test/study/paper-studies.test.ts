import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStudy, runStudy } from '../../src/study/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('studies/paper-full.yaml: --dry-run lists its 138 tune cells first, then 230 main cells, and runs nothing', async () => {
  const study = await loadStudy(path.join(root, 'studies/paper-full.yaml'));
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-paper-full-'));
  try {
    const r = await runStudy(study, { out, dryRun: true });
    // 2 datasets x (7 + 9 + 7 methods) = 46 groups x 3 lrs on tune seed 100; x 5 seeds for the main cells.
    assert.equal(study.tuning.length, 46);
    assert.equal(r.states!.length, 368);
    assert.ok(r.states!.slice(0, 138).every((s) => s.id.startsWith('tune_') && s.state === 'todo'));
    assert.ok(r.states!.slice(138).every((s) => !s.id.startsWith('tune_') && s.state === 'todo'));
    assert.deepEqual(readdirSync(out), [], 'a dry run writes nothing');
    for (const c of study.cells) {
      assert.equal(c.train.model, 'resnet20');
      assert.equal(c.train.epochs, 200);
      assert.ok(c.tuned, `${c.id} uses its tuned lr`);
    }
    assert.deepEqual([...new Set(study.cells.map((c) => c.seed))], [0, 1, 2, 3, 4]);
    // The rate is chosen on a seed that no evaluated cell uses, so no evaluated seed saw the choice made.
    assert.deepEqual([...new Set(study.tuneCells.map((c) => c.seed))], [100]);
    assert.deepEqual(study.protocols.map((p) => p.id), ['balanced', 'lt100', 'dc100']);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('studies/paper.yaml: 5 paired seeds, the seven methods, an lr sweep per method x protocol, a cosine schedule', async () => {
  const study = await loadStudy(path.join(root, 'studies/paper.yaml'));
  assert.deepEqual(study.protocols.map((p) => [p.id, p.methods.join(' ')]), [
    ['dc100', 'ce mixup icm regmixup reg-icm'],
    ['lt100', 'ce mixup icm regmixup reg-icm remix remix-icm'],
    ['balanced', 'ce mixup icm regmixup reg-icm'],
  ]);
  assert.equal(study.cells.length, 85);
  // Four rates per group, five for lt100 (its sweep extended to 0.3): 5 x 4 + 7 x 5 + 5 x 4.
  assert.equal(study.tuneCells.length, 75);
  assert.deepEqual(study.tuning.find((g) => g.protocol === 'lt100')!.lr, [0.003, 0.01, 0.03, 0.1, 0.3]);
  assert.deepEqual([...new Set(study.cells.map((c) => c.seed))], [0, 1, 2, 3, 4]);
  assert.ok(study.cells.every((c) => c.train.lrSchedule === 'cosine' && c.tuned));
  assert.equal(study.cells.find((c) => c.protocol === 'dc100')!.train.epochs, 100);
  assert.equal(study.spec.purpose, 'evidence');
});
