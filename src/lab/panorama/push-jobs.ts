// Panorama's push (type=commit&action=all, `<commit-all><template-stack>` or `<template>`,
// pan-os-python PanoramaCommitAll): one job for all assigned firewalls, PEND -> ACT -> FIN, with a
// `devices/entry` per firewall (serial-no, devicename, result, tstart, tfin, details/msg/errors/line,
// reference section 7). What is pushed is Panorama's RUNNING config (commit to Panorama first).
// Overall result FAIL when any firewall failed *(inferred)*; job type "CommitAll" *(inferred)*.
import { panosTime } from '../panos/config-store.js';
import type { Device } from '../panos/device.js';
import { el, leaf, serialize, type XNode } from '../panos/xml-tree.js';
import type { PanoramaKnobs } from './knobs.js';
import { applyPushed, effectiveConfig, resealKeys, type TemplateKind } from './templates.js';
import { clone } from '../panos/xml-tree.js';

export interface ManagedFirewall {
  hostname: string;
  serial: string;
  device: Device;
  refreshDataPlane: () => void;
  /** The template config the last successful push wrote (so the next one can remove what left). */
  lastPushed?: XNode;
}

export interface DevicePush {
  serial: string;
  hostname: string;
  result: 'PEND' | 'OK' | 'FAIL';
  tstart?: Date;
  tfin?: Date;
  errors: string[];
}

export interface PushJob {
  id: number;
  user: string;
  description: string;
  kind: TemplateKind;
  name: string;
  admins?: string[];
  tenq: Date;
  tdeq?: Date;
  tfin?: Date;
  status: 'ACT' | 'FIN';
  result: 'PEND' | 'OK' | 'FAIL';
  devices: DevicePush[];
  timer?: NodeJS.Timeout;
}

export class PushJobs {
  private readonly jobs: PushJob[] = [];
  private closed = false;

  constructor(
    private readonly panorama: Device,
    private readonly firewalls: ManagedFirewall[],
    private readonly knobs: () => PanoramaKnobs,
  ) {}

  start(req: { id: number; user: string; description: string; kind: TemplateKind; name: string; admins?: string[]; serials: string[] }): PushJob {
    const now = new Date();
    const snapshot = effectiveConfig(this.panorama.store.running, req.kind, req.name);
    const job: PushJob = {
      id: req.id, user: req.user, description: req.description, kind: req.kind, name: req.name, ...(req.admins ? { admins: req.admins } : {}),
      tenq: now, tdeq: now, status: 'ACT', result: 'PEND',
      devices: req.serials.map((serial) => ({
        serial, hostname: this.firewalls.find((f) => f.serial === serial)?.hostname ?? serial, result: 'PEND' as const, tstart: now, errors: [],
      })),
    };
    this.jobs.push(job);
    const tick = () => {
      if (this.closed) return;
      const left = job.tdeq!.getTime() + Math.max(0, this.knobs().pushDurationMs) - Date.now();
      if (left > 0) job.timer = setTimeout(tick, Math.min(left, 50));
      else this.finish(job, snapshot);
    };
    job.timer = setTimeout(tick, 0);
    return job;
  }

  private finish(job: PushJob, snapshot: XNode | undefined): void {
    delete job.timer;
    const failing = this.knobs().pushFailDevices;
    for (const d of job.devices) {
      d.tfin = new Date();
      const fw = this.firewalls.find((f) => f.serial === d.serial);
      if (!fw) {
        d.result = 'FAIL';
        d.errors = ['device is not connected'];
      } else if (failing.includes(d.serial) || failing.includes(d.hostname)) {
        d.result = 'FAIL';
        // Wording *(inferred)*: a firewall-side commit failure as Panorama relays it.
        d.errors = ['Validation Error:', ' commit failed on the device (lab knob pushFailDevices)', 'Commit failed'];
      } else {
        const pushed = clone(snapshot ?? el('config'));
        resealKeys(pushed, this.panorama.vault, fw.device.vault);
        applyPushed(fw.device.store.running, pushed, fw.lastPushed);
        applyPushed(fw.device.store.candidate, pushed, fw.lastPushed);
        fw.lastPushed = pushed;
        fw.refreshDataPlane();
        d.result = 'OK';
        d.errors = [];
      }
    }
    job.status = 'FIN';
    job.tfin = new Date();
    job.result = job.devices.every((d) => d.result === 'OK') ? 'OK' : 'FAIL';
  }

  get(id: number): PushJob | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  jobXml(job: PushJob): string {
    const time = (d: Date | undefined) => (d ? panosTime(d).slice(11) : '');
    const fin = job.status === 'FIN';
    const done = job.devices.filter((d) => d.result !== 'PEND').length;
    const failed = job.devices.filter((d) => d.result === 'FAIL').map((d) => d.hostname);
    const devices = job.devices.map((d) =>
      el('entry', {}, [
        leaf('serial-no', d.serial),
        leaf('devicename', d.hostname),
        leaf('vsys', 'vsys1'),
        leaf('status', d.result === 'PEND' ? 'ACT' : 'FIN'),
        leaf('result', d.result),
        leaf('progress', d.result === 'PEND' ? '0' : '100'),
        leaf('tstart', d.tstart ? panosTime(d.tstart) : ''),
        leaf('tfin', d.tfin ? panosTime(d.tfin) : ''),
        el('details', {}, [el('msg', {}, [el('errors', {}, d.errors.map((l) => leaf('line', l))), el('warnings')])]),
      ]),
    );
    const parts = [
      leaf('tenq', panosTime(job.tenq)),
      leaf('tdeq', time(job.tdeq)),
      leaf('id', String(job.id)),
      leaf('user', job.user),
      leaf('type', 'CommitAll'),
      leaf('status', job.status),
      leaf('queued', 'NO'),
      leaf('stoppable', fin ? 'no' : 'yes'),
      leaf('result', job.result),
      leaf('tfin', fin ? time(job.tfin) : 'Still Active'),
      leaf('description', job.description),
      leaf('positionInQ', '0'),
      leaf('progress', fin ? '100' : String(Math.floor((done / Math.max(1, job.devices.length)) * 99))),
      el('details', {}, fin ? [leaf('line', failed.length ? `Push to ${failed.join(', ')} failed` : 'Push completed')] : []),
      el('warnings'),
      el('devices', {}, devices),
    ];
    return serialize(el('job', {}, parts));
  }

  summary(): Array<Record<string, unknown>> {
    return this.jobs.map((j) => ({
      id: j.id, user: j.user, kind: j.kind, name: j.name, admins: j.admins ?? null, status: j.status, result: j.result, description: j.description,
      devices: j.devices.map((d) => ({ serial: d.serial, hostname: d.hostname, result: d.result, errors: d.errors })),
    }));
  }

  close(): void {
    this.closed = true;
    for (const j of this.jobs) if (j.timer) clearTimeout(j.timer);
  }
}
