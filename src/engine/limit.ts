// The engine's semaphore lives in core/ (the HTTP client uses it too).
export { Limit } from '../core/limit.js';
