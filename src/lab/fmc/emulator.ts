// startFmcEmulator: an emulated Secure Firewall Management Center on 127.0.0.1 over HTTPS, with a
// data-plane TLS port per managed FTD (or HA pair). Section numbers (§n) refer to the FMC part of the
// project's Cisco FDM/FMC API reference.
import https from 'node:https';
import { listenOnLoopback } from '../listen.js';
import { createSelfSigned, parseCertificate } from '../../pki/index.js';
import { FmcDataPlane } from './dataplane.js';
import { defaultKnobs, mergeKnobs } from './knobs.js';
import { FmcModel } from './model.js';
import { createFmcHandler } from './router.js';
import { RateWindow, Sessions } from './sessions.js';
import type { EmulatorHandle, StartFmcOptions } from './types.js';

export interface FmcHandle extends EmulatorHandle {
  /** Data-plane ravpn port per FTD / HA pair name. */
  ravpn: Record<string, string>;
}

export async function startFmcEmulator(opts: StartFmcOptions): Promise<FmcHandle> {
  const knobs = defaultKnobs();
  if (opts.knobs) mergeKnobs(knobs, opts.knobs);
  const fast = { type: 'ecdsa', curve: 'P-256' } as const;
  const [own, fallback] = await Promise.all([
    createSelfSigned({ cn: opts.name, sans: ['127.0.0.1', 'localhost'], days: 825, key: fast }),
    createSelfSigned({ cn: `${opts.name}-ravpn-unbound`, sans: ['localhost'], days: 825, key: fast }),
  ]);
  let dataPlane: FmcDataPlane | undefined;
  const model = new FmcModel(opts, knobs, (m) => dataPlane?.apply(m));
  await model.seed();
  dataPlane = new FmcDataPlane(model, fallback);
  await dataPlane.start();
  const dp = dataPlane;
  const sessions = new Sessions(() => model.knobs.tokenTtlS);
  const ravpn = Object.fromEntries([...model.managed.values()].map((m) => [m.ref.name, dp.ravpnOf(m.ref.name)]));

  let url = '';
  const state = () => ({
    name: opts.name, url, version: model.knobs.version, counters: { ...model.counters }, knobs: model.knobs,
    domains: model.domains,
    devices: [...model.managed.values()].map((m) => ({
      id: m.ref.id, name: m.ref.name, type: m.ref.type, units: m.units?.map((u) => u.name), ravpn: ravpn[m.ref.name],
      pending: m.pending.map((p) => ({ entity: p.entity.name, type: p.entity.type, user: p.user })),
      deployedKnownKeySerials: m.deployed.knownKeySerials ?? [],
      deployedRavpnCert: m.deployed.ravpnCertEnrollmentId ? String(model.enrollments.get(m.deployed.ravpnCertEnrollmentId)?.obj.name ?? '') : null,
      deployments: m.deployments.map((d) => ({ status: d.status, note: d.deploymentNote })),
      trustpoints: [...m.trustpoints.values()].map((t) => ({ name: t.name, type: t.enrollmentType, status: t.status, hasKey: !!t.keyPem, caSerials: t.caPems.map((p) => parseCertificate(p).serial) })),
    })),
    internalcertificates: [...model.decryption.certs.values()].map((c) => ({ id: c.obj.id, name: c.obj.name, serial: parseCertificate(c.obj.cert).serial })),
    decryptionRules: [...model.decryption.policies.values()].flatMap((p) => p.rules.map((r) => ({ policy: p.obj.name, rule: r.name, ruleAction: r.ruleAction, certs: r.decryptionCerts.objects.map((o) => o.name) }))),
    certenrollments: [...model.enrollments.values()].map((e) => ({ id: e.obj.id, name: e.obj.name, enrollmentType: e.obj.enrollmentType })),
  });
  const server = https.createServer({ key: own.keyPem, cert: own.certPem }, createFmcHandler({ model, sessions, rate: new RateWindow(), users: opts.users, state }));
  server.on('tlsClientError', () => {});
  const api = await listenOnLoopback(server, opts.port);
  url = `https://127.0.0.1:${api.port}`;
  return {
    name: opts.name, url, services: {}, ravpn, certPem: own.certPem, state,
    setKnobs: (k: object) => {
      mergeKnobs(model.knobs, k);
      model.applyForeignChanges();
      if (model.knobs.expireTokensNow) {
        sessions.ageAll(model.knobs.tokenTtlS * 1000 + 1000);
        model.knobs.expireTokensNow = false;
      }
    },
    close: async () => {
      model.close();
      await Promise.all([api.close(), dp.close()]);
    },
  };
}
