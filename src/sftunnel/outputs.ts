// Parsers for what the FMC's expert-mode commands print. Shapes from Cisco's note "Renewal of FMC
// Sftunnel CA Certificate for FTD Connectivity" (openssl dates, generate_certs.pl dialogue,
// FAILED_PUSH: "FTD_UUID FTD_NAME FTD_IP SOURCE_PATH_ON_FMC DESTINATION_PATH_ON_FTD") and the FTD
// command reference (sftunnel-status: one "**RUN STATUS****<peer>****" block per peer with
// "ChannelA Connected: Yes" / "ChannelB Connected: Yes").

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Oct  5 12:16:56 2034 GMT" (OpenSSL's date print) -> Date. */
export function parseOpensslDate(s: string): Date {
  const m = /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s+GMT$/.exec(s.trim());
  const mon = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || mon < 0) throw new Error(`unexpected OpenSSL date "${s.trim()}"`);
  return new Date(Date.UTC(Number(m[6]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

/** `openssl x509 -dates -noout -in FILE` */
export function parseOpensslDates(text: string): { notBefore: Date; notAfter: Date } {
  const nb = /notBefore=(.+)/.exec(text)?.[1];
  const na = /notAfter=(.+)/.exec(text)?.[1];
  if (!nb || !na) throw new Error(`no notBefore/notAfter in the openssl output: ${JSON.stringify(text.slice(0, 200))}`);
  return { notBefore: parseOpensslDate(nb), notAfter: parseOpensslDate(na) };
}

export interface TunnelPeer {
  /** The peer as the block header names it (its management address). */
  peer: string;
  connected: boolean;
}

/** `sftunnel_status.pl`: connected means both channels (A: control, B: events) say "Connected: Yes". */
export function parseTunnelStatus(text: string): TunnelPeer[] {
  const out: TunnelPeer[] = [];
  const re = /\*\*RUN STATUS\*+([^*\s]+)\*+/g;
  const heads = [...text.matchAll(re)];
  heads.forEach((h, i) => {
    const body = text.slice(h.index! + h[0].length, i + 1 < heads.length ? heads[i + 1]!.index : undefined);
    const a = /ChannelA\s+Connected:\s*Yes/i.test(body);
    const b = /ChannelB\s+Connected:\s*Yes/i.test(body);
    out.push({ peer: h[1]!, connected: a && b });
  });
  return out;
}

export interface FailedPushEntry {
  uuid: string;
  name: string;
  ip: string;
  source: string;
  destination: string;
}

export function parseFailedPush(text: string): FailedPushEntry[] {
  const out: FailedPushEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.+?)\s+(\S+)\s+(\/\S+)\s+(\/\S+)\s*$/.exec(line.trim());
    if (m) out.push({ uuid: m[1]!, name: m[2]!, ip: m[3]!, source: m[4]!, destination: m[5]! });
  }
  return out;
}

export interface GenerationOutcome {
  /** The script reached its confirmation prompts (it did not refuse to start). */
  started: boolean;
  logFile?: string;
  failedPushFile?: string;
  /** "Failed to push to NAME = PATH" lines. */
  failedLines: { name: string; path: string }[];
}

export function parseGenerateCerts(transcript: string): GenerationOutcome {
  return {
    started: /You are about to generate new certificates/.test(transcript),
    logFile: /setting log file to (\S+)/.exec(transcript)?.[1],
    failedPushFile: /For more details check (\S+FAILED_PUSH)/.exec(transcript)?.[1],
    failedLines: [...transcript.matchAll(/^Failed to push to (.+?) = (\S+)\s*$/gm)].map((m) => ({ name: m[1]!, path: m[2]! })),
  };
}
