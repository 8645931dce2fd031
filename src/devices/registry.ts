// Every device type and manager type fwcert can drive, each loaded when a configuration uses it.
// Adding a driver = one line here.
import { TypeRegistry } from '../core/type-registry.js';
import type { ManagerType } from './manager.js';
import type { TargetType } from './target.js';

export const targetTypes = new TypeRegistry<TargetType>({
  'cisco-fdm': async () => (await import('./fdm/index.js')).fdmTargetType as TargetType,
  paloalto: async () => (await import('./panos/index.js')).panosTargetType as TargetType,
  'cisco-fmc-ftd': async () => (await import('./fmc/index.js')).fmcFtdTargetType as TargetType,
  'panorama-template': async () => (await import('./panos/panorama.js')).panoramaTemplateTargetType as TargetType,
});

/** Central managers (FMC, Panorama) whose devices are of a `managed` target type. */
export const managerTypes = new TypeRegistry<ManagerType>({
  'cisco-fmc': async () => (await import('./fmc/index.js')).fmcManagerType as ManagerType,
  panorama: async () => (await import('./panos/panorama.js')).panoramaManagerType as ManagerType,
});
