import { ENGINES, type EngineName } from '../../src/backend/engines/index.js';

/**
 * The training engines these tests run on: every engine whose packages are installed and, for an
 * engine that drives a device (webgpu), whose device is here. The native engine and the Vulkan
 * driver are optional, so where one is missing its tests skip and say why, except in CI (CI=true),
 * whose set-up installs both (lavapipe where there is no GPU): there a missing engine is a
 * failure, not a skip.
 */
export async function enginesHere(): Promise<{ name: EngineName; skip: string | false }[]> {
  const ci = process.env.CI === 'true';
  return Promise.all(ENGINES.map(async (e) => {
    const a = e.available();
    if (!a.ok) return { name: e.name, skip: ci ? false : `${e.name} engine not installed (${a.reason}); ${e.installHint}` };
    const device = ci ? undefined : await e.deviceReason?.();
    return { name: e.name, skip: device ? `${e.name} engine has no device here (${device})` : false };
  }));
}
