// The pki API: keys, CSRs, certificates, chains, PKCS#12, and the signing used by the lab.
export * from './types.js';
export { generateKeyPair, loadPrivateKey, validateKeySpec, RSA_SIZES, EC_CURVES } from './keys.js';
export { createCsr, parseCsr, verifyCsrSignature } from './csr.js';
export { parseCertificate, certFingerprintSha256, nativeCertificate } from './certificate.js';
export { splitPemCertificates } from './pem.js';
export { orderChain } from './chain.js';
export { keyMatchesCertificate, publicKeyOfCsrMatchesCertificate } from './pair.js';
export { encryptPrivateKey, decryptPrivateKey } from './key-encryption.js';
export { toPkcs12, fromPkcs12, pkcs12Certificates } from './pkcs12.js';
export { toCertsOnlyPkcs7, fromCertsOnlyPkcs7 } from './pkcs7.js';
export { createCa, issueCertificate, createSelfSigned } from './ca.js';
export { isDnsName, canonicalIp } from './names.js';
