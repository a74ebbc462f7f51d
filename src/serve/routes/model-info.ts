import type { FastifyPluginAsync } from 'fastify';
import { errorResponses, modelDocSchema } from '../schemas.js';

export interface ModelInfoRouteOptions {
  doc: Record<string, unknown>;
}

/** GET /v1/model: the model's metadata (shape, classes, normalisation, temperature, threshold) and the serving limits. */
export const modelInfoRoutes: FastifyPluginAsync<ModelInfoRouteOptions> = async (app, o) => {
  app.get('/v1/model', { schema: { summary: 'The served model and the server settings', response: { 200: modelDocSchema, ...errorResponses } } }, async () => o.doc);
};
