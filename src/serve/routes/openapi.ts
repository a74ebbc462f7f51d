import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../schemas.js';

/** GET /openapi.json: the OpenAPI document @fastify/swagger builds from every route's schemas. */
export const openapiRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/openapi.json',
    { schema: { summary: 'This document', response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses } } },
    async () => app.swagger(),
  );
};
