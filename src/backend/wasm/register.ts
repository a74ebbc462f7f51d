/** Registers the kernels icmix adds to the wasm backend so it can train conv nets. */
export function registerWasmTrainingKernels(): void {
  // Filled in by the wasm kernels work (Conv2DBackpropFilter, depthwise backprops, faster kernels).
}
