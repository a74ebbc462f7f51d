import { DATA_TYPE_NAMES, DataType, decodeModel, graphInputs, metadataOf, valueDims, type TensorProto, type ValueInfoProto } from '../onnx/index.js';
import { IcmixError } from '../util/errors.js';
import type { OnnxSummary } from './types.js';

/** Read any ONNX file's metadata_props as a plain record. */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  return metadataOf(decodeModel(bytes));
}

const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };
const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, DataType.BFLOAT16]);

function describeValue(v: ValueInfoProto): OnnxSummary['inputs'][number] {
  const t = v.type?.tensorType;
  const name = v.name ?? '';
  if (!t) return { name, type: v.type ? Object.keys(v.type)[0]?.replace(/Type$/, '') ?? 'unknown' : 'unknown', dims: null };
  return { name, type: DATA_TYPE_NAMES[t.elemType ?? 0] ?? `type ${t.elemType}`, dims: valueDims(v) };
}

function tensorBytes(t: TensorProto): number {
  if (t.rawData) return t.rawData.length;
  const n = (t.dims ?? []).reduce((a, b) => a * b, 1);
  return n * (ELEMENT_BYTES[t.dataType ?? 0] ?? 0);
}

/**
 * A summary of any ONNX model: graph inputs/outputs, ops, parameters, versions and metadata.
 * `source` names the bytes in errors (an empty or graph-less file is not a model).
 */
export function inspectOnnx(bytes: Uint8Array, source = 'the input'): OnnxSummary {
  if (bytes.length === 0) throw new IcmixError(`${source} is empty (0 bytes), not an ONNX model; export one with \`icmix export <run>\``);
  const model = decodeModel(bytes, source);
  if (!model.graph) throw new IcmixError(`${source} holds no ONNX graph (${bytes.length} bytes); is it an .onnx file?`);
  const g = model.graph;
  const inits = g.initializer ?? [];
  const counts: Record<string, number> = {};
  for (const n of g.node ?? []) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType ?? '';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const opCounts = Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  let parameterCount = 0;
  for (const t of inits) if (FLOAT_TYPES.has(t.dataType ?? 0)) parameterCount += (t.dims ?? []).reduce((a, b) => a * b, 1);
  for (const s of g.sparseInitializer ?? []) parameterCount += (s.values?.dims ?? []).reduce((a, b) => a * b, 1);
  return {
    irVersion: model.irVersion ?? 0,
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: o.version ?? 0 })),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    graphName: g.name ?? '',
    // Older exporters also list initializers as inputs; those are weights, not model inputs.
    inputs: graphInputs(g).map(describeValue),
    outputs: (g.output ?? []).map(describeValue),
    nodeCount: (g.node ?? []).length,
    opCounts,
    parameterCount,
    initializerCount: inits.length,
    initializerBytes: inits.reduce((a, t) => a + tensorBytes(t), 0),
    metadata: metadataOf(model),
  };
}

const fmtDims = (d: (number | string)[] | null) => (d ? `[${d.join(', ')}]` : '(shape unknown)');

/** Human-readable text for `icmix inspect`. */
export function formatOnnxSummary(s: OnnxSummary): string {
  const lines: string[] = [];
  lines.push(`graph       ${s.graphName || '(unnamed)'}${s.producer ? `  (produced by ${s.producer})` : ''}`);
  lines.push(`IR version  ${s.irVersion}`);
  lines.push(`opsets      ${s.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}`);
  lines.push(`parameters  ${s.parameterCount.toLocaleString('en-US')} in ${s.initializerCount} initializers (${(s.initializerBytes / 1024 / 1024).toFixed(2)} MiB)`);
  lines.push('inputs');
  for (const v of s.inputs) lines.push(`  ${v.name}: ${v.type} ${fmtDims(v.dims)}`);
  lines.push('outputs');
  for (const v of s.outputs) lines.push(`  ${v.name}: ${v.type} ${fmtDims(v.dims)}`);
  lines.push(`nodes       ${s.nodeCount}`);
  const width = Math.max(0, ...Object.keys(s.opCounts).map((k) => k.length));
  for (const [op, n] of Object.entries(s.opCounts)) lines.push(`  ${op.padEnd(width)}  ${n}`);
  const meta = Object.entries(s.metadata);
  lines.push(`metadata    ${meta.length ? '' : '(none)'}`.trimEnd());
  const mw = Math.max(0, ...meta.map(([k]) => k.length));
  for (const [k, v] of meta) lines.push(`  ${k.padEnd(mw)}  ${v.length > 200 ? `${v.slice(0, 197)}...` : v}`);
  return lines.join('\n');
}
