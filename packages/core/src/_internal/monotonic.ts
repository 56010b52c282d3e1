/**
 * Milliseconds on a monotonic clock, for the durations a run reports. `process.hrtime()` rather
 * than `performance.now()`: Node makes the global `performance` on first use by loading its
 * perf_hooks module (~2 ms, measured in a CPU profile of `wif apply`), and that first use fell
 * between two requests of a run, on its critical path (docs/performance.md).
 */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}
