// The OpenTelemetry setup the observability variants run under (ours@observability=on|tracing,
// raw@tracing=sdk): a real SDK as an instrumented app has it (BasicTracerProvider with a
// BatchSpanProcessor, AsyncLocalStorage context manager, W3C propagator, the default sampler, so
// every span is recorded) whose exporter drops the spans. Only the network is missing.
export async function installTracingSdk() {
  const api = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const dropAll = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined };
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  return api;
}
