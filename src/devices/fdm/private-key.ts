// The private key as FDM takes it: unencrypted PEM (reference §3 / pitfall 7: "only unencrypted keys are
// supported", `passPhrase` "not supported yet"). We send the traditional form (PKCS#1 "RSA PRIVATE KEY",
// SEC1 "EC PRIVATE KEY") that NetForge's create example uses, converting from PKCS#8 when needed.
import type { KeyObject } from 'node:crypto';
import { loadPrivateKey } from '../../pki/index.js';
import { DeviceError } from '../../core/errors.js';

export function toFdmPrivateKey(device: string, keyPem: string): string {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(keyPem) || /Proc-Type:\s*4,ENCRYPTED/i.test(keyPem)) {
    throw new DeviceError(`${device}: FDM accepts only unencrypted private keys; decrypt the key before installing it`);
  }
  let key: KeyObject;
  try {
    // pki's reader: a key this run generated is not read back from its PEM (about 1 ms each).
    key = loadPrivateKey(keyPem);
  } catch {
    throw new DeviceError(`${device}: the private key is not a PEM key that can be read`);
  }
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return key.export({ type: 'pkcs1', format: 'pem' }).toString();
    case 'ec':
      return key.export({ type: 'sec1', format: 'pem' }).toString();
    default:
      throw new DeviceError(`${device}: FDM certificates take RSA or ECDSA keys, not ${key.asymmetricKeyType ?? 'this key type'}`);
  }
}
