// dns-01 through an operator's own program, in the style of acme.sh dnsapi hooks:
//   <command> [args...] add    <record fqdn> <value>
//   <command> [args...] remove <record fqdn> <value>
// with FWCERT_ACME_DOMAIN (the name being validated), FWCERT_ACME_RECORD (the TXT owner name,
// "_acme-challenge.<domain>") and FWCERT_ACME_VALUE (the TXT value) in the environment.
// Exit status 0 means done; anything else fails the challenge with the hook's stderr.
import { runHook } from '../exec-hook.js';
import type { DnsProvider, TxtRecord } from './provider.js';

export interface ExecDnsOptions {
  command: string;
  args?: string[];
  timeoutMs: number;
}

export class ExecDnsProvider implements DnsProvider {
  readonly label: string;

  constructor(private readonly opts: ExecDnsOptions) {
    this.label = `exec ${opts.command}`;
  }

  add(r: TxtRecord): Promise<void> {
    return this.run('add', r);
  }

  remove(r: TxtRecord): Promise<void> {
    return this.run('remove', r);
  }

  private run(action: 'add' | 'remove', r: TxtRecord): Promise<void> {
    return runHook({
      command: this.opts.command,
      args: [...(this.opts.args ?? []), action, r.fqdn, r.value],
      env: { FWCERT_ACME_DOMAIN: r.domain, FWCERT_ACME_RECORD: r.fqdn, FWCERT_ACME_VALUE: r.value },
      timeoutMs: this.opts.timeoutMs,
    });
  }
}
