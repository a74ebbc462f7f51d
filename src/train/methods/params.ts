/**
 * The hyperparameters of the training methods, declared once. TrainConfig carries them (alpha and
 * gamma optional: undefined = the preset's default); their ranges are in TRAIN_RULES, which the
 * compiler makes list every numeric field.
 */
export interface MethodParams {
  /** Beta(alpha, alpha) for the input-side mixing lambda. */
  alpha: number;
  /** Weight of the mixed term when a preset adds a clean-CE term (the RegMixup family). */
  gamma: number;
  /** Remix: class-count ratio threshold. */
  kappa: number;
  /** Remix: lambda threshold. */
  tau: number;
  /** One lambda per batch (the authors' code) or one per sample. */
  lambdaMode: 'batch' | 'sample';
}

/** The parameters a preset sets a default for; the others have one default for every method. */
export type PresetParams = Partial<Pick<MethodParams, 'alpha' | 'gamma'>>;

/** What a run's config gives: the preset-level ones may be left undefined. */
export type MethodOptions = PresetParams & Omit<MethodParams, keyof PresetParams>;

/** Defaults of the parameters no preset overrides. */
export const METHOD_PARAM_DEFAULTS: Omit<MethodParams, keyof PresetParams> = { kappa: 3, tau: 0.5, lambdaMode: 'batch' };

/** Used when neither the config nor the preset gives alpha or gamma (ce: recorded, never read). */
const FALLBACK: Required<PresetParams> = { alpha: 1, gamma: 1 };

/** The run's parameters: the config's, else the preset's default, else the fallback. */
export function resolveParams(options: MethodOptions, defaults: PresetParams): MethodParams {
  return {
    alpha: options.alpha ?? defaults.alpha ?? FALLBACK.alpha,
    gamma: options.gamma ?? defaults.gamma ?? FALLBACK.gamma,
    kappa: options.kappa,
    tau: options.tau,
    lambdaMode: options.lambdaMode,
  };
}
