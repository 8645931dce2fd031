// Request parameters of /api/: PAN-OS takes them from anywhere - query string, urlencoded body or
// multipart text fields (pan-python, pango and acme.sh each use a different mix; reference section 1).
// Uploaded files (import) come as multipart file parts, the one that matters is named "file".
import { ApiError, Code } from './envelope.js';

export interface UploadedFile {
  filename: string;
  data: Buffer;
}

export interface ApiParams {
  get(name: string): string | undefined;
  file(name: string): UploadedFile | undefined;
  names(): string[];
}

class MergedParams implements ApiParams {
  private readonly values = new Map<string, string>();
  private readonly files = new Map<string, UploadedFile>();

  /** First occurrence wins (the order is query, then body) *(inferred; no source covers duplicates)*. */
  add(name: string, value: string): void {
    if (!this.values.has(name)) this.values.set(name, value);
  }

  addFile(name: string, f: UploadedFile): void {
    if (!this.files.has(name)) this.files.set(name, f);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  file(name: string): UploadedFile | undefined {
    return this.files.get(name);
  }

  names(): string[] {
    return [...this.values.keys()];
  }
}

/**
 * The body up to and including its closing boundary line. RFC 2046 §5.1.1: text after the close
 * delimiter is an epilogue that receivers ignore; firewalls accept such bodies (a stray CR/LF or
 * more after `--boundary--`), while the parser used here would reject them.
 */
function withoutEpilogue(body: Buffer, contentType: string): Buffer {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return body;
  const close = Buffer.from(`--${boundary}--`);
  const at = body.lastIndexOf(close);
  if (at < 0) return body;
  return Buffer.concat([body.subarray(0, at + close.length), Buffer.from('\r\n')]);
}

export async function mergeParams(
  url: URL,
  contentType: string | undefined,
  body: Buffer,
  opts: { rejectQuotedBoundary: boolean },
): Promise<ApiParams> {
  const p = new MergedParams();
  for (const [k, v] of url.searchParams) p.add(k, v);
  const ct = (contentType ?? '').toLowerCase();
  if (body.length === 0) return p;
  if (ct.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) p.add(k, v);
  } else if (ct.startsWith('multipart/form-data')) {
    if (opts.rejectQuotedBoundary && /boundary="/i.test(contentType ?? '')) {
      throw new ApiError(Code.BAD_REQUEST, ['Malformed multipart request: quoted boundary']);
    }
    let form: FormData;
    try {
      form = await new Request('http://panos.invalid/', {
        method: 'POST',
        headers: { 'content-type': contentType! },
        body: withoutEpilogue(body, contentType!),
      }).formData();
    } catch {
      throw new ApiError(Code.BAD_REQUEST, ['Malformed multipart request']);
    }
    for (const [k, v] of form) {
      if (typeof v === 'string') p.add(k, v);
      else p.addFile(k, { filename: v.name, data: Buffer.from(await v.arrayBuffer()) });
    }
  }
  return p;
}
