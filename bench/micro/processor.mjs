// CPU cost per message of the processing pipeline alone (MessageProcessor + default middleware),
// no RabbitMQ: a no-op actor, ~1 KB args, a fixed number of messages in flight, as a worker does.
//
//   node bench/micro/processor.mjs [--lib DIR] [--messages N] [--inflight N] [--rounds N]
//   node bench/micro/processor.mjs --timers   (TimeLimit's choice: a timer per run vs a shared deadline list)
//
// DIR is a compiled ESM build of lib/ (default: dist/esm, from `npx tsc -p tsconfig.build.json`).
// Prints µs of CPU (user+system) per message and messages/s, median of the rounds, for the
// default stack and for the default stack plus CurrentMessage (opt-in). Each variant runs in its own
// process: once an AsyncLocalStorage has run, Node keeps its promise hooks on for good, so a
// variant measured after CurrentMessage ran in the same process would pay for it too.
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    lib: { type: 'string', default: resolve(root, 'dist', 'esm') },
    messages: { type: 'string', default: '200000' },
    inflight: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    variant: { type: 'string' },
    timers: { type: 'boolean', default: false },
  },
});
const libDir = resolve(values.lib);
const N = Number(values.messages);
const INFLIGHT = Number(values.inflight);
const ROUNDS = Number(values.rounds);
const noop = () => undefined;

if (values.timers) {
  timerComparison();
  process.exit(0);
}

const load = (path) => import(pathToFileURL(resolve(libDir, path)).href);
const { MessageProcessor } = await load('core/worker/message-processor.js');
const { defaultMiddleware } = await load('core/middleware/default-middleware.js');
const { CurrentMessage } = await load('core/middleware/current-message.js');
const { ActorDefinition } = await load('core/actor/actor-definition.js');
const { createMessage } = await load('core/message/message.js');

const host = {
  logger: { log: noop, warn: noop, error: noop, debug: noop },
  defaultQueueName: 'default',
  getActor: () => undefined,
  enqueue: async (message) => message,
};
let seen = 0;
const actor = new ActorDefinition('bench_actor', 'bench', {}, (payload) => {
  seen += payload.i;
});
const message = createMessage({
  queueName: 'bench',
  actorName: 'bench_actor',
  args: [{ t: 1, i: 1, pad: 'x'.repeat(980) }],
});

// The worker's shutdown signal, as QueueConsumer passes it (never aborted here).
const worker = new AbortController();
setMaxListeners(0, worker.signal);

function runBatch(processor, count) {
  return new Promise((resolveAll, rejectAll) => {
    let started = 0;
    let finished = 0;
    const onOutcome = (outcome) => {
      if (outcome.kind !== 'ack') {
        rejectAll(new Error(`unexpected outcome ${JSON.stringify(outcome)}`));
        return;
      }
      finished += 1;
      if (started < count) startOne();
      else if (finished === count) resolveAll();
    };
    const startOne = () => {
      started += 1;
      processor.process(message, actor, worker.signal).then(onOutcome, rejectAll);
    };
    for (let i = 0; i < Math.min(INFLIGHT, count); i++) startOne();
  });
}

async function measure(label, stack) {
  const processor = new MessageProcessor(() => stack, host);
  await runBatch(processor, Math.min(N, 50_000)); // warm-up (JIT)
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    globalThis.gc?.();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await runBatch(processor, N);
    const wallNs = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    rounds.push({ usPerMsg: (cpu.user + cpu.system) / N, msgPerSec: N / (wallNs / 1e9) });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const us = median(rounds.map((r) => r.usPerMsg));
  const best = Math.min(...rounds.map((r) => r.usPerMsg));
  const rate = median(rounds.map((r) => r.msgPerSec));
  // The minimum is printed too: on a shared machine it is the figure least disturbed by others.
  console.log(
    `${label.padEnd(24)} median ${us.toFixed(2).padStart(5)} µs/msg (min ${best.toFixed(2)})  ${Math.round(rate).toLocaleString('en-US').padStart(9)} msg/s` +
      `   (rounds: ${rounds.map((r) => r.usPerMsg.toFixed(2)).join(', ')})`,
  );
}

if (values.variant === undefined) {
  console.log(
    `lib: ${libDir}\n${N.toLocaleString('en-US')} messages x ${ROUNDS} rounds, ${INFLIGHT} in flight, node ${process.version}`,
  );
  for (const variant of ['default', 'with-current-message']) {
    const args = [
      ...process.execArgv,
      '--expose-gc',
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
      '--variant',
      variant,
    ];
    process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8' }));
  }
} else if (values.variant === 'default') {
  await measure('default stack', defaultMiddleware());
} else {
  await measure('default + CurrentMessage', [...defaultMiddleware(), new CurrentMessage()]);
}
if (values.variant !== undefined && seen === 0) throw new Error('the actor never ran');

/**
 * ns per run of arming and clearing a run's time limit, INFLIGHT runs outstanding, with an
 * AsyncLocalStorage active (as CurrentMessage makes it): setTimeout + clearTimeout per run, against
 * a doubly linked list of deadlines sharing one timer (the design TimeLimit could use instead).
 */
function timerComparison() {
  new AsyncLocalStorage().run(1, () => undefined);
  const limit = 600_000;
  const list = {
    head: undefined,
    tail: undefined,
    timer: undefined,
    add(ctx) {
      const entry = { deadline: performance.now() + limit, ctx, prev: this.tail, next: undefined };
      if (this.tail) this.tail.next = entry;
      else this.head = entry;
      this.tail = entry;
      this.timer ??= setTimeout(noop, limit);
      return entry;
    },
    remove(entry) {
      if (entry.prev) entry.prev.next = entry.next;
      else this.head = entry.next;
      if (entry.next) entry.next.prev = entry.prev;
      else this.tail = entry.prev;
      if (this.head === undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    },
  };
  const modes = {
    'setTimeout per run': { arm: () => setTimeout(noop, limit), disarm: (t) => clearTimeout(t) },
    'shared deadline list': { arm: (i) => list.add(i), disarm: (e) => list.remove(e) },
  };
  const runs = 1_000_000;
  for (const [label, { arm, disarm }] of Object.entries(modes)) {
    const once = () => {
      const slots = new Array(INFLIGHT);
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < runs; i++) {
        const k = i % INFLIGHT;
        if (slots[k] !== undefined) disarm(slots[k]);
        slots[k] = arm(i);
      }
      for (const slot of slots) disarm(slot);
      const cpu = process.cpuUsage(cpu0);
      return ((cpu.user + cpu.system) * 1000) / runs;
    };
    once();
    const ns = Array.from({ length: 7 }, once).sort((a, b) => a - b);
    console.log(`${label.padEnd(22)} median ${ns[3].toFixed(0)} ns/run (min ${ns[0].toFixed(0)})`);
  }
}
