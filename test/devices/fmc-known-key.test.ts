// The FMC known-key driver compares certificates by fingerprint, and a certificate it cannot read (an
// object answered as PKCS#7, a damaged PEM) matches nothing, not even another unreadable one: such an
// object never counts as holding fwcert's certificate, and is replaced when fwcert has the key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FmcApi } from '../../src/devices/fmc/api.js';
import { KnownKeyIndex, sameCertificate, upsertInternalCert } from '../../src/devices/fmc/known-key.js';
import { createSelfSigned } from '../../src/pki/index.js';

const UNREADABLE = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';

/** An FMC API that answers one internal certificate object, one policy with one known-key rule listing it, and records writes. */
function fakeApi(cert: string) {
  const obj = { id: 'obj-1', name: 'web-kk', type: 'InternalCertificate', cert };
  const calls: { method: string; path: string }[] = [];
  const api = {
    fmc: 'fmc-x',
    all: async (path: string) => {
      if (path === 'object/internalcertificates') return [obj];
      if (path === 'policy/decryptionpolicies') return [{ id: 'pol-1', name: 'Lab-Decrypt' }];
      return [{ id: 'rule-1', name: 'Known-Key-Web', ruleAction: 'DECRYPT_KNOWN_KEY', decryptionCerts: { objects: [{ id: 'obj-1' }] } }];
    },
    call: async (method: string, path: string, opts: { json?: Record<string, unknown> } = {}) => {
      calls.push({ method, path });
      return { ...opts.json, id: 'obj-1' };
    },
  };
  return { api: api as unknown as FmcApi, calls };
}

describe('FMC known-key certificates that cannot be read', () => {
  it('two unreadable certificates are not the same certificate; two readable ones are compared', async () => {
    const a = await createSelfSigned({ cn: 'a.example', sans: ['a.example'], days: 30 });
    assert.equal(sameCertificate(UNREADABLE, UNREADABLE), false);
    assert.equal(sameCertificate(undefined, undefined), false);
    assert.equal(sameCertificate(a.certPem, a.certPem), true);
    assert.equal(sameCertificate(a.certPem, UNREADABLE), false);
  });

  it('an object whose certificate cannot be read binds nothing, even for an unreadable certificate', async () => {
    const { api } = fakeApi(UNREADABLE);
    assert.deepEqual(await new KnownKeyIndex(() => api).bindingsOf('web-kk', UNREADABLE), []);
    const a = await createSelfSigned({ cn: 'a.example', sans: ['a.example'], days: 30 });
    const readable = fakeApi(a.certPem);
    assert.deepEqual(await new KnownKeyIndex(() => readable.api).bindingsOf('web-kk', a.certPem), [{ kind: 'known_key', name: 'Lab-Decrypt/Known-Key-Web' }], 'a readable match binds');
  });

  it('an object whose certificate cannot be read is updated in place, and the caller is told why', async () => {
    const { api, calls } = fakeApi(UNREADABLE);
    const a = await createSelfSigned({ cn: 'a.example', sans: ['a.example'], days: 30 });
    const r = await upsertInternalCert(api, new KnownKeyIndex(() => api), 'web-kk', { leafPem: a.certPem, keyPem: a.keyPem }, 'ftd-x');
    assert.deepEqual(calls, [{ method: 'PUT', path: 'object/internalcertificates/obj-1' }]);
    assert.equal(r.changed, true);
    assert.equal(r.unreadable, true);
  });
});
