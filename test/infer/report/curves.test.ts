import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { reliabilitySvg, trainingCurvesSvg, writeReport, writeTrainingCurves, type CurvePoint, type ReliabilityBin } from '../../../src/infer/report/index.js';
import { wrapWords } from '../../../src/infer/report/svg.js';
import { makeReport } from './fixture.js';

/** Parse the SVG as XML (fails the test when it is not well-formed); count elements per class and list the heading's lines. */
function parseSvg(svg: string): { classes: Record<string, number>; heading: string[]; width: number } {
  const script = [
    'import sys, json, xml.etree.ElementTree as E',
    'r = E.fromstring(sys.stdin.read())',
    'c = {}',
    'for e in r.iter():',
    '  for k in (e.get("class") or "").split(): c[k] = c.get(k, 0) + 1',
    'h = [t.text for e in r.iter() if e.get("class") == "heading" for t in e]',
    'print(json.dumps({"classes": c, "heading": h, "width": float(r.get("width"))}))',
  ].join('\n');
  const py = spawnSync('/usr/bin/python3', ['-c', script], { input: svg, encoding: 'utf8' });
  assert.equal(py.status, 0, `SVG is not well-formed XML: ${py.stderr}`);
  return JSON.parse(py.stdout);
}

const log: CurvePoint[] = Array.from({ length: 12 }, (_, i) => ({
  epoch: i + 1,
  trainLoss: 2 * Math.exp(-i / 4),
  // Epoch 3 had no validation figure (NaN is written to JSON as null).
  valAccuracy: i === 2 ? null : 0.5 + i / 30,
  lr: i < 6 ? 0.1 : 0.0004,
}));

test('training curves SVG: well-formed, one series per figure with a point per logged epoch, readable lr ticks', () => {
  const svg = trainingCurvesSvg(log, { title: 'icm on mnist: training curves' });
  const { classes } = parseSvg(svg);
  for (const k of ['series-loss', 'series-val-accuracy', 'series-lr']) assert.equal(classes[k], 1, k);
  assert.equal(classes['point-loss'], 12);
  assert.equal(classes['point-val-accuracy'], 11);
  assert.equal(classes['point-lr'], 12);
  // The polyline has a vertex per point, and a decayed lr gets a log axis labelled 4.00e-4.
  const lr = svg.match(/class="series series-lr"[^>]*points="([^"]+)"/)![1];
  assert.equal(lr.split(' ').length, 12);
  assert.match(svg, />4\.00e-4</);
  assert.match(svg, />log scale</);
  // Nothing to draw is said, not left blank.
  const none = trainingCurvesSvg(log.map((p) => ({ ...p, valAccuracy: null })));
  assert.equal(parseSvg(none).classes['point-val-accuracy'], undefined);
  assert.match(none, /no validation split/);
});

test('writeTrainingCurves and writeReport put training-curves.svg in the folder from the run log', async () => {
  const run = mkdtempSync(path.join(tmpdir(), 'icmix-curves-'));
  assert.equal(await writeTrainingCurves(run), undefined);
  writeFileSync(path.join(run, 'log.jsonl'), log.map((l) => JSON.stringify(l)).join('\n') + '\n{"epoch": 13, "tra');
  const file = await writeTrainingCurves(run);
  assert.equal(file, path.join(run, 'training-curves.svg'));
  // The torn last line is skipped.
  assert.equal(parseSvg(readFileSync(file!, 'utf8')).classes['point-loss'], 12);

  const report = makeReport();
  report.model.runDir = run;
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-curves-out-'));
  await writeReport(out, report);
  assert.ok(readdirSync(out).includes('training-curves.svg'), readdirSync(out).join());
  assert.equal(parseSvg(readFileSync(path.join(out, 'training-curves.svg'), 'utf8')).classes['point-lr'], 12);
});

test('reliability SVG: a count bar per non-empty bin, and a long title wraps inside the picture', () => {
  const bins: ReliabilityBin[] = [
    { lower: 0, upper: 0.25, count: 0, accuracy: 0, confidence: 0 },
    { lower: 0.25, upper: 0.5, count: 4, accuracy: 0.5, confidence: 0.4 },
    { lower: 0.5, upper: 0.75, count: 2, accuracy: 0.5, confidence: 0.6 },
    { lower: 0.75, upper: 1, count: 10, accuracy: 0.6, confidence: 0.9 },
  ];
  const title = 'reg-icm-long-tailed on fashion-mnist-imbalanced (cpu after temperature scaling)';
  const svg = reliabilitySvg(bins, { title, ece: 0.0234 });
  const { classes, heading, width } = parseSvg(svg);
  assert.equal(classes.count, 3);
  const heights = [...svg.matchAll(/<rect class="count" [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
  // Proportional to the counts: the fullest bin fills the 48 px histogram.
  assert.deepEqual(heights, [19.2, 9.6, 48]);
  assert.ok(heading.length >= 2, heading.join('|'));
  assert.equal(heading.join(' '), `${title} (ECE 2.34%)`);
  // 13 px bold: about 7.5 px a character must fit the width.
  for (const line of heading) assert.ok(line.length * 7.5 <= width, line);
  assert.deepEqual(wrapWords('a bb ccc', 4), ['a bb', 'ccc']);
});

test('the training curves draw validation loss where the log has it', () => {
  const withVal = log.map((p, i) => ({ ...p, valLoss: i === 5 ? null : 1.5 * Math.exp(-i / 5) }));
  const { classes } = parseSvg(trainingCurvesSvg(withVal));
  assert.equal(classes['series-val-loss'], 1);
  assert.equal(classes['point-val-loss'], 11);
  // Logs written before validation loss existed draw the panel's note instead.
  assert.equal(parseSvg(trainingCurvesSvg(log)).classes['point-val-loss'], undefined);
});
