// The ACME (RFC 8555) issuer: order -> authorizations -> challenges -> finalize with our CSR in
// submit(); collect() polls the order and downloads the chain; ARI (RFC 9773) for renewal windows
// and `replaces`; revocation with a reason code.
import { isIP } from 'node:net';
import type acme from 'acme-client';
import { commandProblem, resolveCommand } from '../../core/command.js';
import { CaError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { TlsTrust } from '../../http/client.js';
import { orderChain, splitPemCertificates } from '../../pki/index.js';
import type { KeySpec } from '../../pki/types.js';
import type { CaRef, CollectResult, IssueProfile, Issuer, IssuerContext, RevocationReason } from '../issuer.js';
import type { CsrSpec } from '../../pki/types.js';
import { openAccount, storeKeys, type ClientInternals } from './account.js';
import { ariCertId, parseRenewalInfo } from './ari.js';
import { alternateLinks, pickChain, topIssuerCn } from './chain.js';
import { solveAuthorizations, type AcmeAuthz, type AcmeChallenge, type ChallengeApi } from './challenges.js';
import type { DnsProvider } from './dns/provider.js';
import { ExecDnsProvider } from './dns/exec.js';
import { Rfc2136Provider } from './dns/rfc2136.js';
import type { AcmeCredentials, AcmeOptions, AcmeProfileOptions } from './options.js';
import { AcmeCaError, describeProblem, parseRetryAfter, problemType, type AcmeIdentifier, type AcmeProblem } from './problem.js';
import { AcmeTransport, type WireResponse } from './transport.js';

/** RFC 5280 CRLReason codes. */
const REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
};

// What public ACME CAs (Let's Encrypt, Google, ZeroSSL, Sectigo) all accept for leaf keys.
const KEY_TYPES: KeySpec[] = [
  { type: 'rsa', size: 2048 }, { type: 'rsa', size: 3072 }, { type: 'rsa', size: 4096 },
  { type: 'ecdsa', curve: 'P-256' }, { type: 'ecdsa', curve: 'P-384' },
];

interface Directory {
  newOrder?: string;
  renewalInfo?: string;
  meta?: { termsOfService?: string; externalAccountRequired?: boolean };
}

interface AcmeOrder {
  url: string;
  status: 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
  identifiers: AcmeIdentifier[];
  authorizations: string[];
  finalize: string;
  certificate?: string;
  error?: AcmeProblem;
}

