import { IcmixError } from '../../../../../src/util/errors.js';
import type { TrainingMethod } from './types.js';
import { ce } from './methods/ce.js';
import { mixup } from './methods/mixup.js';
import { cutmix } from './methods/cutmix.js';
import { regmixup } from './methods/regmixup.js';
import { remix } from './methods/remix.js';
import { icm } from './methods/icm.js';
import { icmPair } from './methods/icm-pair.js';
import { icmClass } from './methods/icm-class.js';
import { icmShared } from './methods/icm-shared.js';
import { regIcm } from './methods/reg-icm.js';
import { remixIcm } from './methods/remix-icm.js';
import { cutmixIcm } from './methods/cutmix-icm.js';

// Adding a method: one file in methods/ and one entry here.
const METHODS: readonly TrainingMethod[] = [ce, mixup, cutmix, regmixup, remix, icm, icmPair, icmClass, icmShared, regIcm, remixIcm, cutmixIcm];

const BY_NAME = new Map(METHODS.map((m) => [m.name, m]));

/** Names of all training methods, in a stable order. */
export function listMethods(): string[] {
  return METHODS.map((m) => m.name);
}

export function getMethod(name: string): TrainingMethod {
  const m = BY_NAME.get(name);
  if (!m) throw new IcmixError(`unknown method '${name}'; choose one of: ${listMethods().join(', ')}`);
  return m;
}
