// The PAN-OS driver's coalesced CSR reads (devices/panos/csr-reads.ts) without a device: which keys one
// read serves, and that no CSR is left waiting when a generation fails or the read fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsrReads } from '../../src/devices/panos/csr-reads.js';

function reads(opts: { failRead?: boolean; notInRead?: string[] } = {}) {
  const store = new Map<string, string>();
  const log = { readAll: 0, readOne: [] as string[] };
  const r = new CsrReads({
    readAll: async () => {
      log.readAll++;
      if (opts.failRead) throw new Error('store read failed');
      return new Map([...store].filter(([name]) => !opts.notInRead?.includes(name)));
    },
    readOne: async (name) => {
      log.readOne.push(name);
      const pem = store.get(name);
      if (!pem) throw new Error(`no request named ${name}`);
      return pem;
    },
  });
  /** One generation as the driver runs it: the device answers in a later turn, then the CSR is asked for. */
  const generate = async (name: string): Promise<{ csr: Promise<string> }> => {
    await r.generation(async () => {
      await new Promise((res) => setImmediate(res));
      store.set(name, `CSR ${name}`);
    });
    return { csr: r.csrOf(name) };
  };
  return { r, log, generate };
}

test('generations back to back: one read serves all of their CSRs', { timeout: 10_000 }, async () => {
  const { log, generate } = reads();
  const made = [];
  for (const n of ['a', 'b', 'c']) made.push(await generate(n));
  assert.deepEqual(await Promise.all(made.map((m) => m.csr)), ['CSR a', 'CSR b', 'CSR c']);
  assert.equal(log.readAll, 1);
  assert.deepEqual(log.readOne, []);
});

test('a name the read does not show is read by itself; a generation that starts later gets a read of its own', { timeout: 10_000 }, async () => {
  const { log, generate } = reads({ notInRead: ['hidden'] });
  const hidden = await generate('hidden');
  const shown = await generate('shown');
  assert.deepEqual(await Promise.all([hidden.csr, shown.csr]), ['CSR hidden', 'CSR shown']);
  assert.deepEqual(log.readOne, ['hidden']);
  assert.equal(log.readAll, 1);
  assert.equal(await (await generate('later')).csr, 'CSR later');
  assert.equal(log.readAll, 2);
});

test('a failed generation does not leave the CSRs generated before it waiting', { timeout: 10_000 }, async () => {
  const { r, log, generate } = reads();
  const a = await generate('a');
  // The next generation starts before the first CSR is read, and fails.
  const failed = r.generation(async () => {
    await new Promise((res) => setImmediate(res));
    throw new Error('generate refused');
  });
  await assert.rejects(failed, /generate refused/);
  assert.equal(await a.csr, 'CSR a');
  assert.equal(log.readAll, 1);
});

test('when the store read fails, each CSR is read by itself', { timeout: 10_000 }, async () => {
  const { log, generate } = reads({ failRead: true });
  const made = [await generate('a'), await generate('b')];
  assert.deepEqual(await Promise.all(made.map((m) => m.csr)), ['CSR a', 'CSR b']);
  assert.equal(log.readAll, 1);
  assert.deepEqual(log.readOne, ['a', 'b']);
});
