// Webhook alerts: one JSON POST per change set. `text` makes it readable as is by Slack and Microsoft
// Teams incoming webhooks; `changes` carries the facts for anything that parses it.
import { errorMessage } from '../core/errors.js';
import type { WebhookEntry } from '../config/monitoring.js';
import { HttpClient } from '../http/client.js';
import { alertText, type LevelChange } from './changes.js';

export function webhookBody(changes: LevelChange[], at: string): Record<string, unknown> {
  return {
    text: alertText(changes),
    source: 'fwcert',
    at,
    changes: changes.map((c) => ({ key: c.key, from: c.from, to: c.to, ...c.row })),
  };
}

export async function sendWebhook(hook: WebhookEntry, body: Record<string, unknown>): Promise<void> {
  const url = new URL(hook.url);
  const client = new HttpClient({ baseUrl: url.origin, tls: { caPem: hook.caPem }, name: `webhook ${url.host}`, timeoutMs: hook.timeoutMs, retries: 2 });
  try {
    const res = await client.request({
      method: 'POST', path: `${url.pathname}${url.search}`, json: body, retry: true,
      headers: hook.secretHeader && hook.secret ? { [hook.secretHeader]: hook.secret } : undefined,
    });
    if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}: ${res.text().slice(0, 200)}`);
  } catch (e) {
    throw new Error(`webhook at ${url.host}: ${errorMessage(e)}`);
  } finally {
    await client.close();
  }
}
