// FDM error bodies. Three shapes exist on a real device (reference §2, §6):
// - the ErrorWrapper {"error":{severity,key,messages:[{description,code,location}]}} of the config API,
// - {"message","status_code"} of the token endpoint,
// - the servlet 404 {"code":404,"description",...} for paths outside any API version.

export type Severity = 'ERROR' | 'WARN';
export type ErrorKey = 'General' | 'Validation' | 'Deployment';

export interface ErrorMessage {
  description: string;
  code: string | null;
  location: string | null;
}

/** Thrown by handlers; the router turns it into the response. */
export class FdmHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly contentType = 'application/json;charset=UTF-8',
  ) {
    super(`FDM ${status}`);
  }
}

export function errorWrapper(key: ErrorKey, messages: ErrorMessage[], severity: Severity = 'ERROR') {
  return { error: { severity, key, messages } };
}

function validation(description: string, code: string | null, location: string | null = ''): FdmHttpError {
  return new FdmHttpError(422, errorWrapper('Validation', [{ description, code, location }]));
}

// --- Bodies recorded from a real FDM (Postman collection, quoted in the reference) ---

export function duplicateName(name: string): FdmHttpError {
  return validation(`Validation failed due to a duplicate name: "${name}"`, 'duplicateName', 'name');
}

export function mismatchedVersion(): FdmHttpError {
  return validation(
    'Another user or the system updated this object while you were editing it. Please refresh the browser page and redo your changes.',
    'mismatchedVersion',
  );
}

export function invalidUuid(id: string): FdmHttpError {
  return validation(`Validation failed due to an invalid UUID: "${id}"`, 'invalidUuid');
}

/** Malformed JSON: 422 key General with the parser's text (reference §6: "JsonParseException"). */
export function malformedJson(parserText: string): FdmHttpError {
  return new FdmHttpError(
    422,
    errorWrapper('General', [
      { description: `JsonParseException: ${parserText}`, code: null, location: null },
    ]),
  );
}

/** 500 key General as the reference lists it. */
export function internalError(): FdmHttpError {
  return new FdmHttpError(
    500,
    errorWrapper('General', [{ description: 'UndeclaredThrowableException', code: null, location: null }]),
  );
}

// --- Token endpoint (400 with {message,status_code}) ---

export function tokenError(message: string): FdmHttpError {
  return new FdmHttpError(400, { message, status_code: 400 }, 'application/json;charset=utf-8');
}

export const AUTH_FAILED = 'Failed to authenticate user';
export const REFRESH_OBSOLETE = 'Cannot refresh a password-token with a revoked or obsolete refresh token';

/** Servlet-level 404 recorded on FDM 6.2.3 for a wrong version path (FTDAnsible issue #64). */
export function pathNotFound(): FdmHttpError {
  return new FdmHttpError(404, {
    code: 404,
    description: 'The server has not found anything matching the request URI',
    reasonPhrase: 'Not Found',
  });
}

// --- Inferred bodies: no recorded sample exists; same wrapper, plausible wording ---

/** GET of an unknown id: the spec lists 404; the body is inferred. */
export function objectNotFound(id: string): FdmHttpError {
  return new FdmHttpError(
    404,
    errorWrapper('General', [{ description: `Object with id "${id}" was not found`, code: 'objectNotFound', location: '' }]),
  );
}

/** A field-level validation failure (wording inferred). */
export function invalidField(location: string, description: string, code = 'invalidValue'): FdmHttpError {
  return validation(description, code, location);
}

/** The method exists on no operation of this resource (inferred). */
export function methodNotAllowed(method: string): FdmHttpError {
  return new FdmHttpError(
    405,
    errorWrapper('General', [{ description: `Request method '${method}' not supported`, code: null, location: null }]),
  );
}

/** Missing, expired, unknown or revoked access token. No sample exists; clients must not parse it. */
export function unauthorized(status: 401 | 408): FdmHttpError {
  return new FdmHttpError(status, { message: 'Access token invalid or expired', status_code: status });
}

/** Any write on the HA standby unit. Wording inferred from the DevNet note "not allowed on the standby unit". */
export function standbyWrite(): FdmHttpError {
  return new FdmHttpError(
    422,
    errorWrapper('General', [
      {
        description: 'This operation is not allowed on the standby unit in an HA pair. Make the change on the active unit.',
        code: 'haStandbyWriteNotAllowed',
        location: '',
      },
    ]),
  );
}

/** While the web server restarts after a web UI certificate deploy. */
export function serviceUnavailable(): FdmHttpError {
  return new FdmHttpError(
    503,
    errorWrapper('General', [{ description: 'Service Unavailable', code: null, location: null }]),
  );
}

/** Injected faults with a status the other helpers do not cover. */
export function injected(status: number): FdmHttpError {
  if (status === 500) return internalError();
  if (status === 503) return serviceUnavailable();
  return new FdmHttpError(
    status,
    errorWrapper('General', [{ description: `Injected failure (HTTP ${status})`, code: null, location: null }]),
  );
}
