import { promises as fs } from 'node:fs';
import { IcmixError } from '../../util/errors.js';
import type { InferenceRuntime, ModelFeed, RuntimeName } from './types.js';

/**
 * The part of an onnxruntime InferenceSession (node or web: same API from onnxruntime-common)
 * that a runtime needs, so cpu, cuda, web and webgpu share one wrapper.
 */
export interface OrtLikeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
  release(): Promise<void>;
}

export interface OrtTensorCtor {
  new (type: 'float32', data: Float32Array, dims: readonly number[]): unknown;
}

/** Wrap a session as an InferenceRuntime: the inputs in graph order in, the first output out. */
export function wrapOrtSession(
  session: OrtLikeSession,
  Tensor: OrtTensorCtor,
  names: { name: RuntimeName; requested: RuntimeName; note?: string },
): InferenceRuntime {
  const outputName = session.outputNames[0];
  const runInputs = async (inputs: readonly ModelFeed[]) => {
    if (inputs.length !== session.inputNames.length) {
      throw new IcmixError(`${names.name}: the graph has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}) but ${inputs.length} were fed; feed one array per graph input`);
    }
    const feeds = Object.fromEntries(session.inputNames.map((name, i) => [name, new Tensor('float32', inputs[i].data, inputs[i].dims)]));
    const out = (await session.run(feeds))[outputName];
    if (!(out.data instanceof Float32Array)) {
      // e.g. float16 as a Uint16Array of raw bits: read as numbers they would be wrong numbers.
      const kind = (out.data as object | null)?.constructor?.name ?? typeof out.data;
      throw new IcmixError(`${names.name}: output ${outputName} holds ${kind} values, not float32; icmix reads float32 outputs: export the model with a float32 output (or append a Cast to float32)`);
    }
    // No copy here: predictRaw copies each batch out before the next run.
    return { data: out.data, dims: [...out.dims] };
  };
  return {
    ...names,
    run: (input, dims) => runInputs([{ data: input, dims }]),
    runInputs,
    dispose: () => session.release(),
  };
}

/** The static half of onnxruntime's InferenceSession (node or web) that we call. */
export interface OrtLikeModule {
  InferenceSession: { create(bytes: Uint8Array, options: object): Promise<unknown> };
  Tensor: unknown;
}

/**
 * Read a model and start a session on it; a failure names the engine and the file, so a user
 * sees which runtime refused which model.
 */
export async function openOrtSession(
  ort: OrtLikeModule,
  modelPath: string,
  engine: string,
  options: object,
  /** The model's bytes when the caller has them (RuntimeOptions.bytes); else read from modelPath. */
  bytes?: Uint8Array,
): Promise<OrtLikeSession> {
  bytes ??= await readModelBytes(modelPath);
  try {
    return (await ort.InferenceSession.create(bytes, options)) as OrtLikeSession;
  } catch (e) {
    throw new IcmixError(`${engine} cannot load ${modelPath}: ${(e as Error).message}`);
  }
}

export async function readModelBytes(modelPath: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(modelPath);
  } catch (e) {
    throw new IcmixError(`cannot read model ${modelPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass the .onnx written by \`icmix export\``);
  }
}
