// What this FDM supports, learnt from the device itself: it serves its own Swagger specification
// at GET /apispec/ngfw.json (FTDAnsible's httpapi plugin reads it there, with the session's token).
// FTD 6.3 (API v2) has no /ravpns and no /devicesettings/default/webuicertificates (both came with
// 6.4), and WebUICertificate.trustChain is not in every version's model, so each is looked up.
import type { Logger } from '../../core/log.js';
import type { FdmSession } from './session.js';

export interface FdmFeatures {
  ravpn: boolean;
  webui: boolean;
  /** undefined: the specification could not be read; then trustChain is sent only if the device's object has it. */
  webuiTrustChain?: boolean;
  /** Where the answer came from, for messages. */
  source: string;
}

interface SwaggerDoc {
  basePath?: string;
  paths?: Record<string, unknown>;
  definitions?: Record<string, { properties?: Record<string, unknown> }>;
}

const RAVPN = '/ravpns';
const WEBUI = '/devicesettings/default/webuicertificates';

/** Features from a specification document (pure, table-tested). */
export function featuresOfSpec(spec: SwaggerDoc): FdmFeatures {
  const paths = Object.keys(spec.paths ?? {});
  const has = (p: string) => paths.some((x) => x === p || x.startsWith(`${p}/`));
  return {
    ravpn: has(RAVPN),
    webui: has(WEBUI),
    webuiTrustChain: Boolean(spec.definitions?.WebUICertificate?.properties?.trustChain),
    source: `the device's API specification (${spec.basePath ?? 'unknown base'})`,
  };
}

/** Without a specification: 'latest' exists from 6.4 on, and vN with N >= 3 is 6.4 or later. */
export function featuresOfVersion(apiVersion: string): FdmFeatures {
  const n = apiVersion === 'latest' ? Infinity : Number(/^v(\d+)$/.exec(apiVersion)?.[1] ?? 0);
  return { ravpn: n >= 3, webui: n >= 3, source: `API version ${apiVersion}` };
}

export async function readFeatures(session: FdmSession, log: Logger): Promise<FdmFeatures> {
  try {
    const spec = await session.call<SwaggerDoc>('GET', 'apispec/ngfw.json', { root: true });
    if (spec && typeof spec === 'object' && spec.paths) return featuresOfSpec(spec);
  } catch (e) {
    log.debug(`${session.device}: no API specification at /apispec/ngfw.json (${(e as Error).message}); judging by the API version`);
  }
  return featuresOfVersion(session.apiVersion);
}

/** The FTD release a binding kind needs, when this device lacks it. */
export function unsupportedBinding(kind: string, f: FdmFeatures, apiVersion: string): string | undefined {
  if (kind === 'ravpn' && !f.ravpn) return `the RA VPN binding needs FTD 6.4 or later (this FDM's API ${apiVersion} has no /ravpns, per ${f.source})`;
  if (kind === 'webui' && !f.webui) return `the web UI binding needs FTD 6.4 or later (this FDM's API ${apiVersion} has no web UI certificate setting, per ${f.source})`;
  return undefined;
}
