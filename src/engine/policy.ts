// When a certificate is due: renew when `beforeDays` or `beforeFraction` of its lifetime is left,
// whichever comes first; a CA-suggested window (ACME ARI) takes precedence when there is one.
import type { RenewalPolicy } from '../config/model.js';

const DAY = 86_400_000;

export function renewalStart(notBefore: Date, notAfter: Date, policy: RenewalPolicy): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const lead = Math.max(policy.beforeDays * DAY, policy.beforeFraction * lifetime);
  return new Date(notAfter.getTime() - lead);
}

export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY);
}

export function isDue(
  notBefore: Date,
  notAfter: Date,
  policy: RenewalPolicy,
  now: Date,
  suggested?: { start: Date; end: Date },
): boolean {
  if (suggested) return now.getTime() >= suggested.start.getTime();
  return now.getTime() >= renewalStart(notBefore, notAfter, policy).getTime();
}
