import { describe, expect, it } from '@jest/globals';
import type { MessageContext } from '../../../lib/core/middleware/middleware.js';
import { RunningContexts } from '../../../lib/core/worker/running-contexts.js';

const ctx = (name: string) => ({ name }) as unknown as MessageContext;
const names = (runs: RunningContexts) => runs.contexts().map((c) => (c as unknown as { name: string }).name);

describe('RunningContexts', () => {
  it('lists the runs in the order they started; removing the first, a middle one and the last keeps the rest in order', () => {
    const runs = new RunningContexts();
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((n) => runs.add(ctx(n)));
    expect(names(runs)).toEqual(['a', 'b', 'c', 'd', 'e']);
    runs.remove(a!);
    runs.remove(c!);
    runs.remove(e!);
    expect(names(runs)).toEqual(['b', 'd']);
    runs.add(ctx('f'));
    expect(names(runs)).toEqual(['b', 'd', 'f']);
    runs.remove(b!);
    runs.remove(d!);
    expect(names(runs)).toEqual(['f']);
  });

  it('a second remove of the same entry changes nothing, and a removed entry keeps no references', () => {
    const runs = new RunningContexts();
    const a = runs.add(ctx('a'));
    runs.add(ctx('b'));
    runs.remove(a);
    runs.remove(a);
    expect(names(runs)).toEqual(['b']);
    expect([a.ctx, a.prev, a.next]).toEqual([undefined, undefined, undefined]);
  });

  it('contexts() is a copy: ending runs while going through it does not cut the walk short', () => {
    const runs = new RunningContexts();
    const entries = ['a', 'b', 'c'].map((n) => runs.add(ctx(n)));
    const seen: string[] = [];
    for (const c of runs.contexts()) {
      seen.push((c as unknown as { name: string }).name);
      for (const e of entries) runs.remove(e); // as if aborting one ended them all at once
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(runs.contexts()).toEqual([]);
    runs.add(ctx('z')); // head and tail were reset with the last one
    expect(names(runs)).toEqual(['z']);
  });
});
