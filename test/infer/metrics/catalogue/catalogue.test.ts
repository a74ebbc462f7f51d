import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CATALOGUE,
  HEADLINE_METRICS,
  PREDICTION_METRICS,
  metricByKey,
  metricsOf,
  extractSource,
  type MetricEntry,
  type MetricSource,
} from '../../../../src/infer/metrics/catalogue/index.js';
import { meanOod, reportSchemaPath } from '../../../../src/infer/report/index.js';
import { accuracy, adaptiveEce, brier, classificationMetrics, eceFromBins, mceFromBins, nll, reliabilityBins, softmax, top5Accuracy } from '../../../../src/infer/metrics/index.js';
import { Rng } from '../../../../src/util/rng.js';
import { makeReport } from '../../report/fixture.js';

type Schema = { $ref?: string; type?: string; minimum?: number; maximum?: number; properties?: Record<string, Schema>; items?: Schema; definitions?: Record<string, Schema> };

const root = JSON.parse(readFileSync(reportSchemaPath(), 'utf8')) as Schema;

function deref(s: Schema): Schema {
  while (s.$ref) {
    const name = s.$ref.replace('#/definitions/', '');
    const next = root.definitions?.[name];
    assert.ok(next, `schema $ref ${s.$ref} does not resolve`);
    s = next;
  }
  return s;
}

/** The schema node a source's path reaches, or a message saying which step is missing. */
function schemaNodeAt(source: MetricSource): Schema | string {
  let node = root;
  const prefix = source.scope === 'report' ? [] : source.scope === 'runtime' ? ['runtimes', '[]'] : ['runtimes', '[]', 'suites', 'ood', '[]'];
  const steps = [...prefix, ...source.path];
  for (const [i, step] of steps.entries()) {
    node = deref(node);
    const next = step === '[]' ? node.items : node.properties?.[step];
    if (!next) return `no '${step}' at /${steps.slice(0, i).join('/')}`;
    node = next;
  }
  return deref(node);
}

test('every catalogue entry reads a number that report.schema.json defines, with a range that fits its unit', () => {
  assert.ok(CATALOGUE.length >= 15);
  for (const m of CATALOGUE) {
    const node = schemaNodeAt(m.source);
    assert.ok(typeof node !== 'string', `${m.key}: ${m.source.scope} path ${m.source.path.join('.')} is not in the report schema (${node})`);
    assert.equal(node.type, 'number', `${m.key}: the schema's leaf is ${node.type}, not a number`);
    assert.equal(node.minimum, 0, `${m.key}: a metric value should be bounded below by 0 in the schema`);
    if (m.unit === 'rate') assert.ok(node.maximum !== undefined && node.maximum <= 1.00001, `${m.key}: a rate whose schema allows up to ${node.maximum}`);
  }
});

test('the schema walk fails on a path the schema does not have (so the check above can fail)', () => {
  assert.match(String(schemaNodeAt({ scope: 'runtime', path: ['suites', 'id', 'acuracy'] })), /no 'acuracy' at \/runtimes\/\[\]\/suites\/id/);
  assert.match(String(schemaNodeAt({ scope: 'oodSet', path: ['scores', 'odin', 'auroc'] })), /no 'odin'/);
});

test('keys are unique, titles unique per table, and every entry says its unit, direction and meaning', () => {
  assert.equal(new Set(CATALOGUE.map((m) => m.key)).size, CATALOGUE.length);
  for (const view of ['compare', 'study'] as const) {
    const cols = metricsOf(view);
    const titles = cols.map((m) => (view === 'study' ? m.title : m.short));
    assert.equal(new Set(titles).size, titles.length, `${view}: duplicate titles ${titles}`);
  }
  for (const m of CATALOGUE) {
    assert.ok(['rate', 'nats', 'score'].includes(m.unit), m.key);
    assert.ok(['higher', 'lower'].includes(m.direction), m.key);
    assert.ok(m.description.length > 10, m.key);
  }
  // the prediction metrics are the id suite's fields under their own names, each computable alone
  for (const m of PREDICTION_METRICS) {
    assert.deepEqual(m.source, { scope: 'runtime', path: ['suites', 'id', m.key] });
    assert.equal(typeof m.compute, 'function');
  }
  assert.throws(() => metricByKey('f1'), /unknown metric 'f1'; known: accuracy, top5/);
  assert.equal(metricByKey('energyAuroc').direction, 'higher');
});