const DIRECTORY_MAX_AGE_MS = 24 * 3600_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** profile names -> ACME identifiers (RFC 8555 dns, RFC 8738 ip). */
export function identifiersFor(names: string[]): AcmeIdentifier[] {
  const seen = new Set<string>();
  const out: AcmeIdentifier[] = [];
  for (const raw of names) {
    const n = raw.trim().replace(/\.$/, '');
    const id = isIP(n) ? { type: 'ip', value: n } : { type: 'dns', value: n.toLowerCase() };
    const k = `${id.type}:${id.value}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(id);
    }
  }
  return out;
}

export class AcmeIssuer implements Issuer {
  readonly capabilities = { keyTypes: KEY_TYPES, revoke: true, renewById: false };
  readonly name: string;
  private readonly log: Logger;
  private readonly transport: AcmeTransport;
  private readonly dns?: DnsProvider;
  private clientP?: Promise<acme.Client>;
  private directoryP?: Promise<Directory>;
  private directoryAt = 0;

  constructor(
    private readonly ctx: IssuerContext,
    private readonly opts: AcmeOptions,
    private readonly creds: AcmeCredentials | undefined,
    tls: TlsTrust,
    timeoutMs?: number,
  ) {
    this.name = ctx.name;
    this.log = ctx.log; // already bound to { ca: name } by the engine
    this.transport = new AcmeTransport(ctx.name, tls, this.log, timeoutMs);
    const ch = opts.challenge;
    if (ch.type === 'dns-01' && ch.provider === 'rfc2136') {
      this.dns = new Rfc2136Provider({
        server: ch.server,
        ...(ch.zone ? { zone: ch.zone } : {}),
        key: { name: ch.tsig_key_name, algorithm: ch.tsig_algorithm, secretBase64: creds?.tsig_secret ?? '' },
        ttl: ch.record_ttl_s,
      });
    } else if (ch.type === 'dns-01' && ch.provider === 'exec') {
      this.dns = new ExecDnsProvider({ command: resolveCommand(ch.command, ctx.baseDir), ...(ch.args ? { args: ch.args } : {}), timeoutMs: ch.timeout_s * 1000 });
    }
  }

  private get keys() {
    return storeKeys(this.opts.directory);
  }

  private directory(): Promise<Directory> {
    // Re-read now and then: a long-running service should notice e.g. a CA adding renewalInfo.
    if (this.directoryP && Date.now() - this.directoryAt > DIRECTORY_MAX_AGE_MS) this.directoryP = undefined;
    if (!this.directoryP) this.directoryAt = Date.now();
    this.directoryP ??= this.transport
      .send(this.opts.directory, 'get')
      .then((r) => r.data as Directory)
      .catch((e) => {
        this.directoryP = undefined;
        throw e;
      });
    return this.directoryP;
  }

  private client(): Promise<acme.Client> {
    this.clientP ??= (async () => {
      const dir = await this.directory();
      return openAccount({ ...this.ctx, log: this.log }, this.transport, {
        directory: this.opts.directory,
        ...(this.opts.email ? { email: this.opts.email } : {}),
        agreeTos: this.opts.agree_tos,
        ...(this.creds?.eab_kid && this.creds.eab_hmac_key ? { eab: { kid: this.creds.eab_kid, hmacKey: this.creds.eab_hmac_key } } : {}),
        ...(dir.meta?.termsOfService ? { termsOfService: dir.meta.termsOfService } : {}),
      });
    })().catch((e) => {
      this.clientP = undefined;
      throw e;
    });
    return this.clientP;
  }

  /**
   * `fwcert check` (and a run before it orders): the directory answers as an ACME directory, the hook
   * command exists and is executable, and the account exists, or is registered now (with EAB when
   * configured) exactly as the first order would; nothing is ordered.
   */
  async check(): Promise<string[]> {
    const ok: string[] = [];
    const ch = this.opts.challenge;
    if (ch.type === 'http-01' || (ch.type === 'dns-01' && ch.provider === 'exec')) {
      const cmd = resolveCommand(ch.command, this.ctx.baseDir);
      const why = commandProblem(cmd);
      if (why) throw new CaError(`${this.name}: challenge hook: ${why}`, 'hook');
      ok.push(`hook ${cmd} is executable`);
    }
    let dir: Directory;
    try {
      dir = await this.directory();
    } catch (e) {
      throw new CaError(`${this.name}: the ACME directory ${this.opts.directory} does not answer: ${errorMessage(e)}`, 'directory');
    }
    if (!dir || typeof dir !== 'object' || typeof dir.newOrder !== 'string') {
      throw new CaError(`${this.name}: ${this.opts.directory} is not an ACME directory (no newOrder in its answer)`, 'directory');
    }
    ok.push(`directory ${this.opts.directory} answers${dir.renewalInfo ? ' (with ARI)' : ''}`);
    const client = await this.client();
    ok.push(`account ${client.getAccountUrl()}${this.creds?.eab_kid ? ' (external account binding accepted)' : ''}`);
    return ok;
  }

  /** Runs a protocol step; anything that is not already a CaError becomes one naming the step. */
  private async step<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof CaError) throw e;
      throw new CaError(`${this.name}: ${what}: ${(e as Error).message}`);
    }
  }

  /** POST-as-GET (RFC 8555 section 6.3) with the response headers (Retry-After, Link). */
  private async fetch(url: string): Promise<WireResponse> {
    const client = await this.client();
    return (client as unknown as ClientInternals).api.apiRequest(url, null, [200]);
  }

  private challengeApi(client: acme.Client): ChallengeApi {
    return {
      keyAuthorization: (ch: AcmeChallenge) => client.getChallengeKeyAuthorization(ch as never),
      complete: async (ch: AcmeChallenge) => {
        await client.completeChallenge(ch as never);
      },
      fetchAuthz: async (url: string) => {
        const res = await this.fetch(url);
        const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        return { authz: { ...(res.data as AcmeAuthz), url }, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      },
    };
  }

  private async createOrder(identifiers: AcmeIdentifier[], replaces: string | undefined): Promise<{ client: acme.Client; order: AcmeOrder }> {
    const client = await this.client();
    try {
      return { client, order: (await client.createOrder({ identifiers, ...(replaces ? { replaces } : {}) } as never)) as unknown as AcmeOrder };
    } catch (e) {
      // The CA may refuse `replaces` (already replaced by another order); the order itself is still wanted.
      if (replaces && e instanceof AcmeCaError && (problemType(e.problem) === 'alreadyReplaced' || e.code === 409)) {
        this.log.warn({ replaces }, `CA refused replaces=${replaces} (${e.message}); ordering without it`);
        return { client, order: (await client.createOrder({ identifiers } as never)) as unknown as AcmeOrder };
      }
      throw e;
    }
  }

  async submit(req: { csrPem: string; csr: CsrSpec; profile: IssueProfile; previous?: CaRef }): Promise<CaRef> {
    const dir = await this.step('directory', () => this.directory());
    const identifiers = identifiersFor([...req.profile.sans, ...(req.profile.subject.cn ? [req.profile.subject.cn] : [])]);
    if (identifiers.length === 0) throw new CaError(`${this.name}: profile ${req.profile.name} has no names to order`);

    const replaces = dir.renewalInfo && req.previous && req.previous.ca === this.name ? this.ctx.store.get(this.keys.certId(req.previous.id)) : undefined;
    const created = await this.step('new order', async () => {
      try {
        return await this.createOrder(identifiers, replaces);
      } catch (e) {
        // The CA no longer knows our account (deleted, or a test CA restarted): register the same key again, once.
        if (e instanceof AcmeCaError && problemType(e.problem) === 'accountDoesNotExist') {
          this.log.warn({ account: this.ctx.store.get(this.keys.accountUrl) }, 'the CA does not know the stored ACME account any more; registering again');
          this.ctx.store.set(this.keys.accountUrl, '');
          this.clientP = undefined;
          return await this.createOrder(identifiers, replaces);
        }
        throw e;
      }
    });
    const client = created.client;
    let order = created.order;
    this.log.info({ order: order.url, names: identifiers.map((i) => i.value), replaces }, 'ACME order created');

    const authzs = await this.step('authorizations', async () =>
      (await client.getAuthorizations(order as never)) as unknown as AcmeAuthz[],
    );
    const ch = this.opts.challenge;
    await solveAuthorizations(authzs, ch.type === 'http-01' ? { ...ch, command: resolveCommand(ch.command, this.ctx.baseDir) } : ch, {
      ca: this.name,
      api: this.challengeApi(client),
      log: this.log,
      ...(this.dns ? { dns: this.dns } : {}),
      poll: this.opts.poll,
    });

    order = await this.waitOrder(order, ['ready', 'processing', 'valid']);
    if (order.status === 'ready') {
      order = await this.step('finalize', async () => ({
        ...((await client.finalizeOrder(order as never, req.csrPem)) as unknown as AcmeOrder),
        url: order.url,
      }));
    }
    if (order.status === 'invalid') throw this.orderInvalid(order);
    this.log.info({ order: order.url, status: order.status }, 'ACME order finalized');
    // collect() has no profile: carry the profile's chain preference in the reference.
    const preferred = (req.profile.caOptions as AcmeProfileOptions | undefined)?.preferred_chain;
    return { ca: this.name, id: order.url, extra: preferred ? { preferred_chain: preferred } : {} };
  }

  private orderInvalid(order: AcmeOrder): CaError {
    return new AcmeCaError(`${this.name}: order ${order.url} is invalid: ${order.error ? describeProblem(order.error) : 'no error given'}`, problemType(order.error) ?? 'invalid', false, undefined, order.error);
  }

  /** Polls the order until it reaches one of `states` (bounded by poll.max_wait_s). */
  private async waitOrder(order: AcmeOrder, states: AcmeOrder['status'][]): Promise<AcmeOrder> {
    const deadline = Date.now() + this.opts.poll.max_wait_s * 1000;
    for (;;) {
      const res = await this.step('order status', () => this.fetch(order.url));
      const cur = { ...(res.data as AcmeOrder), url: order.url };
      if (states.includes(cur.status)) return cur;
      if (cur.status === 'invalid') throw this.orderInvalid(cur);
      const left = deadline - Date.now();
      if (left <= 0) throw new CaError(`${this.name}: order ${order.url} still ${cur.status} after ${this.opts.poll.max_wait_s} s`, 'timeout', true);
      await sleep(Math.min(parseRetryAfter(res.headers['retry-after']) ?? this.opts.poll.interval_s * 1000, left));
    }
  }

  async collect(ref: CaRef): Promise<CollectResult> {
    const res = await this.step('order status', () => this.fetch(ref.id));
    const order = { ...(res.data as AcmeOrder), url: ref.id };
    switch (order.status) {
      case 'pending':
      case 'processing':
        return { state: 'pending', retryAfterMs: parseRetryAfter(res.headers['retry-after']) ?? this.opts.poll.interval_s * 1000, detail: `order ${order.status}` };
      case 'ready':
        throw new CaError(`${this.name}: order ${ref.id} was never finalized (the CSR was not sent); submit it again`, 'ready');
      case 'invalid':
        throw this.orderInvalid(order);
      case 'valid':
        break;
      default:
        throw new CaError(`${this.name}: order ${ref.id} has unexpected status "${String(order.status)}"`);
    }
    if (!order.certificate) throw new CaError(`${this.name}: order ${ref.id} is valid but names no certificate URL`);
    const pem = await this.download(order.certificate, ref.extra?.preferred_chain ?? this.opts.preferred_chain);
    const { leaf, chain } = orderChain(splitPemCertificates(pem));
    try {
      this.ctx.store.set(this.keys.certId(ref.id), ariCertId(leaf));
    } catch (e) {
      this.log.debug({ err: e }, 'no ARI certificate id for this certificate');
    }
    return { state: 'issued', leafPem: leaf, chainPem: chain };
  }

  /** Downloads the certificate chain, choosing the preferred alternate when one matches. */
  private async download(certUrl: string, preferred: string | undefined): Promise<string> {
    const res = await this.step('certificate download', () => this.fetch(certUrl));
    const main = String(res.data);
    if (!preferred || topIssuerCn(main) === preferred) return main;
    const alternates: string[] = [];
    for (const url of alternateLinks(res.headers.link, certUrl)) {
      alternates.push(String((await this.step('alternate chain download', () => this.fetch(url))).data));
    }
    const picked = pickChain(alternates, preferred);
    if (picked) return picked;
    const offered = [main, ...alternates].map((c) => topIssuerCn(c) ?? '?').join(', ');
    this.log.warn({ preferred, offered }, `preferred chain "${preferred}" not offered by the CA; using the default chain (top issuers offered: ${offered})`);
    return main;
  }

  async revoke(ref: CaRef, reason: RevocationReason, certPem?: string): Promise<void> {
    const client = await this.step('account', () => this.client());
    let leaf = certPem ? splitPemCertificates(certPem)[0] : undefined;
    if (!leaf) {
      const order = (await this.step('order status', () => this.fetch(ref.id))).data as AcmeOrder;
      if (!order.certificate) throw new CaError(`${this.name}: order ${ref.id} has no certificate to revoke (status ${order.status})`);
      leaf = splitPemCertificates(String((await this.step('certificate download', () => this.fetch(order.certificate!))).data))[0];
    }
    if (!leaf) throw new CaError(`${this.name}: no certificate to revoke for ${ref.id}`);
    try {
      await client.revokeCertificate(leaf, { reason: REASON_CODES[reason] });
    } catch (e) {
      if (e instanceof AcmeCaError && problemType(e.problem) === 'alreadyRevoked') {
        this.log.info({ order: ref.id }, 'certificate was already revoked');
        return;
      }
      if (e instanceof CaError) throw e;
      throw new CaError(`${this.name}: revoke: ${(e as Error).message}`);
    }
    this.log.info({ order: ref.id, reason }, 'certificate revoked');
  }

  async suggestedWindow(certPem: string): Promise<{ start: Date; end: Date } | undefined> {
    const dir = await this.step('directory', () => this.directory());
    if (!dir.renewalInfo) return undefined;
    const leaf = splitPemCertificates(certPem)[0] ?? certPem;
    const url = `${dir.renewalInfo.replace(/\/+$/, '')}/${ariCertId(leaf)}`;
    const res = await this.step('renewal info', () => this.transport.send(url, 'get'));
    try {
      const w = parseRenewalInfo(res.data);
      return { start: w.start, end: w.end };
    } catch (e) {
      throw new CaError(`${this.name}: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
