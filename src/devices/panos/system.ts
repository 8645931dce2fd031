// What open() learns about the device: model and PAN-OS version (`show system info`) and its HA role
// (`show high-availability state`). Writes and commits belong on the active unit; a passive unit
// refuses them (code 15), so fwcert stops before changing anything there.
import { child, textOf } from './xml.js';

export interface SystemInfo {
  model?: string;
  version?: string;
  hostname?: string;
  /** pan-chainguard's test: model "Panorama" or an M-series appliance. */
  isPanorama: boolean;
}

export function parseSystemInfo(result: unknown): SystemInfo {
  const sys = child(result, 'system') ?? result;
  const model = textOf(child(sys, 'model'))?.trim();
  return {
    model,
    version: textOf(child(sys, 'sw-version'))?.trim(),
    hostname: textOf(child(sys, 'hostname'))?.trim(),
    isPanorama: model !== undefined && (/^panorama$/i.test(model) || /^M-\d/i.test(model)),
  };
}

export interface HaState {
  enabled: boolean;
  /** Local unit state: active, passive, active-primary, active-secondary, suspended, non-functional, initial, tentative. */
  state?: string;
}

export function parseHaState(result: unknown): HaState {
  const enabledText = textOf(child(result, 'enabled'))?.trim().toLowerCase();
  const state = (textOf(child(result, 'group', 'local-info', 'state')) ?? textOf(child(result, 'local-info', 'state')))?.trim().toLowerCase();
  const enabled = enabledText === 'yes' || (enabledText === undefined && state !== undefined);
  return { enabled, state: enabled ? state : undefined };
}

/** active, active-primary and active-secondary (active/active) take configuration; nothing else does. */
export function haRole(ha: HaState): 'active' | 'standby' | 'standalone' {
  if (!ha.enabled) return 'standalone';
  return ha.state?.startsWith('active') ? 'active' : 'standby';
}
