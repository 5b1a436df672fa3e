/**
 * The @opentelemetry/api shapes that public declarations mention, declared here rather than
 * imported: @opentelemetry/api is an optional peer, and a TypeScript app without it must still
 * compile against this package's types. The real objects fit; inside, the code uses the real
 * types (tracing-api.ts).
 */

/** An OpenTelemetry `TracerProvider` (the SDK's NodeTracerProvider, BasicTracerProvider...) fits. */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): object;
}

/** The @opentelemetry/api module itself (its namespace object, as `import * as api` gives it) fits. */
export interface OpenTelemetryApiLike {
  readonly trace: object;
  readonly context: object;
  readonly propagation: object;
  readonly ROOT_CONTEXT: object;
  readonly SpanKind: object;
  readonly SpanStatusCode: object;
  createTraceState(raw?: string): object;
}
