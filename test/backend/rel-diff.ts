import assert from 'node:assert/strict';

/** max |got - ref| over max |ref| (the reference's scale), after checking the lengths agree. */
export function relDiff(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.equal(got.length, ref.length);
  let mag = 1e-12;
  let diff = 0;
  for (let i = 0; i < ref.length; i++) {
    mag = Math.max(mag, Math.abs(ref[i]));
    diff = Math.max(diff, Math.abs(got[i] - ref[i]));
  }
  return diff / mag;
}
