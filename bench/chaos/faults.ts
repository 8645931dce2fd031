// Random fault knobs for the lab emulators: 5xx answers, connection resets, answers lost after the
// CA acted, expiring tokens/keys, failing commits and deploys, and orders left pending at the CA.
import type { Lab, LabDevice } from '../../src/lab/fleet.js';
import type { Prng } from './prng.js';

export interface ArmedFaults {
  /** Human-readable list of what was armed, for the log of a failing seed. */
  labels: string[];
  /** The same faults without device names ("fdm token expires", "scm renewById dropAnswer"), for the figures. */
  kinds: string[];
  /** Puts every knob back to a fault-free lab. */
  clear(): void;
}

type Arm = (rng: Prng, lab: Lab, d: LabDevice | undefined, labels: string[], undo: (() => void)[]) => void;

const scmFault = (op: string): Arm => (rng, lab, _d, labels, undo) => {
  const kind = rng.pick(['status500', 'reset', 'dropAnswer'] as const);
  const spec = kind === 'status500' ? { status: 500, code: -2, count: 1 } : kind === 'reset' ? { reset: true, count: 1 } : { dropAnswer: true, count: 1 };
  lab.scm.setKnobs({ failNext: { [op]: spec } });
  labels.push(`scm ${op} ${kind}`);
  undo.push(() => lab.scm.setKnobs({ failNext: { [op]: null } }));
};

const SCM: Arm[] = [
  scmFault('enroll'),
  scmFault('renewById'),
  (rng, lab, _d, labels, undo) => {
    lab.scm.setKnobs({ failNext: { collect: { status: 503, code: -195, count: rng.int(1, 3) } } });
    labels.push('scm collect 503');
    undo.push(() => lab.scm.setKnobs({ failNext: { collect: null } }));
  },
  (rng, lab, _d, labels, undo) => {
    const polls = rng.int(1, 4);
    lab.scm.setKnobs({ pendingPolls: polls });
    labels.push(`scm pending ${polls} polls`);
    undo.push(() => lab.scm.setKnobs({ pendingPolls: 0 }));
  },
];

const FDM: Arm[] = [
  (_rng, _lab, d, labels, undo) => {
    d!.handle.setKnobs({ failNextDeploy: true });
    labels.push(`${d!.name} deploy fails`);
    undo.push(() => d!.handle.setKnobs({ failNextDeploy: false }));
  },
  (rng, _lab, d, labels, undo) => {
    const n = rng.int(2, 12);
    d!.handle.setKnobs({ expireAfterCalls: n });
    labels.push(`${d!.name} token expires after ${n} calls`);
    undo.push(() => d!.handle.setKnobs({ expireAfterCalls: null }));
  },
  (rng, _lab, d, labels, undo) => {
    // "<METHOD> <path below /api/fdm/<ver>>" (src/lab/fdm/device.ts takeFault).
    const op = rng.pick(['POST /object/internalcertificates', 'PUT /ravpns', 'POST /operational/deploy', 'PUT /policy/sslpolicies', 'GET /object/internalcertificates']);
    const status = rng.pick([500, 503, 'reset'] as const);
    d!.handle.setKnobs({ failNext: { [op]: { status, count: rng.int(1, 2) } } });
    labels.push(`${d!.name} ${op} ${status}`);
    undo.push(() => d!.handle.setKnobs({ failNext: { [op]: null } }));
  },
];

const PANOS: Arm[] = [
  (_rng, _lab, d, labels, undo) => {
    d!.handle.setKnobs({ failNextCommit: true });
    labels.push(`${d!.name} commit fails`);
    undo.push(() => d!.handle.setKnobs({ failNextCommit: false }));
  },
  (_rng, _lab, d, labels, undo) => {
    d!.handle.setKnobs({ keyExpired: true });
    labels.push(`${d!.name} API key expired`);
    undo.push(() => d!.handle.setKnobs({ keyExpired: false }));
  },
  (rng, _lab, d, labels, undo) => {
    const key = rng.pick(['import', 'export', 'config', 'op', 'commit']);
    const spec = rng.chance(0.5) ? { status: 503, count: rng.int(1, 2) } : { reset: true, count: 1 };
    d!.handle.setKnobs({ failNext: { [key]: spec } });
    labels.push(`${d!.name} ${key} ${'reset' in spec ? 'reset' : 503}`);
    undo.push(() => d!.handle.setKnobs({ failNext: { [key]: undefined } }));
  },
];

/** "ftd-1 token expires after 4 calls" -> "fdm token expires after N calls": a label without its device and counts. */
function kindOf(label: string, lab: Lab): string {
  const d = lab.devices.find((x) => label.startsWith(`${x.name} `));
  const prefix = d ? (d.type === 'cisco-fdm' ? 'fdm' : 'panos') : '';
  return `${prefix}${d ? label.slice(d.name.length) : label}`.replace(/\b\d+ (calls|polls)\b/, 'N $1');
}

/** Arms 1..3 random faults somewhere in the lab. */
export function armFaults(rng: Prng, lab: Lab): ArmedFaults {
  const labels: string[] = [];
  const undo: (() => void)[] = [];
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    const where = rng.int(0, lab.devices.length);
    if (where === lab.devices.length) rng.pick(SCM)(rng, lab, undefined, labels, undo);
    else {
      const d = lab.devices[where]!;
      rng.pick(d.type === 'cisco-fdm' ? FDM : PANOS)(rng, lab, d, labels, undo);
    }
  }
  return { labels, kinds: labels.map((l) => kindOf(l, lab)), clear: () => undo.forEach((u) => u()) };
}
