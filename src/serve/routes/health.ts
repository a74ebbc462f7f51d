import type { FastifyPluginAsync } from 'fastify';
import { errorResponses, healthSchema } from '../schemas.js';

export interface HealthRouteOptions {
  body: { status: 'ok'; model: string; runtime: string };
}

/** GET /healthz: answers while the server can take requests (no model call, so it stays fast under load). */
export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, o) => {
  app.get('/healthz', { schema: { summary: 'Liveness', response: { 200: healthSchema, ...errorResponses } } }, async () => o.body);
};
