// Every device type fwcert can drive. Adding a driver = one line here.
import type { TargetType } from './target.js';
import { fdmTargetType } from './fdm/index.js';
import { panosTargetType } from './panos/index.js';

export const targetTypes: ReadonlyMap<string, TargetType> = new Map(
  [fdmTargetType as TargetType, panosTargetType as TargetType].map((t) => [t.type, t]),
);
