// The SSL API's routes, relative to {base}/api/ssl/v1 (v2 and /private/ are the same table).
// Each route names its operation: the name is the counter in /__lab/state and the failNext key.
import type { CollectFile } from './formats.js';
import type { ScmCertificates } from './certificates.js';
import type { Json } from './requests.js';

export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'file'; file: CollectFile }
  | { kind: 'empty'; status: number; headers?: Record<string, string> };

export interface RouteInput {
  params: string[];
  query: URLSearchParams;
  body: Json | undefined;
  login: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'HEAD';
  path: RegExp;
  operation: string;
  run(certs: ScmCertificates, input: RouteInput): Promise<Reply> | Reply;
}

const json = (body: unknown, status = 200): Reply => ({ kind: 'json', status, body });
const noContent: Reply = { kind: 'empty', status: 204 };
const id = (s: string | undefined) => Number(s);
const SSL_ID = '(\\d{1,10})';

export const ROUTES: Route[] = [
  {
    method: 'GET',
    path: /^$/,
    operation: 'list',
    run: (c, { query }) => {
      const { items, total } = c.list(query);
      return { kind: 'json', status: 200, body: items, headers: { 'X-Total-Count': String(total) } };
    },
  },
  {
    method: 'HEAD',
    path: /^$/,
    operation: 'count',
    run: (c, { query }) => {
      const q = new URLSearchParams(query);
      q.delete('size');
      q.delete('position');
      return { kind: 'empty', status: 200, headers: { 'X-Total-Count': String(c.list(q).total) } };
    },
  },
  { method: 'GET', path: /^\/types$/, operation: 'types', run: (c, { query }) => json(c.types(query.get('organizationId'))) },
  { method: 'GET', path: /^\/customFields$/, operation: 'customFields', run: (c) => json(c.customFields()) },
  { method: 'POST', path: /^\/enroll$/, operation: 'enroll', run: async (c, i) => json(await c.enroll(i.body, i.login)) },
  {
    method: 'GET',
    path: new RegExp(`^/collect/${SSL_ID}$`),
    operation: 'collect',
    run: async (c, i) => ({ kind: 'file', file: await c.collect(id(i.params[0]), i.query.get('format')) }),
  },
  {
    method: 'GET',
    path: new RegExp(`^/collect/${SSL_ID}/([^/]+)$`),
    operation: 'collect',
    run: async (c, i) => ({ kind: 'file', file: await c.collect(id(i.params[0]), i.params[1]) }),
  },
  {
    method: 'POST',
    path: new RegExp(`^/renewById/${SSL_ID}$`),
    operation: 'renewById',
    run: async (c, i) => json(await c.renewById(id(i.params[0]), i.body)),
  },
  {
    method: 'POST',
    path: /^\/renew\/([^/]{1,64})$/,
    operation: 'renew',
    run: async (c, i) => {
      await c.renewByRenewId(i.params[0]!, i.body);
      return noContent;
    },
  },
  {
    method: 'POST',
    path: /^\/revoke\/serial\/([^/]+)$/,
    operation: 'revoke',
    run: (c, i) => {
      c.revokeBySerial(i.params[0]!, i.body);
      return noContent;
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^/revoke/${SSL_ID}$`),
    operation: 'revoke',
    run: (c, i) => {
      c.revoke(id(i.params[0]), i.body);
      return noContent;
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^/replace/${SSL_ID}$`),
    operation: 'replace',
    run: async (c, i) => {
      await c.replace(id(i.params[0]), i.body);
      return noContent;
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^/approve/${SSL_ID}$`),
    operation: 'approve',
    run: async (c, i) => {
      await c.approve(id(i.params[0]), i.body);
      return noContent;
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^/decline/${SSL_ID}$`),
    operation: 'decline',
    run: (c, i) => {
      c.decline(id(i.params[0]), i.body);
      return noContent;
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/${SSL_ID}$`),
    operation: 'details',
    run: (c, i) => json(c.details(id(i.params[0]), i.query.get('dateFormat'))),
  },
];
