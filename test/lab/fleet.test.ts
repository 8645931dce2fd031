// `fwcert lab up`'s files: lab.json's caBundle alone must let a client verify every lab endpoint
// (the SCM and each device's management API), as a user who only reads lab.json would use it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { startLab, type Lab } from '../../src/lab/fleet.js';

describe('lab.json', () => {
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-labjson-'));
    lab = await startLab({ dir, fdm: 1, panos: 1, fmc: 1, fmcFtds: 1 });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('caBundle verifies the SCM and every device with TLS verification on', async () => {
    const info = JSON.parse(readFileSync(lab.labJsonPath, 'utf8')) as {
      scm: { url: string };
      devices: { name: string; url: string }[];
      managers?: { name: string; url: string }[];
      caBundle: string;
    };
    const agent = new Agent({ connect: { ca: readFileSync(info.caBundle, 'utf8'), rejectUnauthorized: true } });
    try {
      for (const url of [info.scm.url, ...info.devices.map((d) => d.url), ...(info.managers ?? []).map((m) => m.url)]) {
        // Any HTTP answer proves the TLS handshake verified; a trust failure throws.
        const r = await request(url, { dispatcher: agent });
        await r.body.dump();
        assert.ok(r.statusCode >= 200 && r.statusCode < 600, url);
      }
    } finally {
      await agent.close();
    }
    assert.equal(info.devices.length, 3);
    assert.equal(info.managers?.length, 1);
  });
});
