import type { DramatiqMessage, MessageOptions } from '../message/message.js';
import type { GetResultOptions, TypedMessage, TypedMessageRef } from '../results/get-result.js';
import { sharedDeadline } from './deadline.js';
import type { RunOptions, WorkflowBroker } from './workflow-broker.js';

/** A step of a pipeline: a message (typed by its actor's result) or a whole pipeline, flattened. */
export type PipelineStep<R = unknown> = TypedMessage<R> | Pipeline<R>;

/** The result type of a step: what its actor (or a pipeline's last step) returns. */
export type ResultOfStep<S> =
  S extends Pipeline<infer R> ? R : S extends TypedMessageRef<infer R> ? (unknown extends R ? unknown : R) : unknown;

/** The result type of the last of `S`. */
export type LastResult<S extends readonly unknown[]> = S extends readonly [...unknown[], infer L]
  ? ResultOfStep<L>
  : unknown;

/**
 * Dramatiq's pipeline: each step runs after the previous one succeeded, with its result
 * appended to the step's args (unless the step has the option pipe_ignore). The chain travels
 * in the messages: the first carries the second in options.pipe_target, which carries the
 * third, and so on; the worker side is the Pipelines middleware, here and in Python.
 *
 * Immutable: pipe() makes a new pipeline. Message ids are fixed when the steps are built, so
 * getResult works before, during and after run(); running a pipeline twice reuses them.
 */
export class Pipeline<R = unknown> {
  /** The steps in order, as given (without pipe_target). */
  readonly steps: readonly DramatiqMessage[];

  constructor(
    private readonly broker: WorkflowBroker,
    children: readonly PipelineStep[],
  ) {
    const steps: DramatiqMessage[] = [];
    for (const child of children) {
      if (child instanceof Pipeline) steps.push(...child.steps);
      else steps.push(copyStep(child));
    }
    if (steps.length === 0) throw new RangeError('a pipeline needs at least one step');
    this.steps = steps;
  }

  get length(): number {
    return this.steps.length;
  }

  /** A new pipeline with `step` added at the end (Dramatiq's `pipeline | message`). */
  pipe<N>(step: PipelineStep<N>): Pipeline<N> {
    return new Pipeline<N>(this.broker, [this, step]);
  }

  /** A copy whose last step has these options too (a group marks its members' ends so). */
  withLastStepOptions(options: MessageOptions): Pipeline<R> {
    const steps = [...this.steps];
    const last = steps[steps.length - 1];
    steps[steps.length - 1] = { ...last, options: { ...last.options, ...options } };
    return new Pipeline<R>(this.broker, steps);
  }

  /** The last step: the message whose result is the pipeline's. */
  get lastMessage(): TypedMessage<R> {
    return this.steps[this.steps.length - 1] as TypedMessage<R>;
  }

  /** The messages as they travel: each with the rest of the chain nested in pipe_target. */
  get messages(): DramatiqMessage[] {
    const chained: DramatiqMessage[] = [];
    let next: DramatiqMessage | undefined;
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i];
      next = next === undefined ? step : { ...step, options: { ...step.options, pipe_target: next } };
      chained[i] = next;
    }
    return chained;
  }

  /**
   * Sends the first message. `delay` (ms) or the first step's own delay option, the larger one,
   * as Dramatiq. Resolves with this pipeline once RabbitMQ confirmed.
   */
  async run(options: RunOptions = {}): Promise<this> {
    const first = this.messages[0];
    const own = typeof first.options.delay === 'number' ? first.options.delay : 0;
    const delay = Math.max(options.delay ?? 0, own) || undefined;
    await this.broker.enqueue(first, { delay });
    return this;
  }

  /** The result of the last step (getResult options; needs the last actor to store results). */
  getResult(options?: GetResultOptions): Promise<R> {
    return this.broker.getResult(this.lastMessage, options);
  }

  /** The result of every step, in order, within one shared timeout. */
  async getResults(options: GetResultOptions = {}): Promise<unknown[]> {
    const remaining = sharedDeadline(options);
    const results: unknown[] = [];
    for (const step of this.steps) results.push(await this.broker.getResult(step, remaining()));
    return results;
  }
}

/** Dramatiq copies each step (same id, options of its own), so building never changes the caller's message. */
function copyStep(message: DramatiqMessage): DramatiqMessage {
  return { ...message, options: { ...message.options } };
}
