// Answers the pending authorizations of an order with the configured challenge type, waits for the
// CA to validate them, and always takes the published records / files away again afterwards.
import type { Logger } from '../../core/log.js';
import { CaError } from '../../core/errors.js';
import { challengeRecordName, type DnsProvider, type TxtRecord } from './dns/provider.js';
import { serversFor, waitForTxt } from './dns/propagation.js';
import { runHook } from './exec-hook.js';
import type { ChallengeOptions } from './options.js';
import { describeProblem, type AcmeIdentifier, type AcmeProblem } from './problem.js';

export interface AcmeChallenge {
  type: string;
  url: string;
  status: string;
  token: string;
  error?: AcmeProblem;
}

export interface AcmeAuthz {
  url: string;
  status: string;
  identifier: AcmeIdentifier;
  wildcard?: boolean;
  challenges: AcmeChallenge[];
}

/** What the solver needs from the ACME session. */
export interface ChallengeApi {
  keyAuthorization(ch: AcmeChallenge): Promise<string>;
  complete(ch: AcmeChallenge): Promise<void>;
  fetchAuthz(url: string): Promise<{ authz: AcmeAuthz; retryAfterMs?: number }>;
}

export interface SolveContext {
  /** CA name, for messages. */
  ca: string;
  api: ChallengeApi;
  log: Logger;
  /** Built from the challenge options; only for dns-01. */
  dns?: DnsProvider;
  poll: { interval_s: number; max_wait_s: number };
}

function displayName(a: AcmeAuthz): string {
  return a.wildcard ? `*.${a.identifier.value}` : a.identifier.value;
}

function pickChallenge(ca: string, a: AcmeAuthz, type: string): AcmeChallenge {
  const ch = a.challenges.find((c) => c.type === type);
  if (!ch) {
    const offered = a.challenges.map((c) => c.type).join(', ') || 'none';
    throw new CaError(`${ca}: the CA offers no ${type} challenge for ${displayName(a)} (it offers: ${offered}); change challenge.type`, 'challenge');
  }
  return ch;
}

function authzProblem(a: AcmeAuthz): string {
  const errs = a.challenges.filter((c) => c.error).map((c) => `${c.type}: ${describeProblem(c.error!)}`);
  return errs.length ? errs.join('; ') : `authorization status ${a.status}`;
}

/** Polls an authorization until it leaves "pending" (or the poll budget runs out). */
async function settle(ctx: SolveContext, a: AcmeAuthz, deadline: number): Promise<AcmeAuthz> {
  for (;;) {
    const { authz, retryAfterMs } = await ctx.api.fetchAuthz(a.url);
    authz.url = a.url;
    if (authz.status !== 'pending') return authz;
    const left = deadline - Date.now();
    if (left <= 0) throw new CaError(`${ctx.ca}: the CA did not validate ${displayName(a)} within ${ctx.poll.max_wait_s} s (still pending)`, 'timeout', true);
    await new Promise((r) => setTimeout(r, Math.min(retryAfterMs ?? ctx.poll.interval_s * 1000, left)));
  }
}

export async function solveAuthorizations(authzs: AcmeAuthz[], cfg: ChallengeOptions, ctx: SolveContext): Promise<void> {
  const todo = authzs.filter((a) => a.status !== 'valid'); // valid ones (reused or pre-authorized) need nothing
  for (const a of todo) {
    if (a.status !== 'pending') throw new CaError(`${ctx.ca}: authorization for ${displayName(a)} is ${a.status}: ${authzProblem(a)}`, a.status);
  }
  if (todo.length === 0) return;
  if (cfg.type === 'none') {
    throw new CaError(`${ctx.ca}: the CA wants validation of ${todo.map(displayName).join(', ')}, but challenge.type is "none" (meant for accounts the CA pre-authorized); configure dns-01 or http-01`, 'challenge');
  }
  if (cfg.type === 'dns-01') return solveDns01(todo, cfg, ctx);
  return solveHttp01(todo, cfg, ctx);
}

