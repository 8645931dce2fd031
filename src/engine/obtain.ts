// Getting a signed certificate for one plan item: key + CSR (locally or on the device), submit to
// the CA, record the order BEFORE waiting, collect until issued or until this run's wait is over.
import { randomUUID } from 'node:crypto';
import type { CaRef, IssueProfile, Issuer } from '../ca/issuer.js';
import type { Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { CaError, DeviceError } from '../core/errors.js';
import type { Target } from '../devices/target.js';
import type { Ledger, PendingOrder } from '../ledger/ledger.js';
import {
  createCsr, generateKeyPair, keyMatchesCertificate, orderChain, parseCertificate, publicKeyOfCsrMatchesCertificate,
} from '../pki/index.js';
import type { CertInfo, CsrSpec } from '../pki/types.js';
import type { Limit } from '../core/limit.js';
import { needHash, type PlanItem } from './plan.js';
import { sleep } from './pool.js';

export type Obtained =
  | { state: 'issued'; objectName: string; caRef: CaRef; leafPem: string; chainPem: string[]; keyPem?: string; info: CertInfo }
  | { state: 'pending'; objectName: string; caRef: CaRef; detail?: string };

export interface ObtainDeps {
  issuer: Issuer;
  target: Target;
  ledger: Ledger;
  log: Logger;
  /** A fresh object name for this item (already validated against the device's rules). */
  objectName: string;
  profile: Profile;
  /** The CA's orders in flight (shared by every device of the run): held from submit to the end of collect. */
  inFlight?: Limit;
  /** The device's calls one at a time (on-device key generation shares the device with installs). */
  deviceLock?: Limit;
  /** A local key started early (while the inventory was read), when the plan uses one. */
  localKey?: Promise<string>;
}

const unlimited = { run: <T>(fn: () => Promise<T>) => fn() };

const DEFAULT_COLLECT_WAIT_MS = 120_000;

export function issueProfile(p: Profile): IssueProfile {
  return { name: p.name, subject: p.subject, sans: p.names, key: p.key, validation: p.validation, caOptions: p.caOptions };
}

export function keyOnDevice(p: Profile, target: Target): boolean {
  if (p.keyGeneration === 'device') {
    if (!target.capabilities.onDeviceKeygen || !target.generateCsr) {
      throw new DeviceError(`${target.name} cannot generate keys on the device; set key.generate to local or auto in profile ${p.name}`);
    }
    return true;
  }
  return p.keyGeneration === 'auto' && target.capabilities.onDeviceKeygen && !!target.generateCsr;
}

/** Sends a request whose order is already recorded. Only a definite refusal forgets the order: any
 *  other failure may hide an order the CA did make, which the next run then looks up. */
async function submitRecorded(deps: ObtainDeps, order: PendingOrder, req: Parameters<Issuer['submit']>[0]): Promise<CaRef> {
  try {
    return await deps.issuer.submit(req);
  } catch (e) {
    if (e instanceof CaError && !e.retryable) deps.ledger.clearOrder(order.profile, order.device);
    throw e;
  }
}

/** The CA order a recorded request renews (kept in the order as `renews`), from the ledger's records. */
function renewedRef(order: PendingOrder, ledger: Ledger): CaRef | undefined {
  const id = order.caRef.extra?.renews;
  if (!id) return undefined;
  const rec = ledger.current(order.profile, order.device);
  return rec?.caRef && rec.caRef.id === id && rec.caRef.ca === order.ca ? rec.caRef : { ca: order.ca, id };
}

/** An earlier run sent a request but never got the answer: find the order it made, or send it again. */
async function recoverLostRequest(order: PendingOrder, deps: ObtainDeps): Promise<CaRef> {
  const { issuer, ledger, log } = deps;
  const requestId = order.caRef.extra?.requestId ?? randomUUID();
  const profile = deps.profile;
  const previous = renewedRef(order, ledger);
  const lost = { previous, csrPem: order.csrPem, sentAt: new Date(order.createdAt), knownIds: ledger.caIds(order.ca) };
  const found = issuer.find ? await issuer.find(requestId, issueProfile(profile), lost) : undefined;
  let ref: CaRef;
  if (found) {
    ref = found;
    log.info({ caId: ref.id }, `the earlier request reached ${issuer.name}: order ${ref.id}`);
  } else {
    log.info(`the earlier request did not reach ${issuer.name} (or it cannot tell); sending the same CSR again`);
    const spec: CsrSpec = { subject: profile.subject, sans: profile.names, key: profile.key };
    ref = await submitRecorded(deps, order, { csrPem: order.csrPem, csr: spec, profile: issueProfile(profile), previous, requestId });
  }
  ledger.saveOrder({ ...order, caRef: ref });
  ledger.event('submitted', `${issuer.name} order ${ref.id}${found ? ' (found after a lost answer)' : ' (sent again)'}`, order.profile, order.device);
  return ref;
}

export async function obtain(item: PlanItem, deps: ObtainDeps): Promise<Obtained> {
  const { issuer, target, ledger, log } = deps;
  const inFlight = deps.inFlight ?? unlimited;
  const p = item.profile;
  let ref: CaRef;
  let csrPem: string;
  let keyPem: string | undefined;
  let objectName: string;

  if (item.action === 'collect' && item.order) {
    ({ caRef: ref, csrPem, objectName } = item.order);
    keyPem = item.order.sealedKey ? ledger.unseal(item.order.sealedKey) : undefined;
    const order = item.order;
    return inFlight.run(async () => {
      if (!ref.id) ref = await recoverLostRequest(order, deps);
      log.info({ caId: ref.id }, `resuming pending order ${ref.id}`);
      return collectUntilDone(item, deps, ref, csrPem, keyPem, objectName);
    });
  } else {
    if (item.staleOrder) {
      ledger.clearOrder(p.name, item.device);
      log.warn('dropped a pending order made for an earlier version of the profile');
    }
    objectName = deps.objectName;
    const spec: CsrSpec = { subject: p.subject, sans: p.names, key: p.key };
    if (keyOnDevice(p, target)) {
      // Recorded first: a crash or failure from here on leaves an object the next run knows to clean up.
      await ledger.together(() => ledger.recordKeyIntent({ device: item.device, objectName, profile: p.name }));
      const lock = deps.deviceLock ?? unlimited;
      // The device's turn is held for the key's generation only: a driver may read several CSRs at once.
      const made = await lock.run(() => target.generateKey?.(objectName, spec) ?? target.generateCsr!(objectName, spec).then((pem) => ({ csr: async () => pem })));
      csrPem = await made.csr();
      log.info({ object: objectName }, `key and CSR generated on the device (${objectName})`);
    } else {
      const made = await (deps.localKey ?? generateKeyPair(p.key).then((k) => k.privateKeyPem));
      keyPem = made;
      csrPem = await createCsr(spec, made);
    }
    const record = item.action === 'renew' && item.current ? ledger.current(p.name, item.device) : undefined;
    const previous = record?.ca === p.ca ? record.caRef : undefined;
    // The request is recorded BEFORE it is sent: if its answer is lost, the next run looks the order
    // up (Issuer.find) or sends the same CSR again, instead of ordering twice or losing the key.
    const requestId = randomUUID();
    const order: PendingOrder = {
      profile: p.name, device: item.device, ca: p.ca, caRef: { ca: p.ca, id: '', extra: { requestId, ...(previous ? { renews: previous.id } : {}) } }, objectName, csrPem,
      sealedKey: keyPem ? ledger.seal(keyPem) : undefined, needHash: needHash(p), createdAt: new Date().toISOString(),
    };
    // Durable before the CA is asked (committed with the other items' writes of this moment).
    await ledger.together(() => ledger.saveOrder(order));
    const key = keyPem;
    const csr = csrPem;
    return inFlight.run(async () => {
      const sent = await submitRecorded(deps, order, { csrPem: csr, csr: spec, profile: issueProfile(p), previous, requestId });
      await ledger.together(() => {
        ledger.saveOrder({ ...order, caRef: sent });
        ledger.event('submitted', `${issuer.name} order ${sent.id}${previous ? ` (renewal of ${previous.id})` : ''}`, p.name, item.device);
      });
      log.info({ caId: sent.id }, `${previous ? 'renewal' : 'order'} ${sent.id} submitted to ${issuer.name}`);
      return collectUntilDone(item, deps, sent, csr, key, objectName);
    });
  }
}

/** Collects until issued, or until this run's wait for the order is over. */
async function collectUntilDone(item: PlanItem, deps: ObtainDeps, ref: CaRef, csrPem: string, keyPem: string | undefined, objectName: string): Promise<Obtained> {
  const { issuer, ledger, log } = deps;
  const p = item.profile;
  const deadline = Date.now() + (issuer.collectWaitMs ?? DEFAULT_COLLECT_WAIT_MS);
  for (;;) {
    const r = await issuer.collect(ref);
    if (r.state === 'issued') {
      const { leaf, chain } = orderChain([r.leafPem, ...r.chainPem]);
      const paired = keyPem ? keyMatchesCertificate(keyPem, leaf) : publicKeyOfCsrMatchesCertificate(csrPem, leaf);
      if (!paired) {
        ledger.clearOrder(p.name, item.device);
        throw new CaError(`${issuer.name} returned a certificate whose public key does not match our ${keyPem ? 'key' : 'CSR'} (order ${ref.id}); not installed`);
      }
      return { state: 'issued', objectName, caRef: ref, leafPem: leaf, chainPem: chain, keyPem, info: parseCertificate(leaf) };
    }
    if (Date.now() + r.retryAfterMs > deadline) {
      log.warn({ caId: ref.id }, `order ${ref.id} still pending${r.detail ? ` (${r.detail})` : ''}; the next run collects it`);
      return { state: 'pending', objectName, caRef: ref, detail: r.detail };
    }
    await sleep(r.retryAfterMs);
  }
}
