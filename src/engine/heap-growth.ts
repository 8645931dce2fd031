// How far V8 lets the heap grow past the live data before a full collection, for a fleet run.
// A run's garbage is mostly HTTP exchanges, parsed answers and certificates that wait on the network
// long enough to outlive the young generation, so they die in the old one. V8 sets the old
// generation's next limit at the live data times a factor it picks between 1.1 and 4 from its GC and
// allocation speeds; in a 2,000-certificate bench run it went to the top (60-75 MB live, heap 243 MB,
// peak RSS 372 MiB). A fixed factor of 1.25 (--heap-growing-percent=25) held 5,000 certificates to
// 272 MiB (420 before this and the garbage fixes; 297 with 1.5) for about 1 % more CPU, and 500 to
// 205 MiB (198 with V8's own factor, which starts low on a small heap; 223 with 1.5); once a faster
// CPU path put more of the run in flight at once, 302-308 MiB at 5,000 (1.1: 291 MiB, but 30 % more
// CPU in GC). The bench's figures are in the README. It is not a limit: the heap still grows with the live data, so no fleet
// can run out of heap because of it.
// V8 reads the flag each time it sets a new limit, so setting it at run time takes effect (checked
// with the bench: the same figures as with the flag on node's command line); an operator's own
// --heap-growing-percent on node's command line wins.
// While the live data is small (a run of a few hundred certificates: 25-40 MB after a full
// collection), 1.25 made V8 collect the old generation about ten times in a 500-certificate bench run
// for a few MB each time; there the factor is 2 (one or two full collections), and 1.25 from the
// first full collection that leaves more than SMALL_LIVE_BYTES live. V8 uses a new factor from the
// limit it sets at the end of the next full collection, so a heap that grows past the threshold has
// one cycle at 2 while it is still small.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 25;
export const SMALL_HEAP_GROWING_PERCENT = 100;
export const SMALL_LIVE_BYTES = 48 * 2 ** 20;

let set = false;
let current = 0;

function use(percent: number): void {
  if (percent === current) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  current = percent;
}

/** The factor for the heap's live data (bytes in use right after a full collection). */
export function heapGrowingPercentFor(liveBytes: number): number {
  return liveBytes > SMALL_LIVE_BYTES ? HEAP_GROWING_PERCENT : SMALL_HEAP_GROWING_PERCENT;
}

export function boundHeapGrowth(): void {
  if (set || process.execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return;
  set = true;
  use(heapGrowingPercentFor(getHeapStatistics().used_heap_size));
  // Once large, the factor stays 1.25 (memory is what matters then).
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some((e) => ((e as { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) return;
    use(heapGrowingPercentFor(getHeapStatistics().used_heap_size));
    if (current === HEAP_GROWING_PERCENT) observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}
