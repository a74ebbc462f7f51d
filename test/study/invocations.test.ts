import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeInvocations, invocationSpan, type Invocation } from '../../src/study/invocations.js';

const at = (start: string, wallSeconds: number, ran = 1, interrupted = false): Invocation => ({ startedAt: start, wallSeconds, command: 'icmix study s.yaml', jobs: 1, ran, failed: 0, interrupted });

test('wall time of a results folder: overlapping invocations count once, gaps not at all', () => {
  // 10:00-10:10 and 10:05-10:20 overlap (20 min); 11:00-11:01 is apart (1 min); 10:06-10:07 lies inside.
  const invs = [at('2026-01-01T10:05:00Z', 900), at('2026-01-01T11:00:00Z', 60), at('2026-01-01T10:00:00Z', 600), at('2026-01-01T10:06:00Z', 60)];
  assert.equal(invocationSpan(invs), 21 * 60);
  assert.equal(invocationSpan([]), 0);
  assert.equal(invocationSpan([at('not a date', 5), at('2026-01-01T10:00:00Z', 7)]), 12, 'an unreadable start is counted whole, not dropped or NaN');
  // Two --cell runs side by side for 100 s each: 100 s of wall time, where a sum says 200.
  assert.equal(invocationSpan([at('2026-01-01T10:00:00Z', 100), at('2026-01-01T10:00:00Z', 100)]), 100);
});

test('invocations are listed while few and summarised when many', () => {
  const few = [at('2026-01-01T10:00:00Z', 61, 3), at('2026-01-01T11:00:00Z', 5, 0, true)];
  assert.equal(describeInvocations(few), '2026-01-01T10:00:00Z (1:01, 3 cells run); 2026-01-01T11:00:00Z (0:05, 0 cells run, interrupted)');
  const many = Array.from({ length: 40 }, (_, i) => at(`2026-01-01T10:${String(i).padStart(2, '0')}:00Z`, 50, 1, i === 3));
  assert.equal(describeInvocations(many.reverse()), '40 invocations from 2026-01-01T10:00:00Z to 2026-01-01T10:39:00Z, 40 cells run, 1 interrupted');
  // Ends by time, not by string: 11:30+02:00 is 09:30Z, the earliest.
  const offsets = [...many, at('2026-01-01T11:30:00+02:00', 5)];
  assert.match(describeInvocations(offsets), /^41 invocations from 2026-01-01T11:30:00\+02:00 to 2026-01-01T10:39:00Z/);
});
