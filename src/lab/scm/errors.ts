// SCM error codes and their descriptions (reference §4). Every error answer is
// {"code": <negative int>, "description": "..."}; `{0}` is filled from the call's arguments.
// Descriptions quoted in the reference are used verbatim; the others are the reference's
// abbreviated wording written out as a sentence.

export const SCM_ERRORS: Record<number, string> = {
  // An SSL order still being processed: code 0 with this text. Go clients of real tenants (hm-edu)
  // wait while `code == 0 && description == "Being processed by Sectigo"`; an InCommon collect
  // script documents the same 400 body. -183 "not collectable" is the S/MIME answer ([PCM], [BRT]).
  0: 'Being processed by Sectigo',
  [-1]: 'Unknown error',
  [-2]: 'Internal error, contact Support',
  [-3]: 'You are not authorized to perform {0}',
  [-7]: '{0} is required but missing.',
  [-9]: 'CSR is not valid Base-64 data!',
  [-10]: 'Error while decoding CSR!',
  [-11]: 'Unsupported algorithm in CSR: {0}',
  [-13]: 'Unsupported key size: {0}',
  [-16]: 'Unknown user',
  [-36]: 'The validity period (term) is invalid for this certificate profile.',
  [-39]: 'The certificate profile id is invalid.',
  [-62]: 'Missing mandatory custom field!',
  [-102]: 'Only issued certificates could be revoked.',
  [-103]: 'Certificate is not collected yet.',
  [-105]: 'Error was occurred while renewing cert. Status = {0}',
  [-109]: 'Certificate is not available now, please try again later.',
  [-110]: 'Certificate has been revoked and cannot be downloaded.',
  [-111]: 'No certificate profile found by id {0}',
  [-123]: 'SSL to renew is null',
  [-124]: 'Wrong SSL certificate id {0}',
  [-126]: 'Unknown certificate format {0}',
  [-130]: "SSL state is not 'ISSUED': {0}",
  [-138]: 'Invalid CSR',
  [-159]: 'Your certificate already revoked',
  [-170]: 'ECC CSRs are not allowed',
  [-180]: "This SSL Certificate Profile doesn't allow renew",
  [-183]: 'Certificate is not collectable.',
  [-1002]: 'Cannot parse message body',
  [-1112]: 'Certificate cannot be approved, state = {0}',
  [-1400]: 'The request is being processed by Sectigo.',
  [-5101]: 'Certificate not found. {0}',
};

function describe(code: number, args: (string | number)[]): string {
  const template = SCM_ERRORS[code] ?? SCM_ERRORS[-1]!;
  return template.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)] ?? '')).trim();
}

/** An API error the router turns into `status` + {code, description}. */
export class ScmApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly description: string,
  ) {
    super(description);
    this.name = 'ScmApiError';
  }

  body(): { code: number; description: string } {
    return { code: this.code, description: this.description };
  }
}

export const scmError = (status: number, code: number, ...args: (string | number)[]) =>
  new ScmApiError(status, code, describe(code, args));
export const badRequest = (code: number, ...args: (string | number)[]) => scmError(400, code, ...args);
export const notFound = (code: number, ...args: (string | number)[]) => scmError(404, code, ...args);
export const unknownUser = () => scmError(401, -16);
export const missing = (field: string) => scmError(400, -7, field);
/** The body is not what the endpoint's schema accepts (e.g. subjAltNames as an array, [PCM] #89). */
export const unparsable = () => scmError(400, -1002);
/**
 * A field violates a documented limit (length, value set) for which the reference names no code;
 * answered as a 400 with the generic -1 and a message saying what is wrong (inferred).
 */
export const invalidField = (message: string) => new ScmApiError(400, -1, message);
