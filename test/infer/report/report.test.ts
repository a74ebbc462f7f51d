import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { validateReport, reportSchemaErrors, writeReport, readReport, renderMarkdown, reliabilitySvg } from '../../../src/infer/report/index.js';
import type { ReliabilityBin } from '../../../src/infer/report/index.js';
import { IcmixError } from '../../../src/util/errors.js';
import { readCalibrationFile } from '../../../src/infer/evaluate.js';
import { makeReport } from './fixture.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'icmix-report-'));

test('a complete report built by the metric functions satisfies the schema', () => {
  assert.deepEqual(reportSchemaErrors(JSON.parse(JSON.stringify(makeReport()))), []);
});

test('the schema rejects wrong reports, naming the field', () => {
  const r = JSON.parse(JSON.stringify(makeReport()));
  r.runtimes[0].suites.id.accuracy = 1.5;
  assert.throws(() => validateReport(r), (e: unknown) => e instanceof IcmixError && /\/runtimes\/0\/suites\/id\/accuracy must be <= 1/.test(e.message));
  const r2 = JSON.parse(JSON.stringify(makeReport()));
  delete r2.model.classNames;
  assert.match(reportSchemaErrors(r2).join(), /\/model must have required property 'classNames'/);
  const r3 = JSON.parse(JSON.stringify(makeReport()));
  r3.runtimes[0].suites.ood[0].scores.odin = r3.runtimes[0].suites.ood[0].scores.msp;
  assert.match(reportSchemaErrors(r3).join(), /must NOT have additional properties 'odin'/);
  const r4 = JSON.parse(JSON.stringify(makeReport()));
  r4.runtimes = [];
  assert.match(reportSchemaErrors(r4).join(), /\/runtimes must NOT have fewer than 1 items/);
});

test('writeReport writes report.json, report.md and SVGs atomically; readReport round-trips', async () => {
  const dir = tmp();
  try {
    const report = makeReport();
    const files = await writeReport(dir, report);
    assert.deepEqual(readdirSync(dir).sort(), ['reliability-calibrated.svg', 'reliability-cpu.svg', 'reliability-web.svg', 'report.json', 'report.md']);
    assert.equal(files.length, 5);
    // report.json marks a finished evaluation (a study cell is done once it exists), so it is last.
    assert.equal(path.basename(files[files.length - 1]), 'report.json');
    const back = await readReport(dir);
    assert.deepEqual(back.report, JSON.parse(JSON.stringify(report)));
    assert.equal(readFileSync(path.join(dir, 'report.md'), 'utf8'), renderMarkdown(report));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeReport refuses an invalid report and writes nothing', async () => {
  const dir = tmp();
  try {
    const bad = makeReport();
    bad.runtimes[0].suites.id!.ece = -1;
    await assert.rejects(writeReport(dir, bad), /does not match schemas\/report.schema.json: \/runtimes\/0\/suites\/id\/ece must be >= 0/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readReport: a missing report and broken JSON give clear errors', async () => {
  const dir = tmp();
  try {
    await assert.rejects(readReport(dir), /report.json not found; run `icmix eval`/);
    await assert.rejects(readReport(path.join(dir, 'nope')), /does not exist; pass a run folder or its report.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readCalibrationFile: absent gives undefined; broken JSON is an error naming the file', async () => {
  const dir = tmp();
  try {
    assert.equal(await readCalibrationFile(dir), undefined);
    writeFileSync(path.join(dir, 'calibration.json'), '{"temperature": 1.5,');
    await assert.rejects(readCalibrationFile(dir), (e: unknown) => e instanceof IcmixError && /calibration\.json is not valid JSON.*icmix calibrate/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Markdown summary carries the numbers of the report', () => {
  const r = makeReport();
  const md = renderMarkdown(r);
  const id = r.runtimes[0].suites.id!;
  assert.match(md, /^# icmix evaluation: icm on fashion-mnist/);
  assert.ok(md.includes(`| cpu | ${(id.accuracy * 100).toFixed(2)}% |`), md);
  assert.ok(md.includes(`T = ${r.calibration!.temperature.toFixed(4)} fitted on the val split`));
  assert.ok(md.includes(`${(r.runtimes[0].suites.corruptions!.mean.accuracy * 100).toFixed(2)}%`));
  assert.match(md, /\| cpu vs web \| id \| 300 \| 100\.00% \|/);
  assert.match(md, /\| gaussian-noise \(far, n=150\) \| MSP \|/);
  assert.match(md, /\| corruption \| s1 \| s2 \| s3 \| s4 \| s5 \| accuracy \| ECE \| NLL \|/);
});

test('reliability SVG: one bar per non-empty bin at its accuracy, gaps, diagonal, ECE in title; well-formed XML', () => {
  // bins of width .25: [0,.25) empty; [.25,.5) acc .5 conf .4 (under-confident);
  // [.5,.75) empty; [.75,1] acc .6 conf .9 (over-confident)
  const bins: ReliabilityBin[] = [
    { lower: 0, upper: 0.25, count: 0, accuracy: 0, confidence: 0 },
    { lower: 0.25, upper: 0.5, count: 4, accuracy: 0.5, confidence: 0.4 },
    { lower: 0.5, upper: 0.75, count: 0, accuracy: 0, confidence: 0 },
    { lower: 0.75, upper: 1, count: 10, accuracy: 0.6, confidence: 0.9 },
  ];
  const svg = reliabilitySvg(bins, { title: 'demo', ece: 0.0123, size: 200 });
  assert.match(svg, /<title>demo \(ECE 1\.23%\)<\/title>/);
  const bars = [...svg.matchAll(/<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)];
  assert.equal(bars.length, 2);
  // plot area: left 48, top 44, size 200 → bar height = accuracy·200, x = 48 + lower·200
  assert.deepEqual(bars.map((b) => [Number(b[1]), Number(b[3]), Number(b[4])]), [[98, 50, 100], [198, 50, 120]]);
  const gaps = [...svg.matchAll(/<rect class="gap" [^>]*height="([\d.]+)" fill="(#[0-9a-f]+)"/g)];
  assert.deepEqual(gaps.map((g) => [Number(g[1]), g[2]]), [[20, '#2ca02c'], [60, '#d62728']]);
  assert.match(svg, /class="diagonal"/);
  const py = spawnSync('/usr/bin/python3', ['-c', 'import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(r.tag)'], { input: svg, encoding: 'utf8' });
  assert.equal(py.status, 0, `SVG is not well-formed XML: ${py.stderr}`);
  assert.equal(py.stdout.trim(), '{http://www.w3.org/2000/svg}svg');
});