test('the headline tables are the views of one list: compare and study columns in today\'s order (both with max-softmax, max-logit and energy OOD scores)', () => {
  assert.deepEqual(metricsOf('compare').map((m) => [m.key, m.short]), [
    ['accuracy', 'accuracy'],
    ['ece', 'ECE'],
    ['nll', 'NLL'],
    ['brier', 'Brier'],
    ['auroc', 'AUROC'],
    ['fpr95', 'FPR95'],
    ['maxLogitAuroc', 'AUROC (max logit)'],
    ['maxLogitFpr95', 'FPR95 (max logit)'],
    ['energyAuroc', 'AUROC (energy)'],
    ['energyFpr95', 'FPR95 (energy)'],
    ['corruptionAccuracy', 'corruption acc.'],
  ]);
  assert.deepEqual(metricsOf('study').map((m) => m.title), [
    'accuracy', 'ECE', 'NLL', 'Brier', 'ECE after TS', 'OOD AUROC', 'OOD FPR95',
    'OOD AUROC (max logit)', 'OOD FPR95 (max logit)', 'OOD AUROC (energy)', 'OOD FPR95 (energy)', 'corruption acc.',
  ]);
  for (const m of HEADLINE_METRICS) assert.ok(m.views.length > 0, `${m.key} is in the headline list but in no table`);
});

test('extractors read the fields their source names, on the primary or a chosen runtime, mean over OOD sets or one set', () => {
  const r = makeReport(3);
  const rt = r.runtimes[0];
  const other = { ...rt.suites.ood![0], name: 'other', scores: { msp: { auroc: 0.25, auprIn: 0.5, auprOut: 0.5, fpr95: 0.75 }, energy: { auroc: 0.5, auprIn: 0.5, auprOut: 0.5, fpr95: 1 } } };
  rt.suites.ood!.push(other);
  const first = rt.suites.ood![0].scores;
  const get = (m: MetricEntry, o?: Parameters<MetricEntry['extract']>[1]) => m.extract(r, o);
  for (const m of PREDICTION_METRICS) {
    assert.equal(get(m), (rt.suites.id as unknown as Record<string, number>)[m.key]);
    assert.equal(get(m, { runtime: 1 }), (r.runtimes[1].suites.id as unknown as Record<string, number>)[m.key]);
  }
  assert.equal(get(metricByKey('eceTs')), r.calibration!.after.ece);
  assert.equal(get(metricByKey('corruptionAccuracy')), rt.suites.corruptions!.mean.accuracy);
  assert.equal(get(metricByKey('corruptionAccuracy'), { runtime: 1 }), undefined); // that runtime ran no corruptions
  // mean over sets: exactly meanOod's numbers; sets lacking a score are left out of its mean
  assert.equal(get(metricByKey('auroc')), meanOod(rt, 'msp')!.auroc);
  assert.equal(get(metricByKey('auroc')), (first.msp!.auroc + 0.25) / 2);
  assert.equal(get(metricByKey('energyFpr95')), meanOod(rt, 'energy')!.fpr95);
  assert.equal(get(metricByKey('maxLogitAuroc')), first.maxLogit!.auroc);
  // one named set; an unknown or unnamed set gives nothing
  assert.equal(get(metricByKey('energyAuroc'), { ood: { set: 'other' } }), 0.5);
  assert.equal(get(metricByKey('maxLogitAuroc'), { ood: { set: 'other' } }), undefined);
  assert.equal(get(metricByKey('auroc'), { ood: { set: 'nope' } }), undefined);
  assert.equal(get(metricByKey('auroc'), { ood: { set: undefined } }), undefined);
  assert.equal(extractSource(r, { scope: 'report', path: ['model', 'path'] }), undefined); // not a number
});

test('formats: rates in percent with 2 decimals, NLL and Brier with 4, absent as –', () => {
  assert.equal(metricByKey('accuracy').format(0.12345), '12.35%');
  assert.equal(metricByKey('nll').format(0.123456), '0.1235');
  assert.equal(metricByKey('brier').format(undefined), '–');
  assert.equal(metricByKey('energyAuroc').format(NaN), '–');
});

test('classificationMetrics, built from the prediction entries, gives the same report.json fields as the hand-listed version', () => {
  const rng = new Rng(7);
  const C = 6;
  const n = 400;
  const z = Float32Array.from({ length: n * C }, () => 3 * rng.normal());
  const y = Int32Array.from({ length: n }, () => rng.int(C));
  const p = softmax(z, C);
  const rel = reliabilityBins(p, y, C, { bins: 12, scheme: 'width' });
  // what classificationMetrics returned before the catalogue, field by field in the same order
  const before = { n, accuracy: accuracy(p, y, C), top5: top5Accuracy(p, y, C), nll: nll(p, y, C), brier: brier(p, y, C), ece: eceFromBins(rel), adaptiveEce: adaptiveEce(p, y, C, 12), mce: mceFromBins(rel), bins: 12, reliability: rel };
  assert.equal(JSON.stringify(classificationMetrics(p, y, C, { bins: 12 })), JSON.stringify(before));
});
