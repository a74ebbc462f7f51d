/**
 * JSON schemas of what the server answers and accepts. Routes declare them (fastify validates
 * requests and serialises responses with them) and /openapi.json is generated from them, so the
 * document and the behaviour cannot drift apart.
 */

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;

/** The body of every error response: { error: { code, message } }. */
export const errorSchema = {
  $id: 'icmix-error',
  type: 'object',
  description: 'An error: a short machine-readable code and a message that says what to fix.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { ...str, description: 'e.g. not_an_image, wrong_size, image_too_large, body_timeout' }, message: str },
    },
  },
} as const;

/** The errors POST /v1/predict gives besides the generic ones, by status. */
export const predictErrorResponses = {
  400: { $ref: 'icmix-error#', description: 'Not an image (or pixels that do not match its header), or a wrong shape or value (not_an_image, wrong_size, wrong_shape, bad_value, malformed_json, missing_inputs, bad_top_k, layout_required, bad_layout). Images of any size are resized; only JSON arrays must have the model\'s shape.' },
  408: { $ref: 'icmix-error#', description: 'The body did not arrive within --body-timeout-ms (body_timeout).' },
  413: { $ref: 'icmix-error#', description: 'Too large: the body (body_too_large), the number of images (too_many_items), or the pixels an image header declares (image_too_large, refused before decoding).' },
  415: { $ref: 'icmix-error#', description: 'Not image/png, image/jpeg or application/json (unsupported_media_type).' },
} as const;

/** The error responses every route can give (framework errors, not found, shutting down). */
export const errorResponses = {
  '4xx': { $ref: 'icmix-error#', description: 'The request was wrong; the message says how.' },
  '5xx': { $ref: 'icmix-error#', description: 'The server failed.' },
} as const;

const oodThreshold = {
  type: 'object',
  required: ['score', 'threshold'],
  properties: { score: { ...str, description: "the OOD score, 'msp' (max softmax probability)" }, threshold: num, tpr: num },
} as const;

export const healthSchema = {
  type: 'object',
  description: 'The server is up and its model is loaded.',
  required: ['status', 'model', 'runtime'],
  properties: { status: { type: 'string', enum: ['ok'] }, model: { ...str, description: 'file name of the served model' }, runtime: str },
} as const;

export const modelDocSchema = {
  type: 'object',
  description: 'What the served model takes and returns, and how this server is configured.',
  required: ['file', 'runtime', 'inputShape', 'inputLayout', 'numClasses', 'classNames', 'output', 'temperature', 'oodThreshold', 'metadata', 'resize', 'serving'],
  // Other fields are kept (and documented by their presence), not silently dropped by the serialiser.
  additionalProperties: true,
  properties: {
    file: str,
    runtime: str,
    runtimeNote: { type: ['string', 'null'] },
    inputShape: { type: 'array', items: int, minItems: 3, maxItems: 3, description: '[height, width, channels] of one image' },
    inputLayout: { type: 'string', enum: ['NHWC', 'NCHW'] },
    numClasses: int,
    classNames: { type: 'array', items: str },
    normalization: {
      type: ['object', 'null'],
      required: ['mean', 'std'],
      properties: { mean: { type: 'array', items: num }, std: { type: 'array', items: num } },
    },
    normalizationBaked: { type: 'boolean' },
    inputScale: { ...num, description: 'pixels in [0, 1] are multiplied by this before normalisation (255 for models that take 0-255)' },
    output: { type: 'string', enum: ['logits', 'probabilities'] },
    temperature: num,
    oodThreshold: { ...oodThreshold, type: ['object', 'null'] },
    metadata: { type: 'object', additionalProperties: str, description: 'the ONNX metadata_props as stored' },
    decoder: {
      type: 'object',
      description: 'Which decoder reads image bodies and by what rules.',
      required: ['library', 'orientation', 'colour', 'frames'],
      properties: { library: str, orientation: str, colour: str, frames: str },
    },
    resize: {
      type: 'object',
      description: 'How an image body of another size than the model\'s is resized (the web page uses the same module, so both give the same tensor).',
      required: ['algorithm', 'module', 'to'],
      properties: {
        algorithm: str,
        module: { type: ['string', 'null'], description: 'URL of the ES module with the resize, served by this server (null with the web page off)' },
        to: { type: 'object', required: ['height', 'width'], properties: { height: int, width: int }, description: 'the model\'s input size' },
      },
    },
    jsonLayout: {
      type: 'object',
      description: 'The order of JSON pixel arrays ("layout" in the body), separate from the graph\'s inputLayout: the server transposes to it.',
      required: ['default', 'accepts', 'rule'],
      properties: { default: { type: 'string', enum: ['NHWC', 'NCHW'] }, accepts: { type: 'array', items: str }, rule: str },
    },
    serving: {
      type: 'object',
      additionalProperties: true,
      required: ['maxBatch', 'maxWaitMs', 'maxBody', 'maxItems', 'topK', 'accepts'],
      properties: {
        maxBatch: int,
        maxWaitMs: num,
        maxBody: int,
        maxItems: int,
        maxImagePixels: int,
        topK: int,
        accepts: { type: 'array', items: str },
      },
    },
    report: { type: ['string', 'null'] },
    modelUrl: str,
  },
} as const;

/** POST /v1/predict's JSON body. Only its outline is checked here; inputs.ts checks every pixel. */
export const predictJsonBodySchema = {
  type: 'object',
  required: ['inputs'],
  properties: {
    inputs: {
      type: 'array',
      minItems: 1,
      description:
        'pixel values in [0, 1]: one image [H][W][C] or [C][H][W] (or [H][W] for one channel) or flat [H*W*C]; a batch [N][H][W][C], [N][C][H][W] or [N][H*W*C]. ' +
        'A nested array is read in the layout its shape fits; a flat array of a multi-channel model, or a shape that fits both, needs "layout" (400 layout_required)',
    },
    layout: {
      type: 'string',
      enum: ['NHWC', 'NCHW'],
      description: 'the order of the pixel arrays: NHWC (channels last: Keras, image files) or NCHW (channels first: a PyTorch tensor). Default: read off a nested array\'s shape where only one fits',
    },
  },
} as const;

export const binaryBodySchema = { type: 'string', format: 'binary', description: 'the file bytes; checked by the image header guard and the decoder' } as const;

export const predictQuerySchema = {
  type: 'object',
  properties: { top_k: { type: 'integer', minimum: 1, description: 'classes listed per prediction (default: the server\'s --top-k)' } },
} as const;

export const predictResponseSchema = {
  type: 'object',
  description: 'One prediction per image, in request order, and the OOD rule applied (null without one).',
  required: ['predictions', 'ood'],
  properties: {
    predictions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['label', 'index', 'confidence', 'ood', 'top', 'probabilities'],
        properties: {
          label: str,
          index: int,
          confidence: { ...num, description: 'max softmax probability after the model\'s temperature' },
          ood: { type: ['boolean', 'null'], description: 'confidence below the model\'s OOD threshold; null without one' },
          top: {
            type: 'array',
            items: { type: 'object', required: ['index', 'label', 'probability'], properties: { index: int, label: str, probability: num } },
          },
          probabilities: { type: 'array', items: num },
        },
      },
    },
    ood: { ...oodThreshold, type: ['object', 'null'] },
    note: str,
  },
} as const;
