// Minimal types for the parts of autocannon the benchmark uses (the package ships none).
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  }
  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    '4xx': number;
    '5xx': number;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      setupRequest?: (req: { path?: string; method?: string; body?: string }) => { path?: string; method?: string; body?: string };
    }[];
  }
  /** A running benchmark: awaitable for its result, and an emitter of per-request events. */
  interface Instance extends PromiseLike<Result> {
    on(event: 'reqError', listener: (err: NodeJS.ErrnoException) => void): this;
  }
  function autocannon(options: Options): Instance;
  export default autocannon;
}
