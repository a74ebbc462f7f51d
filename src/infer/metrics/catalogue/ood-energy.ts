import { oodAuroc, oodFpr95 } from './ood.js';

/**
 * Energy (Liu et al., 2020): the free energy is E(x) = −T·logsumexp(z/T); the score is −E(x) =
 * T·logsumexp(z/T) at T = 1, so that higher = more in-distribution like the other scores.
 */
const ENERGY = 'energy score −E(x) = T·logsumexp(z/T), T = 1';

export const energyAuroc = oodAuroc('energyAuroc', 'energy', ENERGY, { views: ['compare', 'study'] });
export const energyFpr95 = oodFpr95('energyFpr95', 'energy', ENERGY, { views: ['compare', 'study'] });
