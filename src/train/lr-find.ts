/**
 * The learning-rate range test (Smith, "Cyclical Learning Rates", 2017; fastai's lr_find): train
 * from the run's own initial weights for a few hundred steps while the rate rises exponentially
 * from `minLr` to `maxLr`, record the loss at each rate, and suggest a rate a little below where
 * the loss falls fastest. Nothing is saved as a run; the weights are thrown away.
 */
import { useBackend } from '../backend/select.js';
import { datasetDefaults } from '../data/index.js';
import { prepareData } from '../run/index.js';
import { IcmixError } from '../util/errors.js';
import type { OnProgress } from '../util/progress-event.js';
import { Rng } from '../util/rng.js';
import { resolveConfig, type TrainConfig } from './config.js';
import { createMethod, getMethod } from './methods/index.js';
import { buildModel, checkModelName } from './models/index.js';
import { drawBatch, InProcessRunner } from './step-runner.js';

export interface LrFindOptions {
  /** Steps of the sweep (default 100). */
  steps?: number;
  minLr?: number;
  maxLr?: number;
  onProgress?: OnProgress;
}

export interface LrFindPoint {
  lr: number;
  loss: number;
  /** Exponential moving average of the loss (weight 0.98, bias-corrected). */
  smoothed: number;
}

export interface LrFindResult {
  points: LrFindPoint[];
  /** The rate at the lowest smoothed loss. */
  minLossLr: number;
  /** The rate where the smoothed loss falls fastest per decade of lr. */
  steepestLr: number;
  /** What `--lr auto` uses: a tenth of minLossLr, and no higher than steepestLr. */
  suggestion: number;
  /** Why the sweep ended before `steps`: the loss diverged (past 4x its minimum, or non-finite). */
  stopped?: string;
}

const BETA = 0.98;

/** The suggestion from a finished sweep's points (pure; exported for its test). */
export function suggestLr(points: readonly LrFindPoint[]): Pick<LrFindResult, 'minLossLr' | 'steepestLr' | 'suggestion'> {
  if (points.length < 3) throw new IcmixError(`the lr range test ran ${points.length} step(s) before the loss diverged: start it lower (--min-lr)`);
  let min = 0;
  for (let i = 1; i < points.length; i++) if (points[i]!.smoothed < points[min]!.smoothed) min = i;
  // The steepest fall, over the points up to the minimum (past it the loss is rising).
  let steep = 0;
  let slope = Infinity;
  for (let i = 1; i <= min; i++) {
    const d = (points[i]!.smoothed - points[i - 1]!.smoothed) / Math.log10(points[i]!.lr / points[i - 1]!.lr);
    if (d < slope) {
      slope = d;
      steep = i;
    }
  }
  const minLossLr = points[min]!.lr;
  const steepestLr = points[steep]!.lr;
  return { minLossLr, steepestLr, suggestion: Math.min(minLossLr / 10, steepestLr) };
}

