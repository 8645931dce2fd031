// Devices under one manager (FMC, Panorama) run together and share ONE Manager per run, whose
// CommitBatch turns every device's commit into one deployment; standalone devices stay independent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import type { DeviceEntry, ManagerEntry } from '../../src/config/model.js';
import { createLogger } from '../../src/core/log.js';
import { CommitBatch, type BatchItem } from '../../src/devices/commit-batch.js';
import type { Manager, ManagerType } from '../../src/devices/manager.js';
import type { CommitResult, Target, TargetType } from '../../src/devices/target.js';
import { Targets } from '../../src/engine/build.js';

const log = createLogger({ level: 'silent', terminal: false });

describe('CommitBatch', () => {
  it('flushes once when every participant has committed or left, and gives each its own result', async () => {
    const flushes: BatchItem[][] = [];
    const batch = new CommitBatch<string>(async (items) => {
      flushes.push(items);
      return new Map<string, string | Error>(items.map((i) => [i.device, i.device === 'b' ? new Error('b failed to deploy') : `ok ${i.device}`]));
    });
    batch.begin(['a', 'b', 'c']);
    const a = batch.commit('a', 'note a');
    const b = batch.commit('b', 'note b');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(flushes.length, 0, 'waits for c');
    batch.leave('c');
    assert.equal(await a, 'ok a');
    await assert.rejects(b, /b failed to deploy/);
    assert.deepEqual(flushes, [[{ device: 'a', note: 'note a' }, { device: 'b', note: 'note b' }]]);
  });

  it('a device that commits without begin() is flushed on its own; a second round waits for the devices still running', async () => {
    let flushes = 0;
    const batch = new CommitBatch<number>(async (items) => {
      flushes++;
      return new Map(items.map((i) => [i.device, flushes]));
    });
    assert.equal(await batch.commit('solo', 'x'), 1);
    batch.leave('solo');
    batch.begin(['a', 'b']);
    assert.deepEqual(await Promise.all([batch.commit('a', 'x'), batch.commit('b', 'x')]), [2, 2]);
    const again = batch.commit('a', 'cleanup');
    let settled = false;
    void again.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(settled, false, 'b is still running: it may commit again');
    batch.leave('b');
    assert.equal(await again, 3);
  });

  it('a flush that throws rejects every waiting device', async () => {
    const batch = new CommitBatch<string>(async () => {
      throw new Error('session lost');
    });
    batch.begin(['a', 'b']);
    const all = Promise.allSettled([batch.commit('a', ''), batch.commit('b', '')]);
    const results = await all;
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  });
});

describe('Targets: one Manager per manager per run', () => {
  function fakeConfig() {
    const created: FakeManager[] = [];
    class FakeManager implements Manager {
      readonly batch = new CommitBatch<CommitResult>(async (items) => {
        this.deployments.push(items.map((i) => i.device));
        return new Map(items.map((i) => [i.device, { committed: true, jobId: `deploy-${this.deployments.length}` }]));
      });
      readonly deployments: string[][] = [];
      closed = false;
      began: string[] = [];
      constructor(readonly name: string) {
        created.push(this);
      }
      begin(devices: string[]): void {
        this.began = devices;
        this.batch.begin(devices);
      }
      async close(): Promise<void> {
        this.closed = true;
      }
    }
    const managerType: ManagerType = { type: 'fake-manager', optionsSchema: z.object({}), credentialsSchema: z.object({}), create: (ctx) => new FakeManager(ctx.name) };
    const managedType = {
      type: 'fake-managed', managed: true, optionsSchema: z.object({}), credentialsSchema: z.object({}), bindSchema: z.any(),
      create: (ctx: { name: string }, s: { manager?: Manager }) => {
        const m = s.manager as FakeManager;
        return { name: ctx.name, commit: (note: string) => m.batch.commit(ctx.name, note), close: async () => m.batch.leave(ctx.name) } as unknown as Target;
      },
    } as unknown as TargetType;
    const standaloneType = {
      type: 'fake-standalone', optionsSchema: z.object({}), credentialsSchema: z.object({}), bindSchema: z.any(),
      create: (ctx: { name: string }) => ({ name: ctx.name, commit: async () => ({ committed: true, jobId: `own-${ctx.name}` }), close: async () => undefined }) as unknown as Target,
    } as unknown as TargetType;
    const managers = new Map<string, ManagerEntry>(
      ['fmc-1', 'fmc-2'].map((name) => [name, { name, type: managerType, url: 'https://192.0.2.10', options: {}, credentials: {}, tls: {}, timeoutMs: 1000 }]),
    );
    const dev = (name: string, manager?: string): [string, DeviceEntry] => [
      name,
      { name, type: manager ? managedType : standaloneType, url: 'https://192.0.2.20', manager, options: {}, credentials: {}, tls: {}, timeoutMs: 1000 },
    ];
    const devices = new Map<string, DeviceEntry>([dev('ftd-1', 'fmc-1'), dev('pa-1'), dev('ftd-2', 'fmc-1'), dev('ftd-3', 'fmc-2'), dev('ftd-4', 'fmc-1')]);
    return { cfg: { managers, devices }, created };
  }

  it('groups a manager\'s devices into one slot and deploys them in one request, even with a concurrency of 1', async () => {
    const { cfg, created } = fakeConfig();
    const targets = new Targets(cfg, log);
    assert.deepEqual(targets.groups([...cfg.devices.keys()]), [
      { manager: 'fmc-1', devices: ['ftd-1', 'ftd-2', 'ftd-4'] },
      { devices: ['pa-1'] },
      { manager: 'fmc-2', devices: ['ftd-3'] },
    ]);
    const results = await targets.forEach([...cfg.devices.keys()], 1, async (t, name) => {
      try {
        // ftd-4 changed nothing: it finishes without a commit.
        return name === 'ftd-4' ? 'no commit' : (await t.commit(`fwcert ${name}`)).jobId;
      } finally {
        await t.close();
      }
    });
    // In config order: ftd-1, pa-1, ftd-2, ftd-3 (fmc-2: its own first deployment), ftd-4.
    assert.deepEqual(results, ['deploy-1', 'own-pa-1', 'deploy-1', 'deploy-1', 'no commit']);
    assert.equal(created.length, 2, 'one Manager per manager per run');
    const fmc1 = created.find((m) => m.name === 'fmc-1')!;
    assert.deepEqual(fmc1.began, ['ftd-1', 'ftd-2', 'ftd-4']);
    assert.deepEqual(fmc1.deployments, [['ftd-1', 'ftd-2']]);
    await targets.close();
    assert.ok(created.every((m) => m.closed));
  });
});
