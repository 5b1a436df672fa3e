export type { RateLimiterBackend } from './rate-limiter-backend.js';
export { Barrier, DEFAULT_BARRIER_TTL } from './barrier.js';
export { RateLimiterBackendUnavailableError } from './rate-limits.errors.js';
export { MemoryRateLimiterBackend } from './backends/memory-rate-limiter-backend.js';
export { RedisRateLimiterBackend, type RedisRateLimiterBackendOptions } from './backends/redis-rate-limiter-backend.js';
