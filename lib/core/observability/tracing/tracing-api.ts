/** Internal: the real @opentelemetry/api types; no public declaration may refer to this file. */
import type { ContextAPI, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { CarrierApi } from './trace-carrier.js';

/** The subset of @opentelemetry/api tracing uses. */
export interface TracingApi extends CarrierApi {
  readonly context: ContextAPI;
  readonly SpanKind: typeof SpanKind;
  readonly SpanStatusCode: typeof SpanStatusCode;
}
