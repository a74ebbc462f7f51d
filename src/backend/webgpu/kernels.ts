/** icmix's kernels for tfjs-backend-webgpu (none yet). */
export function installWebgpuKernels(): void {}
