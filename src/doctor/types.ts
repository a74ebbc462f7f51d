/** What `icmix doctor` reports: one row per capability, with a fix for each missing one. */
export interface DoctorCheck {
  /** 'system', 'training engine', 'onnxruntime', 'dataset', 'browser'. */
  group: string;
  /** What was checked: 'node', 'wasm', 'cuda', 'fashion-mnist', ... */
  name: string;
  ok: boolean;
  /** Version, threads, path or why it is missing. */
  detail: string;
  /** What to do to get it; present on every missing row. */
  fix?: string;
}

export interface DoctorReport {
  icmixVersion: string;
  /** `${process.platform} ${process.arch}`. */
  platform: string;
  checks: DoctorCheck[];
}

/** One probe of the registry: resolves with ok + detail, or throws (the error becomes the detail). */
export interface DoctorProbe {
  group: string;
  name: string;
  run(ctx: ProbeContext): Promise<{ ok: boolean; detail: string; fix?: string }>;
  /** The fix shown when `run` throws or returns ok: false without one. */
  fix: string;
}

export interface ProbeContext {
  /** A tiny ONNX model on disk (y = x + 1, x: [1, 2]) that runtime probes open a session on. */
  probeModel: string;
}
