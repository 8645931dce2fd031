import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEAP_GROWING_PERCENT, SMALL_HEAP_GROWING_PERCENT, SMALL_LIVE_BYTES, heapGrowingPercentFor } from '../../src/engine/heap-growth.js';

describe('heap growth factor of a fleet run', () => {
  it('lets a small heap double before a full collection and holds a large one to 1.25', () => {
    assert.equal(heapGrowingPercentFor(30 * 2 ** 20), SMALL_HEAP_GROWING_PERCENT);
    assert.equal(SMALL_HEAP_GROWING_PERCENT, 100);
    assert.equal(heapGrowingPercentFor(SMALL_LIVE_BYTES + 1), HEAP_GROWING_PERCENT);
    assert.equal(HEAP_GROWING_PERCENT, 25);
  });
});
