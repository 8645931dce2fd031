// How long to wait before asking again whether a long job (PAN-OS commit, FDM deploy) has ended.
// A wait that backs off geometrically overshoots the job's real end by up to the last wait (a 10 s
// commit seen after 17.7 s with 2 s backing off 1.5x to 30 s). Here the wait is 10 % of the time
// already waited, never under `minMs` (the configured poll interval) and never over `capMs`, so the
// job's end is seen at most max(minMs, 10 %, capMs) late.
const SHARE = 0.1;
export const POLL_CAP_MS = 5_000;

export function pollDelayMs(elapsedMs: number, minMs: number, capMs = POLL_CAP_MS): number {
  return Math.min(Math.max(minMs, capMs), Math.max(minMs, SHARE * elapsedMs));
}
