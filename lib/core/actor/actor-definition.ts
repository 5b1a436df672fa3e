import { assertValidName } from '../topology/naming.js';
import type { ActorOptions } from './actor-options.js';
import { bindArguments, parameterNames } from './bind-arguments.js';

export type ActorHandler = (...args: any[]) => unknown;

/** One actor: its wire name, its queue, its options and the function that does the work. */
export class ActorDefinition {
  readonly name: string;
  readonly queueName: string;
  private readonly parameters: ReadonlyArray<string | null>;

  constructor(
    name: string,
    queueName: string,
    readonly options: Readonly<ActorOptions>,
    private readonly handler: ActorHandler,
    /** Where parameter names are read from, when `handler` is a bound wrapper of it. */
    parameterSource: ActorHandler = handler,
  ) {
    assertValidName('actor', name);
    assertValidName('queue', queueName);
    this.name = name;
    this.queueName = queueName;
    this.parameters = parameterNames(parameterSource);
  }

  /** Runs the actor with the message's args and kwargs (kwargs matched by parameter name). */
  async invoke(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): Promise<unknown> {
    return this.handler(...bindArguments(this.name, this.parameters, args, kwargs));
  }
}
