import { createMessage, type DramatiqMessage } from '../message/message.js';
import { Barrier } from '../rate-limits/barrier.js';
import type { RateLimiterBackend } from '../rate-limits/rate-limiter-backend.js';
import type { MessageContext, Middleware } from './middleware.js';

/** Dramatiq's GroupCallbacks barrier TTL: one day, in ms. */
export const DEFAULT_GROUP_BARRIER_TTL = 86_400_000;

export interface GroupCallbacksOptions {
  /** How long a group's barrier lives, in ms, renewed by each completion. Default one day. */
  barrierTtl?: number;
}

/**
 * Dramatiq's GroupCallbacks: a group member (or a pipeline's last step) that succeeds arrives at
 * the barrier named by its group_completion_uuid option; the last arrival sends every message
 * of group_completion_callbacks. A member that fails never arrives, so the callbacks never run.
 * Group.run creates the barrier through the same middleware (its backend and TTL).
 */
export class GroupCallbacks implements Middleware {
  readonly name = 'GroupCallbacks';
  readonly barrierTtl: number;

  constructor(
    readonly backend: RateLimiterBackend,
    options: GroupCallbacksOptions = {},
  ) {
    this.barrierTtl = options.barrierTtl ?? DEFAULT_GROUP_BARRIER_TTL;
    if (!Number.isInteger(this.barrierTtl) || this.barrierTtl < 1) {
      throw new RangeError(`GroupCallbacks barrierTtl must be an integer >= 1 (ms), got ${options.barrierTtl}`);
    }
  }

  /** The barrier of a group run. */
  barrier(completionUuid: string): Barrier {
    return new Barrier(this.backend, completionUuid, this.barrierTtl);
  }

  /** Not async: a message that is no group member (most of them) costs no promise. */
  afterProcess(ctx: MessageContext): Promise<void> | void {
    if (ctx.error !== undefined || ctx.failure !== undefined) return;
    const { group_completion_uuid: uuid, group_completion_callbacks: callbacks } = ctx.message.options;
    if (typeof uuid !== 'string' || uuid === '' || !Array.isArray(callbacks) || callbacks.length === 0) return;
    return this.arrive(ctx, uuid, callbacks as DramatiqMessage[]);
  }

  private async arrive(ctx: MessageContext, uuid: string, callbacks: DramatiqMessage[]): Promise<void> {
    if (!(await this.barrier(uuid).arrive())) return;
    for (const callback of callbacks) {
      // Rebuilt field by field, as Python's Message(**dict): a stray key is not passed on.
      await ctx.host.enqueue(
        createMessage({
          queueName: callback.queue_name,
          actorName: callback.actor_name,
          args: callback.args,
          kwargs: callback.kwargs,
          options: callback.options,
          messageId: callback.message_id,
          timestamp: callback.message_timestamp,
        }),
      );
    }
  }
}
