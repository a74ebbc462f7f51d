import type { GraphBuilder, Initializer } from './graph.js';

/**
 * Fold inference BatchNormalization into the Conv or Gemm that feeds it:
 *   bn(W x + b) = (s W) x + (b - mean) s + beta,   s = gamma / sqrt(var + eps)
 * per output channel. Only where the conv's output goes nowhere else and its weights belong to
 * it alone (a shared tfjs layer keeps its BN). Returns the number of BN nodes removed.
 */
export function foldBatchNorm(b: GraphBuilder, graphOutputs: Set<string>): number {
  let folded = 0;
  for (const bn of [...b.nodes]) {
    if (bn.op !== 'BatchNormalization') continue;
    const x = bn.inputs[0];
    const p = b.producer(x);
    if (!p || (p.op !== 'Conv' && p.op !== 'Gemm')) continue;
    if (graphOutputs.has(x) || b.consumers(x).length !== 1) continue;
    if (p.op === 'Gemm' && Object.keys(p.attrs).length > 0) continue; // transposed or scaled Gemm: leave it
    const [gamma, beta, mean, variance] = bn.inputs.slice(1).map((n) => floats(b, n));
    const w = floats(b, p.inputs[1]);
    if (!gamma || !beta || !mean || !variance || !w || b.consumers(p.inputs[1]).length !== 1) continue;
    const biasName = p.inputs[2];
    const bias = biasName ? floats(b, biasName) : undefined;
    if (biasName && (!bias || b.consumers(biasName).length !== 1)) continue;

    const eps = 'float' in (bn.attrs.epsilon ?? {}) ? (bn.attrs.epsilon as { float: number }).float : 1e-5;
    const channels = gamma.data.length;
    const s = new Float64Array(channels);
    for (let c = 0; c < channels; c++) s[c] = gamma.data[c] / Math.sqrt(variance.data[c] + eps);

    // Conv W: [out, in/group, k...] (channel = leading index); Gemm W: [in, out] (channel = column).
    const wd = new Float32Array(w.data.length);
    if (p.op === 'Conv') {
      const per = w.data.length / channels;
      for (let i = 0; i < wd.length; i++) wd[i] = w.data[i] * s[Math.floor(i / per)];
    } else {
      for (let i = 0; i < wd.length; i++) wd[i] = w.data[i] * s[i % channels];
    }
    const bd = new Float32Array(channels);
    for (let c = 0; c < channels; c++) bd[c] = ((bias ? bias.data[c] : 0) - mean.data[c]) * s[c] + beta.data[c];

    w.data = wd;
    if (bias) bias.data = bd;
    else p.inputs.push(b.floatTensor(`${p.outputs[0]}/folded_bias`, bd, [channels]));
    p.outputs[0] = bn.outputs[0];
    b.nodes.splice(b.nodes.indexOf(bn), 1);
    folded++;
  }
  return folded;
}

function floats(b: GraphBuilder, name: string): (Initializer & { data: Float32Array }) | undefined {
  const t = b.initializers.get(name);
  return t && t.data instanceof Float32Array ? (t as Initializer & { data: Float32Array }) : undefined;
}
