// The FMC configuration API of one domain: paths below /api/fmc_config/v1/domain/{uuid}/ on the shared session.
import type { RequestOptions } from '../../http/client.js';
import type { CallOptions, FmcSession } from './session.js';

export class FmcApi {
  constructor(private readonly session: FmcSession, readonly fmc: string, readonly domainUuid: string) {}

  private path(rel: string): string {
    return `api/fmc_config/v1/domain/${this.domainUuid}/${rel.replace(/^\/+/, '')}`;
  }

  call<T>(method: RequestOptions['method'], rel: string, opts: CallOptions = {}): Promise<T | undefined> {
    return this.session.call<T>(method, this.path(rel), opts);
  }

  all<T>(rel: string, query: Record<string, string> = {}): Promise<T[]> {
    return this.session.all<T>(this.path(rel), query);
  }

  get username(): string {
    return this.session.username;
  }
}
