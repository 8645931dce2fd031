// Reading files an operator names: only regular files, only up to a size cap. /dev/zero, a FIFO or
// a directory given as a config, profile, credentials or passphrase path must fail at once with a
// clear message, not read until memory is gone or block forever.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** What kind of file this is, for messages ("a directory", "a FIFO" ...). */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The file's bytes; throws an Error whose message says what is wrong ("does not exist", "is a FIFO
 * (named pipe), not a regular file", "is larger than 1 MiB"). Opened non-blocking, so a FIFO with no
 * writer cannot hang the open; checked on the open descriptor, so nothing can swap it in between.
 */
export function readRegularFile(path: string, maxBytes = MAX_CONFIG_FILE_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`is ${fileKind(st)}, not a regular file`);
    const limit = `${maxBytes >= 1024 * 1024 ? `${maxBytes / (1024 * 1024)} MiB` : `${maxBytes} bytes`}`;
    if (st.size > maxBytes) throw new Error(`is larger than ${limit} (${st.size} bytes)`);
    // Read at most one byte past the cap, in case the file grows while we read it.
    const buf = Buffer.alloc(maxBytes + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
      if (got > maxBytes) throw new Error(`is larger than ${limit}`);
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
