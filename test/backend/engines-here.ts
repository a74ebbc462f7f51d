import { ENGINES, type EngineName } from '../../src/backend/engines/index.js';

/**
 * The training engines these tests run on: every engine whose packages are installed. The native
 * engine is optional, so where it is missing its tests skip and say why, except in CI (CI=true),
 * whose set-up installs it: there a missing engine is a failure, not a skip.
 */
export function enginesHere(): { name: EngineName; skip: string | false }[] {
  return ENGINES.map((e) => {
    const a = e.available();
    return { name: e.name, skip: a.ok || process.env.CI === 'true' ? false : `${e.name} engine not installed (${a.reason}); ${e.installHint}` };
  });
}