/** Run the range test for `partial` (a training config; its lr is ignored). */
export async function lrRangeTest(partial: Partial<TrainConfig> & Pick<TrainConfig, 'dataset' | 'out'>, opts: LrFindOptions = {}): Promise<LrFindResult> {
  const cfg = resolveConfig(partial);
  const steps = opts.steps ?? 100;
  const minLr = opts.minLr ?? 1e-5;
  const maxLr = opts.maxLr ?? 10;
  if (!(Number.isInteger(steps) && steps >= 10)) throw new IcmixError(`--steps ${steps}: the range test needs at least 10 steps`);
  if (!(minLr > 0 && maxLr > minLr)) throw new IcmixError(`--min-lr ${minLr} and --max-lr ${maxLr}: need 0 < min-lr < max-lr`);
  checkModelName(cfg.model);
  const method = getMethod(cfg.method);
  const defaults = datasetDefaults(cfg.dataset);
  await useBackend(cfg.backend);
  const data = await prepareData(cfg, opts.onProgress);
  const set = data.train;
  const model = buildModel(cfg.model, set.shape, set.numClasses, { width: cfg.width, seed: cfg.seed });
  const bound = createMethod(method.name, cfg, { numClasses: set.numClasses, classCounts: data.classCounts });
  const runner = new InProcessRunner(model, bound, set.shape, { momentum: cfg.momentum, weightDecay: cfg.weightDecay });
  const aug = { pad: cfg.pad ?? defaults.pad, flip: cfg.flip ?? defaults.flip };
  const rng = new Rng(cfg.seed).fork('lr-find');
  const n = set.labels.length;
  const batch = Math.min(n, cfg.batchSize);
  const points: LrFindPoint[] = [];
  let order = rng.permutation(n);
  let at = 0;
  let avg = 0;
  let best = Infinity;
  let stopped: string | undefined;
  try {
    for (let i = 0; i < steps; i++) {
      const lr = minLr * (maxLr / minLr) ** (i / (steps - 1));
      if (at + batch > n) {
        order = rng.permutation(n);
        at = 0;
      }
      const idx = order.subarray(at, at + batch);
      at += batch;
      const { loss } = await runner.step(drawBatch(bound, set, idx, aug, data.normalization, rng), lr);
      if (!Number.isFinite(loss)) {
        stopped = `the loss became ${loss} at lr ${lr.toPrecision(3)}`;
        break;
      }
      avg = BETA * avg + (1 - BETA) * loss;
      const smoothed = avg / (1 - BETA ** (i + 1));
      points.push({ lr, loss, smoothed });
      best = Math.min(best, smoothed);
      opts.onProgress?.({ task: 'lr-find', done: i + 1, total: steps, fields: { lr, loss: smoothed } });
      if (i > 10 && smoothed > 4 * best) {
        stopped = `the loss passed 4x its minimum at lr ${lr.toPrecision(3)}`;
        break;
      }
    }
  } finally {
    await runner.close();
    model.dispose();

  }
  return { points, ...suggestLr(points), ...(stopped ? { stopped } : {}) };
}

/** The sweep as an SVG line chart: smoothed loss against lr on a log axis, the suggestion marked. */
export function lrFindSvg(r: LrFindResult): string {
  const W = 640;
  const H = 400;
  const m = { l: 60, r: 20, t: 30, b: 50 };
  const xs = r.points.map((p) => Math.log10(p.lr));
  const ys = r.points.map((p) => p.smoothed);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const X = (v: number) => m.l + ((v - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const Y = (v: number) => H - m.b - ((v - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const path = r.points.map((p, i) => `${i ? 'L' : 'M'}${X(Math.log10(p.lr)).toFixed(1)},${Y(p.smoothed).toFixed(1)}`).join(' ');
  const ticks: string[] = [];
  for (let d = Math.ceil(x0); d <= Math.floor(x1); d++) {
    ticks.push(`<line x1="${X(d)}" x2="${X(d)}" y1="${H - m.b}" y2="${H - m.b + 5}" stroke="#333"/><text x="${X(d)}" y="${H - m.b + 20}" text-anchor="middle" font-size="12">1e${d}</text>`);
  }
  const sx = X(Math.log10(r.suggestion));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">learning-rate range test: suggested lr ${r.suggestion.toPrecision(2)}</text>`,
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`,
    ...ticks,
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle" font-size="12">learning rate (log scale)</text>`,
    `<text x="15" y="${H / 2}" font-size="12" transform="rotate(-90 15 ${H / 2})" text-anchor="middle">loss (smoothed)</text>`,
    `<text x="${m.l - 5}" y="${Y(y1) + 4}" text-anchor="end" font-size="11">${y1.toPrecision(3)}</text><text x="${m.l - 5}" y="${Y(y0) + 4}" text-anchor="end" font-size="11">${y0.toPrecision(3)}</text>`,
    `<path d="${path}" fill="none" stroke="#4c72b0" stroke-width="2"/>`,
    `<line x1="${sx}" x2="${sx}" y1="${m.t}" y2="${H - m.b}" stroke="#d62728" stroke-dasharray="4 3"/>`,
    '</svg>',
  ].join('\n');
}
