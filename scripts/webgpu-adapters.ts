/**
 * Prints the WebGPU adapters Dawn finds here, one a line; exits 1 when there are none.
 * scripts/setup.sh runs it (through tsx, before the build) to decide whether to install a Vulkan driver.
 */
import { listAdapters } from '../src/backend/webgpu/adapters.js';

const adapters = await listAdapters();
for (const a of adapters) console.log(`${a.index}: ${a.name} (${a.vendor}, ${a.backend}, ${a.software ? 'software' : 'hardware'})`);
process.exit(adapters.length ? 0 : 1);
