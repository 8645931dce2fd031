// type=op: the operational commands a certificate connector uses (reference sections 3, 7, 8):
// request certificate generate, show jobs, check pending-changes, validate, commit/config locks,
// show system info, show high-availability state, show config running/candidate.
import { generateCertificate } from './certificate-ops.js';
import { assertWritable, type Device } from './device.js';
import { ApiError, Code, successResult, xmlResponse, type ApiResponse } from './envelope.js';
import { child, escapeText, leaf, el, serialize, textOf, type XNode } from './xml-tree.js';

/** "show.jobs.id": the tag chain while each level has exactly one child element. */
export function opPath(cmd: XNode): string {
  const tags = [cmd.tag];
  let cur = cmd;
  while (cur.children.length === 1 && cur.children[0]!.children.length > 0) {
    cur = cur.children[0]!;
    tags.push(cur.tag);
  }
  if (cur.children.length === 1) tags.push(cur.children[0]!.tag);
  return tags.join('.');
}

/**
 * An op command the firewall does not know: code 17 with one `<msg><line>` reading
 * `" show -> foo  is unexpected"` (leading space, two spaces before "is"): pan-python issue #24
 * (`op: error [code="17"]: "  is unexpected"`, msg/line) and ansible-pan issue #58
 * (`" set -> deviceconfig  is unexpected"`). Not code 1, although the table calls 1 "Unknown command".
 */
export function unknownCommand(path: string[]): ApiError {
  return new ApiError(Code.INVALID_COMMAND, [` ${path.join(' -> ')}  is unexpected`]);
}

function unknown(cmd: XNode, at: XNode | undefined): ApiError {
  return unknownCommand(at ? [cmd.tag, at.tag] : [cmd.tag]);
}

function systemInfo(d: Device): string {
  const i = d.info;
  const up = Math.floor((Date.now() - i.bootedAt.getTime()) / 1000);
  const uptime = `${Math.floor(up / 86400)} days, ${Math.floor((up % 86400) / 3600)}:${String(Math.floor((up % 3600) / 60)).padStart(2, '0')}:${String(up % 60).padStart(2, '0')}`;
  return serialize(
    el('system', {}, [
      leaf('hostname', i.hostname),
      leaf('ip-address', i.ipAddress),
      leaf('netmask', '255.255.255.0'),
      leaf('uptime', uptime),
      leaf('devicename', i.hostname),
      leaf('family', 'vm'),
      leaf('model', i.model),
      leaf('serial', i.serial),
      leaf('sw-version', i.swVersion),
      leaf('multi-vsys', 'off'),
      leaf('operational-mode', 'normal'),
    ]),
  );
}

/** Layout pan-os-python reads (result/enabled, result/group/local-info/state) *(the reference only
 * says passive peers refuse writes; this shape is not in it)*. */
function haStateXml(d: Device): string {
  const s = d.knobs.haState;
  if (s === 'standalone') return '<enabled>no</enabled>';
  const peer = s === 'active' ? 'passive' : 'active';
  return serialize(el('enabled', {}, [], 'yes')) +
    serialize(
      el('group', {}, [
        leaf('mode', 'Active-Passive'),
        el('local-info', {}, [leaf('state', s), leaf('priority', s === 'active' ? '100' : '110'), leaf('mgmt-ip', `${d.info.ipAddress}/32`)]),
        el('peer-info', {}, [leaf('state', peer), leaf('conn-status', 'up'), leaf('mgmt-ip', '127.0.0.2/32')]),
        leaf('running-sync', 'synchronized'),
        leaf('running-sync-enabled', 'yes'),
      ]),
    );
}

export async function runOp(d: Device, admin: string, cmd: XNode, vsys: string | undefined): Promise<ApiResponse> {
  const first = cmd.children[0];
  switch (cmd.tag) {
    case 'show': {
      if (first?.tag === 'jobs') {
        const id = textOf(first, 'id');
        if (id !== undefined) {
          const job = /^\d+$/.test(id) ? d.jobs.get(Number(id)) : undefined;
          // UNVERIFIED SHAPE: no source shows the answer for a job id the device does not have; status
          // error without a code and this text are inferred. Confirmed by: a capture of
          // `<show><jobs><id>999999</id></jobs></show>` from a real firewall.
          if (!job) throw new ApiError(undefined, [`job ${id} not found`]);
          return successResult(d.jobs.jobXml(job));
        }
        if (child(first, 'all') || child(first, 'processed') || child(first, 'pending')) {
          const want = child(first, 'processed') ? 'FIN' : child(first, 'pending') ? 'pending' : 'all';
          const jobs = d.jobs.all().filter((j) => want === 'all' || (want === 'FIN' ? j.status === 'FIN' : j.status !== 'FIN'));
          return successResult(jobs.map((j) => d.jobs.jobXml(j)).join(''));
        }
        throw unknown(cmd, first);
      }
      if (first?.tag === 'system' && child(first, 'info')) return successResult(systemInfo(d));
      if (first?.tag === 'high-availability' && (child(first, 'state') || child(first, 'all'))) return successResult(haStateXml(d));
      if (first?.tag === 'commit-locks') return successResult(d.jobs.locksXml('commit'));
      if (first?.tag === 'config-locks') return successResult(d.jobs.locksXml('config'));
      if (first?.tag === 'config' && (child(first, 'running') || child(first, 'candidate'))) {
        return successResult(serialize(child(first, 'running') ? d.store.running : d.store.candidate));
      }
      throw unknown(cmd, first);
    }
    case 'check':
      if (first?.tag === 'pending-changes') return successResult(d.store.hasPendingChanges() ? 'yes' : 'no');
      throw unknown(cmd, first);
    case 'validate': {
      if (!first || (first.tag !== 'full' && first.tag !== 'partial')) throw unknown(cmd, first);
      // puppetlabs-panos validates with op <validate><full/></validate>, which is a job too.
      const job = d.jobs.validate(admin);
      return xmlResponse(`<response status="success" code="19"><result>${d.jobs.enqueuedXml(job)}</result></response>`);
    }
    case 'request': {
      if (first?.tag === 'certificate' && child(first, 'generate')) {
        assertWritable(d, admin);
        return generateCertificate({ store: d.store, vault: d.vault, knobs: d.knobs, admin }, child(first, 'generate')!, vsys);
      }
      if (first?.tag === 'commit-lock' || first?.tag === 'config-lock') {
        const kind = first.tag === 'commit-lock' ? 'commit' : 'config';
        const add = child(first, 'add');
        const remove = child(first, 'remove');
        if (add) return successResult(escapeText(d.jobs.addLock(kind, admin, textOf(add, 'comment') ?? '')));
        if (remove) return successResult(escapeText(d.jobs.removeLock(kind, admin, textOf(remove, 'admin'))));
      }
      throw unknown(cmd, first);
    }
    default:
      throw unknown(cmd, undefined);
  }
}
