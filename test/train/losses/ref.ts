/** Plain float64 JS references for the loss tests (independent of the tfjs code under test). */

export type Mat = number[][];

export function logSumExp(row: number[]): number {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** −mean_i Σ_j T_ij log softmax(L)_ij */
export function softCe(L: Mat, T: Mat): number {
  let total = 0;
  for (let i = 0; i < L.length; i++) {
    const lse = logSumExp(L[i]);
    for (let j = 0; j < L[i].length; j++) total -= T[i][j] * (L[i][j] - lse);
  }
  return total / L.length;
}

export function eye(n: number): Mat {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

export function transpose(A: Mat): Mat {
  return A[0].map((_, j) => A.map((r) => r[j]));
}

export function mixedRows(yA: number[], yB: number[], lam: number | number[], C: number): Mat {
  return yA.map((a, i) => {
    const l = typeof lam === 'number' ? lam : lam[i];
    const row = new Array(C).fill(0);
    row[a] += l;
    row[yB[i]] += 1 - l;
    return row;
  });
}

export function refIcm(
  Z: Mat,
  yA: number[],
  yB: number[],
  lam: number | number[],
  axes: 'both' | 'pair' | 'class' = 'both',
  shared = false,
): number {
  const Y = mixedRows(yA, yB, lam, Z[0].length);
  const S = Z.map((z) => Y.map((y) => z.reduce((s, v, c) => s + v * y[c], 0)));
  const B = Z.length;
  let T = eye(B);
  if (shared) {
    const same = Y.map((a) => Y.map((b): number => (a.every((v, c) => Math.abs(v - b[c]) < 1e-9) ? 1 : 0)));
    T = same.map((r) => r.map((v) => v / r.reduce((s, x) => s + x, 0)));
  }
  const rows = softCe(S, T);
  const cols = softCe(transpose(S), transpose(T));
  return axes === 'class' ? rows : axes === 'pair' ? cols : rows + cols;
}

/** Central finite differences of f at X (float64). */
export function numericGrad(f: (X: Mat) => number, X: Mat, h = 1e-5): Mat {
  return X.map((row, i) =>
    row.map((_, j) => {
      const p = X.map((r) => r.slice());
      const m = X.map((r) => r.slice());
      p[i][j] += h;
      m[i][j] -= h;
      return (f(p) - f(m)) / (2 * h);
    }),
  );
}

/** Deterministic, well-scaled test numbers in [-s, s]. */
export function pseudo(n: number, seed: number, s = 1): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(((x / 2147483648) * 2 - 1) * s);
  }
  return out;
}

export function close(actual: number, expected: number, rel = 1e-5, abs = 1e-6): boolean {
  return Math.abs(actual - expected) <= abs + rel * Math.abs(expected);
}

export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5, abs = 1e-6, what = ''): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!close(actual[i], expected[i], rel, abs)) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}
