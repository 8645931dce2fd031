// The CSRs of a PAN-OS firewall's on-box keys are read together: the keys of one run are generated one
// after another, and their requests come from ONE read of the certificate store, not from one export
// per key. Counted by the emulator per request path, through the real CLI; every certificate that
// results must be the one issued for the key the device made under its name.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

type PanState = {
  requestsByPath: Record<string, number>;
  runningCertificates: { name: string; serial: string | null; hasPrivateKey: boolean; csrPending: boolean }[];
};

const CERTS = 4;
const STORE = '/config/shared/certificate';
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');

describe('PAN-OS: one read for the CSRs of a run\'s on-box keys', () => {
  let lab: Lab;
  let dir: string;
  const pan = () => lab.devices[0]!.handle.state() as PanState;
  /** Requests per "type sub xpath" made since `from`. */
  const since = (from: Record<string, number>) => {
    const now = pan().requestsByPath;
    return Object.fromEntries(Object.entries(now).map(([k, n]) => [k, n - (from[k] ?? 0)]).filter(([, n]) => (n as number) > 0)) as Record<string, number>;
  };
  const count = (calls: Record<string, number>, match: (key: string) => boolean) =>
    Object.entries(calls).filter(([k]) => match(k)).reduce((x, [, n]) => x + n, 0);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-csr-read-'));
    lab = await startLab({ dir, fdm: 0, panos: 1, certsPerDevice: CERTS, knobs: { panos: { commitDurationMs: 20 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [what, args] of [['enrollment', ['run']], ['renewal', ['renew', '--force']]] as const) {
    it(`${what} of ${CERTS} certificates: ${CERTS} generations, one store read for their CSRs, no export; each certificate on its own key`, async (t) => {
      const from = { ...pan().requestsByPath };
      const r = await runCli(['--config', lab.configPath, ...args, '--json']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const items = json<RunReport>(r).devices[0]!.items;
      assert.deepEqual(items.map((i) => i.outcome), Array(CERTS).fill('done'), JSON.stringify(items));
      const calls = since(from);
      t.diagnostic(JSON.stringify(calls));

      assert.equal(count(calls, (k) => k.startsWith('op request.certificate.generate ')), CERTS, 'one on-box generation per certificate');
      assert.equal(count(calls, (k) => k.startsWith('export ')), 0, 'no CSR export');
      assert.equal(count(calls, (k) => k.startsWith('config get ') && k.includes(`${STORE}/entry[`)), 0, 'no read of single certificates');
      // The inventory, the CSRs of all keys, the read-back of the imports before the commit.
      assert.equal(calls[`config get ${STORE}`], 3, 'three reads of the store: inventory, CSRs, read-back');

      // Every certificate is running under its object with its key, and the bound one is served.
      const running = new Map(pan().runningCertificates.map((c) => [c.name, c]));
      for (const i of items) {
        const c = running.get(i.objectName!);
        assert.ok(c, `${i.objectName} is running`);
        assert.equal(strip(c.serial!), strip(i.serial!), `${i.objectName} holds the serial reported`);
        assert.ok(c.hasPrivateKey && !c.csrPending, `${i.objectName} holds its key and no pending request`);
      }
      const first = items.find((i) => i.profile === 'gp-portal')!;
      const served = await handshake(lab.devices[0]!.services['gp-portal']!, { servername: 'gp.lab.example', caPem: lab.ca.bundlePem });
      assert.equal(strip(served.serial), strip(first.serial!), 'the bound certificate is served');
    });
  }
});
