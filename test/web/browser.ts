import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.ICMIX_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags that give a headless page a WebGPU adapter with no GPU: SwiftShader's Vulkan, through
 * ANGLE (Debian's Chromium 156; a GPU-less machine offers no other adapter).
 */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan,UnsafeWebGPU', '--use-angle=vulkan', '--use-webgpu-adapter=swiftshader'];

/** Headless Debian Chromium; a clear message when it is not installed. `webgpu`: with WEBGPU_FLAGS instead of --disable-gpu. */
export async function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the browser tests need Chromium at ${CHROMIUM} (Debian package 'chromium': apt-get install chromium; ` +
        `or set ICMIX_CHROMIUM to another Chromium binary)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', ...(opts.webgpu ? WEBGPU_FLAGS : ['--disable-gpu']), '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
