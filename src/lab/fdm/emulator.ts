// startFdmEmulator: an emulated Cisco FTD managed locally by FDM (the device REST API) on
// 127.0.0.1 over HTTPS, plus its data plane. Section numbers in comments (§n) refer to the FDM
// part of the project's Cisco FDM/FMC API reference.
import https from 'node:https';
import { listenOnLoopback } from '../listen.js';
import { createSelfSigned } from '../../pki/index.js';
import { DataPlane, type Presented, type ServiceName, secureContextOf } from './dataplane.js';
import { FdmDevice } from './device.js';
import { defaultKnobs, mergeKnobs } from './knobs.js';
import { createRequestHandler } from './router.js';
import { seedConfig } from './seed.js';
import type { EmulatorHandle, StartFdmOptions } from './types.js';

export async function startFdmEmulator(opts: StartFdmOptions): Promise<EmulatorHandle> {
  const knobs = defaultKnobs();
  if (opts.haMode) knobs.haMode = opts.haMode;
  if (opts.knobs) mergeKnobs(knobs, opts.knobs);

  const fast = { type: 'ecdsa', curve: 'P-256' } as const;
  const [own, fallback, seed] = await Promise.all([
    opts.tls ?? createSelfSigned({ cn: opts.name, sans: ['127.0.0.1', 'localhost'], days: 825, key: fast }),
    // Presented by a data-plane service when the deployed configuration binds nothing to it.
    createSelfSigned({ cn: `${opts.name}-unbound`, sans: ['localhost'], days: 825, key: fast }),
    seedConfig(),
  ]);
  const tlsOwn = own;

  let dataPlane: DataPlane | undefined;
  let server: https.Server | undefined;
  const device = new FdmDevice(opts.name, knobs, opts.users, seed, fallback, {
    onPresented: (p: Record<ServiceName, Presented>) => dataPlane?.apply(p),
    onWebRestartEnd: (webui: Presented) => {
      if (device.knobs.webuiCertOnApi) server?.setSecureContext(secureContextOf(webui));
    },
  });
  dataPlane = await DataPlane.start(device.presented());
  const services = dataPlane.services();

  let url = '';
  const state = () => device.state({ url, services });
  server = https.createServer({ key: tlsOwn.keyPem, cert: tlsOwn.certPem }, createRequestHandler(device, state));
  server.on('tlsClientError', () => {});
  const api = await listenOnLoopback(server, opts.port);
  url = `https://127.0.0.1:${api.port}`;

  return {
    name: opts.name,
    url,
    services,
    certPem: tlsOwn.certPem,
    state,
    setKnobs: (k: object) => device.setKnobs(k),
    close: async () => {
      device.close();
      await Promise.all([api.close(), dataPlane!.close()]);
    },
  };
}
