import { randomUUID } from 'node:crypto';
import type { DramatiqMessage } from '../message/message.js';
import { GroupCallbacks } from '../middleware/group-callbacks.js';
import type { GetResultOptions, TypedMessage } from '../results/get-result.js';
import { sharedDeadline } from './deadline.js';
import { Pipeline, type ResultOfStep } from './pipeline.js';
import type { RunOptions, WorkflowBroker } from './workflow-broker.js';
import { GroupCallbacksNotConfiguredError } from './workflows.errors.js';

/** A member of a group: a message or a pipeline (its result is its last step's). */
export type GroupMember<R = unknown> = TypedMessage<R> | Pipeline<R>;

/** The result types of members `M`, in order. */
export type ResultsOf<M extends readonly unknown[]> = { -readonly [I in keyof M]: ResultOfStep<M[I]> };

/**
 * Dramatiq's group: members run in parallel. Completion callbacks (messages sent once every
 * member succeeded) need the GroupCallbacks middleware: run() creates a barrier for the members
 * under a new uuid and marks each member (a pipeline's last step) with group_completion_uuid and
 * group_completion_callbacks; the worker that finishes the last member sends the callbacks.
 */
export class Group<Rs extends readonly unknown[] = unknown[]> {
  readonly members: readonly GroupMember[];
  /** Messages sent when every member completed, as Dramatiq writes them (dicts of messages). */
  readonly completionCallbacks: DramatiqMessage[] = [];
  private lastCompletionUuid: string | undefined;

  constructor(
    private readonly broker: WorkflowBroker,
    members: readonly GroupMember[],
  ) {
    for (const member of members) {
      if (!(member instanceof Pipeline) && typeof (member as Partial<DramatiqMessage>)?.message_id !== 'string') {
        throw new TypeError('a group member must be a message or a pipeline (groups of groups are not supported)');
      }
    }
    this.members = [...members];
  }

  get length(): number {
    return this.members.length;
  }

  /** The barrier key of the last run with callbacks (a new uuid on every run); undefined before. */
  get completionUuid(): string | undefined {
    return this.lastCompletionUuid;
  }

  /** Adds a message to send once every member has completed (Dramatiq's add_completion_callback). */
  addCompletionCallback(message: DramatiqMessage): this {
    this.completionCallbacks.push({ ...message, options: { ...message.options } });
    return this;
  }

  /** Sends every member (each with `delay` ms, if given). Resolves with this group once RabbitMQ confirmed them. */
  async run(options: RunOptions = {}): Promise<this> {
    const members = this.completionCallbacks.length > 0 ? await this.markedForCompletion() : this.members;
    await Promise.all(
      members.map((member) =>
        member instanceof Pipeline ? member.run(options) : this.broker.enqueue(member, { delay: options.delay }),
      ),
    );
    return this;
  }

  /** The results of every member, in order, within one shared timeout (default 10 s with block). */
  async getResults(options: GetResultOptions = {}): Promise<Rs> {
    const remaining = sharedDeadline(options);
    const results: unknown[] = [];
    for (const member of this.members) {
      results.push(
        member instanceof Pipeline
          ? await member.getResult(remaining())
          : await this.broker.getResult(member, remaining()),
      );
    }
    return results as unknown as Rs;
  }

  /** Waits until every member has a result: ResultTimeoutError after `timeout` ms (default 10000), ResultFailureError if one failed. */
  async wait(options: { timeout?: number } = {}): Promise<void> {
    await this.getResults({ block: true, timeout: options.timeout });
  }

  /** Creates this run's barrier, then the members carrying its uuid and the callbacks. */
  private async markedForCompletion(): Promise<GroupMember[]> {
    const groupCallbacks = this.broker.middleware.find((m): m is GroupCallbacks => m instanceof GroupCallbacks);
    if (groupCallbacks === undefined) throw new GroupCallbacksNotConfiguredError();
    // A new barrier per run: reusing one would count the arrivals of an earlier run.
    const uuid = randomUUID();
    await groupCallbacks.barrier(uuid).create(this.members.length);
    this.lastCompletionUuid = uuid;
    const marks = { group_completion_uuid: uuid, group_completion_callbacks: this.completionCallbacks };
    return this.members.map((member) =>
      member instanceof Pipeline
        ? member.withLastStepOptions(marks)
        : { ...member, options: { ...member.options, ...marks } },
    );
  }
}
