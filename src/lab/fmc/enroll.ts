// What an FTD does when the FMC installs an enrollment object on it (seed 003, "Installing a Certificate
// Using ..."): PKCS12 imports the file; SELF_SIGNED makes its own key and certificate; MANUAL (CA only)
// installs the CA certificate; EST makes its own key and asks the EST server (RFC 7030) for a certificate.
import { fromPkcs12, createSelfSigned, splitPemCertificates } from '../../pki/index.js';
import type { KeySpec } from '../../pki/types.js';
import { estEnroll } from './est-client.js';

export interface Enrolled {
  identityPem?: string;
  keyPem?: string;
  caPems: string[];
}

/** Seed 003: "A PKCS12 file size should not be larger than 24K." */
const MAX_P12_BYTES = 24 * 1024;

/** The object's key settings; key.keySize is an enum like CertKey_2048 (terraform certificate_enrollment.yaml). */
function keyOf(obj: Record<string, unknown>): KeySpec | undefined {
  const k = obj.key as { keyType?: string; keySize?: string } | undefined;
  if (!k?.keyType) return undefined;
  const size = Number(/(\d+)$/.exec(k.keySize ?? '')?.[1] ?? 2048);
  return k.keyType === 'ECDSA'
    ? { type: 'ecdsa', curve: size === 384 ? 'P-384' : size === 521 ? 'P-521' : 'P-256' }
    : { type: 'rsa', size: size === 3072 || size === 4096 ? size : 2048 };
}

export async function enrollOnDevice(obj: Record<string, unknown>, secrets: Record<string, string>, deviceName: string, reenroll: boolean): Promise<Enrolled> {
  const type = String(obj.enrollmentType);
  switch (type) {
    case 'PKCS12': {
      const content = obj.pkcs12Content as { base64Certificate?: string } | undefined;
      const der = Buffer.from(String(content?.base64Certificate ?? '').replace(/\s+/g, ''), 'base64');
      if (!der.length) throw new Error('The PKCS12 certificate is empty');
      if (der.length > MAX_P12_BYTES) throw new Error('The PKCS12 file is larger than 24K');
      let p12: ReturnType<typeof fromPkcs12>;
      try {
        p12 = fromPkcs12(der, secrets.passPhrase ?? '');
      } catch {
        throw new Error('Failed to import the PKCS12 file: wrong passphrase or corrupt file');
      }
      return { identityPem: p12.certPem, keyPem: p12.keyPem, caPems: p12.chainPem };
    }
    case 'SELF_SIGNED_CERTFICATE': {
      // The FTD signs its own certificate from the object's subject and key settings (seed 003). Which
      // certificateParameters become SANs (customFqdn, altFQDN) is inferred from the UI's field names.
      const params = (obj.certificateParameters ?? {}) as { commonName?: string; customFqdn?: string; altFQDN?: string };
      const sans = [params.customFqdn, ...(params.altFQDN ?? '').split(',')].map((n) => n?.trim()).filter((n): n is string => !!n);
      const own = await createSelfSigned({ cn: params.commonName || deviceName, sans, days: 365, key: keyOf(obj) ?? { type: 'ecdsa', curve: 'P-256' } });
      return { identityPem: own.certPem, keyPem: own.keyPem, caPems: [] };
    }
    case 'MANUAL': {
      const ca = obj.caCertificate as { caOnly?: boolean; base64Content?: string } | undefined;
      if (!ca?.caOnly) throw new Error('The lab supports CA-only manual enrollment');
      const pems = splitPemCertificates(String(ca.base64Content ?? ''));
      if (!pems.length) throw new Error('The CA certificate is not a PEM certificate');
      return { caPems: pems };
    }
    case 'EST': {
      const est = obj.estContent as { enrollmentUrl?: string; username?: string; fingerprint?: string; ignoreServerCertificateValidations?: boolean } | undefined;
      if (!est?.enrollmentUrl) throw new Error('The EST enrollment has no URL');
      const params = (obj.certificateParameters ?? {}) as { commonName?: string; customFqdn?: string };
      const key = keyOf(obj) ?? ({ type: 'rsa', size: 2048 } as const);
      return estEnroll({
        url: est.enrollmentUrl, username: est.username ?? '', password: secrets.password ?? '', fingerprint: est.fingerprint,
        insecure: est.ignoreServerCertificateValidations === true, cn: params.commonName || deviceName,
        sans: params.customFqdn ? [params.customFqdn] : [], key, reenroll,
      });
    }
    default:
      throw new Error(`Enrollment type ${type} is not supported by the lab`);
  }
}
