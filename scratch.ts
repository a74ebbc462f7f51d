import { listAdapters } from './src/backend/webgpu/adapters.js';
const t0 = Date.now(); console.log(await listAdapters(), Date.now() - t0);
