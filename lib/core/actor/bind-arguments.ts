import { BrokerError } from '../errors/broker-error.js';

/**
 * How Python keyword arguments reach a TypeScript method: by parameter name, as in Python.
 * `add.send(1, y=2)` calls `add(x, y)` with x=1, y=2. Parameter names are read once from the
 * function's source; destructured or rest parameters cannot take keywords.
 */
export class ActorArgumentsError extends BrokerError {
  constructor(actorName: string, detail: string) {
    super('ACTOR_ARGUMENTS', `Cannot call actor "${actorName}" with these arguments: ${detail}.`);
  }
}

const PARAMS_RE = /^[^(]*\(([^)]*)\)/;

/** Parameter names of a function; null for parameters that have no plain name. */
export function parameterNames(fn: (...args: never[]) => unknown): Array<string | null> {
  const source = Function.prototype.toString.call(fn).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const match = PARAMS_RE.exec(source);
  if (!match) return [];
  const names: Array<string | null> = [];
  let depth = 0;
  let current = '';
  for (const ch of match[1]) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      names.push(plainName(current));
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) names.push(plainName(current));
  return names;
}

function plainName(param: string): string | null {
  const name = param.split('=')[0].trim();
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : null;
}

/** Positional arguments for the call: args first, then each kwarg in its parameter's slot. */
export function bindArguments(
  actorName: string,
  names: ReadonlyArray<string | null>,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): unknown[] {
  const keys = Object.keys(kwargs);
  if (keys.length === 0) return [...args];
  const bound: unknown[] = [...args];
  for (const key of keys) {
    const index = names.indexOf(key);
    if (index < 0) throw new ActorArgumentsError(actorName, `unexpected keyword argument '${key}'`);
    if (index < args.length) throw new ActorArgumentsError(actorName, `got multiple values for argument '${key}'`);
    bound[index] = kwargs[key];
  }
  return bound;
}
