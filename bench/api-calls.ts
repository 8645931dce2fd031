// The API-call measure: calls per certificate BEYOND the per-device login, inventory and
// commit. Classified here, by request path, from the lab's own per-request counters
// (`requestsByPath` in each emulator's /__lab/state), never from what fwcert says it did:
//   per device: login / token refresh / logout, system info and HA state, the FIRST read of each
//     collection (an FDM list page without a filter; a PAN-OS config read of an xpath that is not one
//     `entry[@name=...]`), the commit/deploy request and the deploy list / pending-changes /
//     deployment-error reads around it;
//   job polls: counted apart (they depend on how long the commit takes, not on the certificates);
//   everything else is per certificate: writes, single-object reads, exports, on-device key
//     generation, imports, and any SECOND read of a collection (a re-list or a verification read).

export type Counts = Record<string, number>;

export interface DeviceCalls {
  device: number;
  poll: number;
  beyond: number;
}

/** FDM key: "METHOD /path-below-/api/fdm/<ver>?query". */
function classifyFdm(key: string): 'device' | 'poll' | 'collection' | 'beyond' {
  const [method = '', rest = ''] = key.split(' ', 2);
  const [path = '', query = ''] = rest.split('?', 2);
  if (method === 'GET' && /^\/operational\/deploy\/[^/]+$/.test(path)) return 'poll';
  if (path === '/fdm/token' || path === '/api/versions' || path === '/apispec/ngfw.json') return 'device';
  if (path === '/operational/systeminfo/default' || path === '/devices/default/operational/ha/status/default') return 'device';
  if (path === '/operational/deploy' || path === '/operational/pendingchanges' || path.startsWith('/operational/deploymenterrors/')) return 'device';
  const collection = /^\/(object\/[a-z]+|devicesettings\/default\/webuicertificates|policy\/sslpolicies|ravpns)$/.test(path);
  if (method === 'GET' && collection && !/(^|&)filter=/.test(query)) return 'collection';
  return 'beyond';
}

/** PAN-OS key: "type sub-operation xpath" (sub: config action, import/export category, op path). */
function classifyPanos(key: string): 'device' | 'poll' | 'collection' | 'beyond' {
  const [type = '', sub = '', ...x] = key.split(' ');
  const xpath = x.join(' ');
  if (type === 'op' && sub === 'show.jobs.id') return 'poll';
  if (type === 'keygen' || type === 'commit' || type === 'version') return 'device';
  if (type === 'op' && (sub === 'show.system.info' || sub === 'show.high-availability.state')) return 'device';
  if (type === 'config' && (sub === 'get' || sub === 'show') && !/\/entry\[@name=[^\]]*\]$/.test(xpath)) return 'collection';
  return 'beyond';
}

/** Splits one device's request counts (after minus before) into per-device, job-poll and per-certificate calls. */
export function splitCalls(type: string, counts: Counts): DeviceCalls {
  const classify = type === 'cisco-fdm' ? classifyFdm : classifyPanos;
  const out: DeviceCalls = { device: 0, poll: 0, beyond: 0 };
  for (const [key, n] of Object.entries(counts)) {
    if (n <= 0) continue;
    const kind = classify(key);
    if (kind === 'collection') {
      // The first read of a collection is the inventory; every further read of it is a re-read.
      out.device += 1;
      out.beyond += n - 1;
    } else out[kind] += n;
  }
  return out;
}
