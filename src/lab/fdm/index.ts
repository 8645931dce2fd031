// Public surface of the FDM emulator.
export { startFdmEmulator } from './emulator.js';
export { defaultKnobs } from './knobs.js';
export type { EmulatorHandle, FaultSpec, FdmKnobs, HaMode, StartFdmOptions } from './types.js';
