// The FTD side of EST (RFC 7030): filled in with the lab EST server.
import type { Enrolled } from './enroll.js';

export interface EstEnrollRequest {
  url: string;
  username: string;
  password: string;
  fingerprint?: string;
  insecure: boolean;
  cn: string;
  sans: string[];
  reenroll: boolean;
}

export async function estEnroll(_req: EstEnrollRequest): Promise<Enrolled> {
  throw new Error('EST enrollment is not available in this lab build');
}
