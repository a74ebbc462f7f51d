import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot, ICMIX_VERSION } from '../version.js';

function packageVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** icmix, Node and the engines' and runtimes' package versions (those installed; tfjs-node is optional). */
export function studyVersions(): Record<string, string> {
  const v: Record<string, string> = { icmix: ICMIX_VERSION, node: process.version };
  for (const p of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-webgpu', 'onnxruntime-node', 'onnxruntime-web']) {
    const ver = packageVersion(p);
    if (ver) v[p] = ver;
  }
  return v;
}

export function machineInfo(): { os: string; cpu: string; cores: number; memoryGiB: number } {
  const cpus = os.cpus();
  return { os: `${os.type()} ${os.release()} ${os.arch()}`, cpu: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length, memoryGiB: os.totalmem() / 2 ** 30 };
}