async function solveDns01(todo: AcmeAuthz[], cfg: Extract<ChallengeOptions, { type: 'dns-01' }>, ctx: SolveContext): Promise<void> {
  const dns = ctx.dns!;
  const jobs: Array<{ authz: AcmeAuthz; ch: AcmeChallenge; record: TxtRecord }> = [];
  for (const authz of todo) {
    const ch = pickChallenge(ctx.ca, authz, 'dns-01');
    const domain = authz.identifier.value;
    jobs.push({ authz, ch, record: { domain, fqdn: challengeRecordName(domain), value: await ctx.api.keyAuthorization(ch) } });
  }
  const published: TxtRecord[] = [];
  const describe = (r: TxtRecord) => `TXT ${r.fqdn} "${r.value}" via ${dns.label}`;
  try {
    for (const j of jobs) {
      try {
        await dns.add(j.record);
      } catch (e) {
        throw new CaError(`${ctx.ca}: dns-01 for ${displayName(j.authz)}: could not publish ${describe(j.record)}: ${(e as Error).message}`, 'dns');
      }
      published.push(j.record);
      ctx.log.info({ record: j.record.fqdn }, `published ${describe(j.record)}`);
    }

    const servers = new Map<string, string[]>();
    for (const j of jobs) {
      if (servers.has(j.record.fqdn)) continue;
      try {
        const zone = dns.zoneOf ? await dns.zoneOf(j.record.fqdn) : undefined;
        servers.set(j.record.fqdn, await serversFor(j.record.fqdn, cfg.propagation, zone));
      } catch (e) {
        throw new CaError(`${ctx.ca}: dns-01 for ${displayName(j.authz)}: cannot find the authoritative servers of ${j.record.fqdn} (${(e as Error).message}); set challenge.propagation.nameservers`, 'dns');
      }
    }
    try {
      await waitForTxt(jobs.map((j) => j.record), servers, cfg.propagation, ctx.log);
    } catch (e) {
      throw new CaError(`${ctx.ca}: dns-01: ${(e as Error).message}`, 'dns', true);
    }

    for (const j of jobs) await ctx.api.complete(j.ch);
    const deadline = Date.now() + ctx.poll.max_wait_s * 1000;
    for (const j of jobs) {
      const done = await settle(ctx, j.authz, deadline);
      if (done.status !== 'valid') {
        throw new CaError(`${ctx.ca}: dns-01 challenge for ${displayName(j.authz)} failed (${describe(j.record)}): ${authzProblem(done)}`, 'challenge');
      }
    }
  } finally {
    for (const r of published) {
      try {
        await dns.remove(r);
        ctx.log.info({ record: r.fqdn }, `removed ${describe(r)}`);
      } catch (e) {
        ctx.log.error({ record: r.fqdn, err: e }, `could not remove ${describe(r)}; remove it by hand`);
      }
    }
  }
}

async function solveHttp01(todo: AcmeAuthz[], cfg: Extract<ChallengeOptions, { type: 'http-01' }>, ctx: SolveContext): Promise<void> {
  // http-01 hook contract: <command> [args...] add|remove <domain> <token> <key authorization>,
  // env FWCERT_ACME_DOMAIN, FWCERT_ACME_TOKEN, FWCERT_ACME_VALUE. The hook must serve the value at
  // http://<domain>/.well-known/acme-challenge/<token> (port 80).
  const hook = (action: 'add' | 'remove', domain: string, token: string, value: string) =>
    runHook({
      command: cfg.command,
      args: [...(cfg.args ?? []), action, domain, token, value],
      env: { FWCERT_ACME_DOMAIN: domain, FWCERT_ACME_TOKEN: token, FWCERT_ACME_VALUE: value },
      timeoutMs: cfg.timeout_s * 1000,
    });
  const published: Array<{ domain: string; token: string; value: string }> = [];
  try {
    const jobs: Array<{ authz: AcmeAuthz; ch: AcmeChallenge }> = [];
    for (const authz of todo) {
      if (authz.wildcard) throw new CaError(`${ctx.ca}: *.${authz.identifier.value}: wildcard names can only be validated with dns-01`, 'challenge');
      const ch = pickChallenge(ctx.ca, authz, 'http-01');
      const value = await ctx.api.keyAuthorization(ch);
      try {
        await hook('add', authz.identifier.value, ch.token, value);
      } catch (e) {
        throw new CaError(`${ctx.ca}: http-01 for ${authz.identifier.value}: ${(e as Error).message}`, 'challenge');
      }
      published.push({ domain: authz.identifier.value, token: ch.token, value });
      jobs.push({ authz, ch });
    }
    for (const j of jobs) await ctx.api.complete(j.ch);
    const deadline = Date.now() + ctx.poll.max_wait_s * 1000;
    for (const j of jobs) {
      const done = await settle(ctx, j.authz, deadline);
      if (done.status !== 'valid') {
        throw new CaError(`${ctx.ca}: http-01 challenge for ${j.authz.identifier.value} failed (http://${j.authz.identifier.value}/.well-known/acme-challenge/${j.ch.token}): ${authzProblem(done)}`, 'challenge');
      }
    }
  } finally {
    for (const p of published) {
      await hook('remove', p.domain, p.token, p.value).catch((e: Error) =>
        ctx.log.error({ domain: p.domain, err: e }, `http-01 cleanup hook failed for ${p.domain}`),
      );
    }
  }
}
