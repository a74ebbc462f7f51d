import type { FastifyPluginAsync } from 'fastify';
import type { DynamicBatcher } from '../batcher.js';
import { IMAGE_MIME_TYPES } from '../../image/index.js';
import { decodeImage } from '../decode.js';
import { withDeadline } from '../body-deadline.js';
import { BadInput } from '../errors.js';
import { parseJsonInputs } from '../inputs.js';
import type { ServeMetrics } from '../metrics.js';
import type { ServeModelInfo } from '../model.js';
import { toPredictions, type PredictResponse } from '../../infer/predictions.js';
import { binaryBodySchema, errorResponses, predictErrorResponses, predictJsonBodySchema, predictQuerySchema, predictResponseSchema } from '../schemas.js';

export interface PredictRouteOptions {
  info: ServeModelInfo;
  metrics: ServeMetrics;
  batcher: DynamicBatcher;
  limits: { maxItems: number; topK: number; maxImagePixels: number; bodyTimeoutMs: number };
  /** Told when a request has arrived and when it no longer can join a batch (queued, failed or gone). */
  arrivals: { add(req: object, whenGone: (listener: () => void) => void): void; settle(req: object): void };
}

export const PREDICT_URL = '/v1/predict';

/** POST /v1/predict: an image (PNG, JPEG, WebP, GIF, TIFF, AVIF) or JSON pixel arrays in, calibrated predictions out, through the batcher. */
export const predictRoutes: FastifyPluginAsync<PredictRouteOptions> = async (app, o) => {
  const { info, metrics, batcher, limits, arrivals } = o;
  const [h, w, c] = info.inputShape;
  const shapeHint = `one image [${h}][${w}][${c}] or flat [${h * w * c}], or a batch of them`;

  app.post(
    PREDICT_URL,
    {
      schema: {
        summary: 'Classify images',
        description: `Send one image (${Object.keys(IMAGE_MIME_TYPES).join(', ')}; any size, resized to ${w}x${h}; EXIF orientation applied), or JSON { "inputs": ... } with pixel values in [0, 1]. Images declaring more than ${limits.maxImagePixels} pixels get 413 before decoding.`,
        querystring: predictQuerySchema,
        body: {
          content: {
            'application/json': { schema: predictJsonBodySchema },
            ...Object.fromEntries(Object.keys(IMAGE_MIME_TYPES).map((t) => [t, { schema: binaryBodySchema }])),
          },
        },
        response: { 200: predictResponseSchema, ...predictErrorResponses, ...errorResponses },
      },
      // A body that misses the outline gets the message inputs.ts would give, with its code.
      config: { bodyError: { code: 'missing_inputs', hint: `the JSON body must be an object with an "inputs" field holding pixel arrays: ${shapeHint}` } },
      onRequest: async (req, reply) => {
        arrivals.add(req, (listener) => reply.raw.once('close', listener));
      },
      preParsing: async (_req, reply, payload) => {
        const body = withDeadline(payload, limits.bodyTimeoutMs, () =>
          new BadInput(408, 'body_timeout', `the request body did not arrive within ${limits.bodyTimeoutMs} ms; send it faster (or start the server with a larger --body-timeout-ms)`),
        );
        const stop = () => body.destroy();
        reply.raw.once('finish', stop);
        reply.raw.once('close', stop);
        return body;
      },
    },
    async (req): Promise<PredictResponse> => {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() as keyof typeof IMAGE_MIME_TYPES;
      let images: Float32Array;
      let n: number;
      if (type in IMAGE_MIME_TYPES) {
        // The header is checked against the limit and the model's size before any pixel is allocated.
        images = await decodeImage(req.body as Buffer, IMAGE_MIME_TYPES[type], info.inputShape, limits.maxImagePixels);
        n = 1;
      } else {
        ({ images, n } = parseJsonInputs(req.body, info.inputShape, limits.maxItems));
      }
      const topK = (req.query as { top_k?: number }).top_k ?? limits.topK;
      const submitted = batcher.submit(images, n);
      arrivals.settle(req);
      const probs = await submitted;
      const res = toPredictions(probs, n, info, topK);
      metrics.images.inc({}, n);
      metrics.ood.inc({}, res.predictions.filter((p) => p.ood).length);
      return res;
    },
  );
};
