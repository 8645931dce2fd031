// Email alerts through SMTP (nodemailer): implicit TLS, STARTTLS (required) or plain for a local relay;
// login from the credentials file. The server certificate is verified (system roots or tls.ca_file).
import { isIP } from 'node:net';
import type { EmailEntry } from '../config/monitoring.js';
import { alertText, summaryLine, type LevelChange } from './changes.js';

export async function sendEmail(e: EmailEntry, changes: LevelChange[]): Promise<void> {
  // Loaded when a mail is due: most runs send none, and nodemailer is a large module to load.
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: e.host,
    port: e.port,
    secure: e.security === 'tls',
    requireTLS: e.security === 'starttls',
    ignoreTLS: e.security === 'none',
    auth: e.username ? { user: e.username, pass: e.password ?? '' } : undefined,
    tls: { ca: e.caPem, rejectUnauthorized: true, ...(isIP(e.host) ? {} : { servername: e.host }) },
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 30_000,
  });
  try {
    await transport.sendMail({ from: e.from, to: e.to, subject: `${e.subjectPrefix} ${summaryLine(changes).replace(/^fwcert: /, '')}`, text: alertText(changes) });
  } finally {
    transport.close();
  }
}
