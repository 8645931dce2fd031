// Error classes that cross module borders. Messages never contain secrets (see core/redact.ts).

/** Bad configuration or usage: exit code 2. `where` is "file:line" when known. */
export class ConfigError extends Error {
  constructor(message: string, readonly where?: string) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'ConfigError';
  }
}

/** Another run holds this configuration's run lock: exit code 4 (not 1, nothing failed). */
export class RunLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunLockedError';
  }
}

/** A mistake on the command line (an unknown --profile, a bad flag value): exit code 2, printed as "usage: ...". */
export class UsageError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A device refused or failed an operation. `detail` holds extra lines (job messages ...). */
export class DeviceError extends Error {
  constructor(message: string, readonly detail: string[] = [], readonly retryable = false) {
    super(message);
    this.name = 'DeviceError';
  }
}

/** A CA refused or failed an operation; `code`/`description` are the CA's own when it sent them. */
export class CaError extends Error {
  constructor(message: string, readonly code?: string | number, readonly retryable = false) {
    super(message);
    this.name = 'CaError';
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
