import type { FastifyPluginAsync } from 'fastify';
import { PROMETHEUS_CONTENT_TYPE, type ServeMetrics } from '../metrics.js';
import { errorResponses } from '../schemas.js';

export interface MetricsRouteOptions {
  metrics: ServeMetrics;
}

/** GET /metrics: Prometheus text exposition of the server's counters, gauges and histograms. */
export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, o) => {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        response: { 200: { description: 'text exposition format 0.0.4', content: { [PROMETHEUS_CONTENT_TYPE]: { schema: { type: 'string' } } } }, ...errorResponses },
      },
    },
    async (_req, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(o.metrics.registry.render()),
  );
};
