// FDM error bodies -> one DeviceError subclass that keeps the HTTP status and FDM's error codes,
// so callers can react to `duplicateName`, `mismatchedVersion` ... without parsing messages.
import { DeviceError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';

export class FdmApiError extends DeviceError {
  constructor(
    message: string,
    /** HTTP status; undefined when no answer came back (reset, timeout, refused). */
    readonly status: number | undefined,
    /** FDM's `messages[].code` values (duplicateName, mismatchedVersion, invalidUuid ...). */
    readonly codes: string[] = [],
    /** FDM's `messages[].description` values, as sent. */
    readonly descriptions: string[] = [],
    retryable = false,
  ) {
    super(redact(message), descriptions.map((d) => redact(d)), retryable);
    this.name = 'FdmApiError';
  }

  /** No HTTP answer at all (connection reset/refused, timeout): the web server may be restarting. */
  get transport(): boolean {
    return this.status === undefined;
  }

  has(code: string): boolean {
    return this.codes.includes(code);
  }
}

interface ErrorWrapper {
  error?: { severity?: string; key?: string; messages?: { description?: string; code?: string | null }[] };
  /** Token endpoint errors use this flat shape instead. */
  message?: string;
  status_code?: number;
}

/** Pulls `{codes, descriptions}` out of either FDM error shape; tolerates HTML and empty bodies. */
export function parseErrorBody(text: string): { codes: string[]; descriptions: string[] } {
  let body: ErrorWrapper;
  try {
    body = JSON.parse(text) as ErrorWrapper;
  } catch {
    const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
    return { codes: [], descriptions: snippet ? [snippet] : [] };
  }
  const codes: string[] = [];
  const descriptions: string[] = [];
  for (const m of body?.error?.messages ?? []) {
    if (m.code) codes.push(m.code);
    if (m.description) descriptions.push(m.description);
  }
  if (!descriptions.length && typeof body?.message === 'string') descriptions.push(body.message);
  return { codes, descriptions };
}

/** The DevNet docs say writes are "not allowed on the standby unit in an HA pair"; match that wording loosely. */
export function isStandbyRefusal(descriptions: string[]): boolean {
  return descriptions.some((d) => /standby/i.test(d));
}

export function standbyError(device: string, detail?: string): DeviceError {
  return new DeviceError(
    `${device} is the HA standby unit; point fwcert at the active unit (FDM refuses configuration changes on a standby)`,
    detail ? [detail] : [],
  );
}
