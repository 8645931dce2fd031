// Every device type and manager type fwcert can drive. Adding a driver = one line here.
import type { ManagerType } from './manager.js';
import type { TargetType } from './target.js';
import { fdmTargetType } from './fdm/index.js';
import { fmcFtdTargetType, fmcManagerType } from './fmc/index.js';
import { panosTargetType } from './panos/index.js';
import { panoramaManagerType, panoramaTemplateTargetType } from './panos/panorama.js';

export const targetTypes: ReadonlyMap<string, TargetType> = new Map(
  [fdmTargetType as TargetType, panosTargetType as TargetType, fmcFtdTargetType as TargetType, panoramaTemplateTargetType as TargetType].map((t) => [t.type, t]),
);

/** Central managers (FMC, Panorama) whose devices are of a `managed` target type. */
export const managerTypes: ReadonlyMap<string, ManagerType> = new Map(([fmcManagerType, panoramaManagerType] as ManagerType[]).map((t) => [t.type, t]));
