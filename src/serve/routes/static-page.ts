import * as path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { packageRoot } from '../../version.js';
import { ortWebDist, serveFile, serveFolder } from '../static.js';

export interface StaticPageRouteOptions {
  /** The .onnx file the page downloads and runs in the browser. */
  model: string;
  /** report.json whose reliability diagram the page shows, if any. */
  report: string | null;
}

/** The web demo page at /, its scripts, onnxruntime-web's bundles, the model and its report. */
export const staticPageRoutes: FastifyPluginAsync<StaticPageRouteOptions> = async (app, o) => {
  const root = packageRoot();
  serveFile(app, '/', path.join(root, 'web', 'index.html'), 'The web demo page');
  serveFolder(app, '/web/', path.join(root, 'web'), ['.html', '.js', '.mjs', '.css', '.svg', '.png']);
  serveFolder(app, '/ort/', ortWebDist(), ['.mjs', '.js', '.wasm']);
  serveFile(app, '/model.onnx', o.model, 'The served ONNX model');
  if (o.report) serveFile(app, '/report.json', o.report, 'The evaluation report the page shows');
};
