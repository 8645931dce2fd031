// How far V8 lets the heap grow past the live data before a full collection, for a fleet run.
// A run's garbage is mostly HTTP exchanges, parsed answers and certificates that wait on the network
// long enough to outlive the young generation, so they die in the old one. V8 picks the old
// generation's next limit as live data × a factor it chooses between 1.1 and 4 from its GC and
// allocation speeds; in a 2,000-certificate bench run it chose the top: 60-75 MB live, heap 243 MB,
// peak RSS 372 MiB. A fixed factor of 1.5 (--heap-growing-percent=50) held the same run to 239 MiB
// for about 3 % more CPU (the bench's figures are in the README). It is not a limit: the heap still
// grows with the live data, so no fleet can run out of heap because of it.
// V8 reads the flag each time it sets a new limit, so setting it at run time takes effect (checked
// with the bench); an operator's own --heap-growing-percent on node's command line wins.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

let set = false;

export function boundHeapGrowth(): void {
  if (set || process.execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  set = true;
}
