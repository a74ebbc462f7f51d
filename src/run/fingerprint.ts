import { createHash } from 'node:crypto';

/**
 * The fingerprint of a model's weights: sha256 (hex) over the saved weight data (weights.bin as
 * tfjs writes it). The manifest records it when the model is saved; every file made from the
 * weights (ONNX metadata `icmix.weights_sha256`, calibration.json, report.json) carries it, so a
 * file left from an earlier run in the same folder is recognised.
 */
export function weightsSha256(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** The first 12 hex digits, for messages. */
export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 12) : 'none';
}
