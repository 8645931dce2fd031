// The FMC's InternalCA and the sftunnel certificates it signs, with the subject shapes of the
// packet capture in Cisco's note "Renewal of FMC Sftunnel CA Certificate for FTD Connectivity":
//   CA:   title=InternalCA, CN=<FMC UUID>, OU=Intrusion Management System, O=Cisco Systems, Inc
//   leaf: CN=localhost, O=Cisco Systems, Inc, OU=Intrusion Management System, title=<peer UUID>,
//         generationQualifier=sftunnel_<UUID>
// The CA is valid for 10 years on a real FMC; the lab makes its remaining life a knob.
import { randomUUID } from 'node:crypto';
import { generateKeyPair } from '../../pki/index.js';
import { importSigner } from '../../pki/keys.js';
import { randomSerialHex } from '../../pki/ca.js';
import { x509 } from '../../pki/x509-lib.js';

const DAY_MS = 86_400_000;
const ORG = 'O="Cisco Systems, Inc", OU=Intrusion Management System';
const TITLE = '2.5.4.12';
const GENERATION_QUALIFIER = '2.5.4.44';

export interface PemPair {
  certPem: string;
  keyPem: string;
}

const pem = (c: x509.X509Certificate) => `${c.toString('pem').trim()}\n`;

/** An InternalCA that expires `daysLeft` days from now (issued 10 years before that, as FMC does). */
export async function createInternalCa(fmcUuid: string, daysLeft: number, now = new Date()): Promise<PemPair> {
  const { privateKeyPem } = await generateKeyPair({ type: 'rsa', size: 2048 });
  const signer = await importSigner(privateKeyPem);
  const notAfter = new Date(now.getTime() + daysLeft * DAY_MS);
  const notBefore = new Date(Math.min(notAfter.getTime() - 3652 * DAY_MS, now.getTime() - 60_000));
  const name = new x509.Name(`${TITLE}=InternalCA, CN=${fmcUuid}, ${ORG}`);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(), subject: name, issuer: name, notBefore, notAfter,
    publicKey: signer.publicKey, signingKey: signer.privateKey, signingAlgorithm: signer.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(signer.publicKey, false),
    ],
  });
  return { certPem: pem(cert), keyPem: privateKeyPem };
}

/** An sftunnel certificate (FMC's own, or one pushed to a peer) signed by the InternalCA; it lives as long as the CA. */
export async function issueSftunnelCert(ca: PemPair, peerUuid: string, now = new Date()): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caSigner = await importSigner(ca.keyPem);
  const { privateKeyPem } = await generateKeyPair({ type: 'rsa', size: 2048 });
  const self = await importSigner(privateKeyPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: new x509.Name(`CN=localhost, ${ORG}, ${TITLE}=${peerUuid}, ${GENERATION_QUALIFIER}=sftunnel_${randomUUID()}`),
    issuer: caCert.subjectName,
    notBefore: new Date(now.getTime() - 60_000), notAfter: caCert.notAfter,
    publicKey: self.publicKey, signingKey: caSigner.privateKey, signingAlgorithm: caSigner.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false),
    ],
  });
  return { certPem: pem(cert), keyPem: privateKeyPem };
}

/** `openssl x509 -dates -noout` prints dates the way OpenSSL's ASN1_TIME_print does: "Oct  7 12:16:56 2024 GMT". */
export function opensslDate(d: Date): string {
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const hms = d.toISOString().slice(11, 19);
  return `${mon} ${day} ${hms} ${d.getUTCFullYear()} GMT`;
}

export function certDates(certPem: string): { notBefore: Date; notAfter: Date } {
  const c = new x509.X509Certificate(certPem);
  return { notBefore: c.notBefore, notAfter: c.notAfter };
}
