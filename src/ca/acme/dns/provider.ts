// What a dns-01 provider does: put a TXT value at _acme-challenge.<name>, and take it away again.

export interface TxtRecord {
  /** The identifier being validated ("www.example.com"; "example.com" for "*.example.com"). */
  domain: string;
  /** The record's owner name without trailing dot: "_acme-challenge.www.example.com". */
  fqdn: string;
  /** The base64url digest of the key authorization (RFC 8555 section 8.4). */
  value: string;
}

export interface DnsProvider {
  /** For messages: "rfc2136 ns1.example.com:53", "exec /usr/local/bin/dns-hook". */
  readonly label: string;
  add(record: TxtRecord): Promise<void>;
  /** Removes exactly this value (other values at the same name stay: parallel orders). */
  remove(record: TxtRecord): Promise<void>;
  /** The zone holding `fqdn`, when the provider knows it better than public DNS does. */
  zoneOf?(fqdn: string): Promise<string>;
}

export function challengeRecordName(domain: string): string {
  return `_acme-challenge.${domain.replace(/^\*\./, '').replace(/\.$/, '')}`;
}
