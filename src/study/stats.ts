/**
 * Small statistics for the study report: mean ± sample standard deviation over seeds and a
 * paired t-interval for "method minus baseline" differences across seeds.
 */

/** Arithmetic mean; NaN for an empty list. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 in the denominator); NaN with fewer than two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative). */
export function logGamma(x: number): number {
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** CDF of Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (bisection on the CDF; p in (0, 1)). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean ± sample std of one column over seeds. */
export interface Summary {
  n: number;
  mean: number;
  /** NaN when n < 2. */
  std: number;
  values: number[];
}

export function summarise(values: readonly number[]): Summary {
  const xs = values.filter((v) => Number.isFinite(v));
  return { n: xs.length, mean: mean(xs), std: sampleStd(xs), values: xs };
}

/** Paired difference a − b over matched seeds with a two-sided t-interval. */
export interface PairedDifference {
  n: number;
  /** Mean of a_i − b_i. */
  mean: number;
  /** Sample std of the differences (NaN when n < 2). */
  std: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
  /** [low, high]; NaN when n < 2 (no interval from one pair). */
  low: number;
  high: number;
  /** The differences, in seed order. */
  differences: number[];
}

export function pairedDifference(a: readonly number[], b: readonly number[], level = 0.95): PairedDifference {
  if (a.length !== b.length) throw new Error(`pairedDifference: ${a.length} values against ${b.length}; pairs must match`);
  const d = a.map((x, i) => x - b[i]).filter((v) => Number.isFinite(v));
  const n = d.length;
  const m = mean(d);
  const s = sampleStd(d);
  const half = n >= 2 ? studentTQuantile(1 - (1 - level) / 2, n - 1) * (s / Math.sqrt(n)) : NaN;
  return { n, mean: m, std: s, level, low: m - half, high: m + half, differences: d };
}

/** Two-sided one-sample t-test of the mean of `d` against 0 (the paired t-test on differences). */
export interface TTest {
  t: number;
  df: number;
  /** Two-sided p-value; NaN with fewer than two values. */
  p: number;
}

export function pairedTTest(d: readonly number[]): TTest {
  const n = d.length;
  if (n < 2) return { t: NaN, df: n - 1, p: NaN };
  const m = mean(d);
  const s = sampleStd(d);
  // Identical differences: no spread, so any non-zero mean is certain and a zero one is not.
  if (s === 0) return { t: m === 0 ? 0 : m > 0 ? Infinity : -Infinity, df: n - 1, p: m === 0 ? 1 : 0 };
  const t = m / (s / Math.sqrt(n));
  return { t, df: n - 1, p: Math.min(1, 2 * studentTCdf(-Math.abs(t), n - 1)) };
}

/**
 * Holm–Bonferroni adjusted p-values, in the input order: sorted ascending, the k-th smallest
 * (1-based) of m becomes max over j <= k of min(1, (m − j + 1) p_(j)). NaN entries stay NaN; m is
 * the number of finite ones, or `familySize` where the family was fixed larger beforehand.
 */
export function holmAdjust(ps: readonly number[], familySize?: number): number[] {
  const idx = ps.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  // A family may count tests that could not be run (NaN p): never fewer than the finite ones.
  const m = Math.max(idx.length, familySize ?? 0);
  const out = ps.map(() => NaN);
  let running = 0;
  idx.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

/** Each p-value's Holm step (1-based rank among the finite ones, ties in input order); NaN stays NaN. */
export function holmRanks(ps: readonly number[]): number[] {
  const idx = ps.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = ps.map(() => NaN);
  idx.forEach(([, i], k) => (out[i] = k + 1));
  return out;
}
