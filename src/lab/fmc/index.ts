// Public surface of the FMC emulator.
export { startFmcEmulator, type FmcHandle } from './emulator.js';
export { defaultKnobs } from './knobs.js';
export type { FmcKnobs, FmcVersion, StartFmcOptions } from './types.js';
