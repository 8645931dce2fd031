// Sectigo Certificate Manager (SCM) REST API emulator — SSL part (reference: sectigo-scm-api.md).
export { startScmEmulator } from './server.js';
export { defaultKnobs } from './knobs.js';
export { DEFAULT_CERT_TYPES, DEFAULT_ORG_IDS } from './tenant-defaults.js';
export { COLLECT_FORMATS, type CollectFormat } from './formats.js';
export type {
  EmulatorHandle,
  FaultSpec,
  ScmCertType,
  ScmCustomField,
  ScmEmulatorHandle,
  ScmEmulatorOptions,
  ScmKnobs,
  ScmUser,
} from './types.js';
