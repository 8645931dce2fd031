// FMC error bodies -> one DeviceError subclass that keeps the HTTP status and FMC's descriptions.
// Shape (go-fmc client_test.go): {"error":{"category":"FRAMEWORK","messages":[{"description":"…"}],"severity":"ERROR"}}.
import { DeviceError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';

export class FmcApiError extends DeviceError {
  constructor(message: string, readonly status: number | undefined, readonly descriptions: string[] = [], retryable = false) {
    super(redact(message), descriptions.map((d) => redact(d)), retryable);
    this.name = 'FmcApiError';
  }
}

export function parseFmcError(text: string): string[] {
  try {
    const body = JSON.parse(text) as { error?: { messages?: { description?: string }[] } };
    return (body.error?.messages ?? []).map((m) => m.description ?? '').filter(Boolean);
  } catch {
    const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
    return snippet ? [snippet] : [];
  }
}

/** FMC answered 404: this FMC (version, or the user's role) has no such path, or the object is gone. */
export function isNotFound(e: unknown): boolean {
  return e instanceof FmcApiError && e.status === 404;
}

/** go-fmc retries 400s whose description says to try again (§7). */
export function saysTryAgain(descriptions: string[]): boolean {
  return descriptions.some((d) => /please try again|retry the operation after sometime/i.test(d));
}
