/**
 * A real Nest app with `metrics: { path: '/metrics' }`, scraped over HTTP after real RabbitMQ
 * traffic: Dramatiq's metric names, types, labels and buckets, a failure, a retry and a
 * dead-letter counted; the same outcomes reach @OnBrokerEvent() methods and @nestjs/event-emitter.
 */
import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Actor, BrokerModule, OnBrokerEvent, TaskQueue } from '../../../lib/index.js';
import type { MessageDeadLetteredEvent, MessageFailedEvent, MessageRetriedEvent } from '../../../lib/index.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { uniqueName } from '../../support/broker-fixtures.js';
import { waitFor } from '../../support/wait.js';
import { nestAppsClosedAfterEach, quietLogger } from '../../support/nest-apps.js';

const quiet = quietLogger;
const apps = nestAppsClosedAfterEach();

const QUEUE = uniqueName('metrics');
let flakyCalls = 0;

@Injectable()
class Jobs {
  @Actor({ queueName: QUEUE, actorName: 'ok_job' })
  ok(): string {
    return 'ok';
  }

  @Actor({ queueName: QUEUE, actorName: 'flaky_job' })
  flaky(): string {
    flakyCalls += 1;
    if (flakyCalls === 1) throw new Error('first attempt fails');
    return 'ok';
  }

  @Actor({ queueName: QUEUE, actorName: 'doomed_job', maxRetries: 0 })
  doomed(): void {
    throw new Error('always fails');
  }
}

@Injectable()
class Watcher {
  readonly seen: string[] = [];
  readonly bridged: string[] = [];

  @OnBrokerEvent('succeeded')
  onSucceeded(e: { actorName: string }): void {
    this.seen.push(`succeeded:${e.actorName}`);
  }

  @OnBrokerEvent('failed')
  onFailed(e: MessageFailedEvent): void {
    this.seen.push(`failed:${e.actorName}:${e.retried ? 'retried' : 'not-retried'}`);
  }

  @OnBrokerEvent('retried')
  onRetried(e: MessageRetriedEvent): void {
    this.seen.push(`retried:${e.actorName}:${e.retries}`);
  }

  @OnBrokerEvent('deadLettered')
  onDeadLettered(e: MessageDeadLetteredEvent): void {
    this.seen.push(`deadLettered:${e.actorName}`);
  }

  @OnEvent('dramatiq.deadLettered')
  onBridged(e: MessageDeadLetteredEvent): void {
    this.bridged.push(`deadLettered:${e.actorName}`);
  }
}

/** The value of one sample line, e.g. metric('dramatiq_messages_total', { actor_name: 'ok_job' }). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const inside = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    const found = Object.fromEntries([...inside.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('Prometheus metrics in a Nest app', () => {
  it('serves Dramatiq-named metrics at /metrics after real traffic, failure and retry counted', async () => {
    const registry = new Registry();
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        BrokerModule.forRoot({
          strategy: 'shared',
          logger: quiet,
          middleware: defaultMiddleware({ retries: { minBackoff: 50, maxBackoff: 200 } }),
          metrics: { registry, path: '/metrics' },
          eventEmitter: true,
        }),
      ],
      providers: [Jobs, Watcher],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;

    const tasks = app.get(TaskQueue);
    await tasks.send(Jobs, 'ok');
    await tasks.send(Jobs, 'flaky');
    await tasks.send(Jobs, 'doomed');
    const watcher = app.get(Watcher);
    await waitFor(
      () => watcher.seen.includes('succeeded:flaky_job') && watcher.seen.includes('deadLettered:doomed_job'),
      {
        timeoutMs: 15_000,
        message: 'flaky retried and succeeded, doomed dead-lettered',
      },
    );

    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();

    // Dramatiq's types.
    for (const [name, type] of [
      ['dramatiq_messages_total', 'counter'],
      ['dramatiq_message_errors_total', 'counter'],
      ['dramatiq_message_retries_total', 'counter'],
      ['dramatiq_message_rejects_total', 'counter'],
      ['dramatiq_messages_inprogress', 'gauge'],
      ['dramatiq_delayed_messages_inprogress', 'gauge'],
      ['dramatiq_message_duration_milliseconds', 'histogram'],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}`);
    }
    const q = { queue_name: QUEUE };
    expect(sample(text, 'dramatiq_messages_total', { ...q, actor_name: 'ok_job' })).toBe(1);
    expect(sample(text, 'dramatiq_messages_total', { ...q, actor_name: 'flaky_job' })).toBe(2);
    expect(sample(text, 'dramatiq_messages_total', { ...q, actor_name: 'doomed_job' })).toBe(1);
    expect(sample(text, 'dramatiq_message_errors_total', { ...q, actor_name: 'flaky_job' })).toBe(1);
    expect(sample(text, 'dramatiq_message_errors_total', { ...q, actor_name: 'doomed_job' })).toBe(1);
    expect(sample(text, 'dramatiq_message_errors_total', { ...q, actor_name: 'ok_job' })).toBeUndefined();
    expect(sample(text, 'dramatiq_message_retries_total', { ...q, actor_name: 'flaky_job' })).toBe(1);
    expect(sample(text, 'dramatiq_message_rejects_total', { ...q, actor_name: 'doomed_job' })).toBe(1);
    expect(sample(text, 'dramatiq_messages_inprogress', { ...q, actor_name: 'flaky_job' })).toBe(0);
    // The retry waited in this worker's memory for its eta, then left it.
    expect(sample(text, 'dramatiq_delayed_messages_inprogress', { ...q, actor_name: 'flaky_job' })).toBe(0);
    // Dramatiq's buckets, in ms.
    const les = [
      ...text.matchAll(
        /dramatiq_message_duration_milliseconds_bucket\{le="([^"]+)",queue_name="[^"]+",actor_name="ok_job"\}/g,
      ),
    ].map((m) => m[1]);
    expect(les).toEqual([
      '5',
      '10',
      '25',
      '50',
      '75',
      '100',
      '250',
      '500',
      '750',
      '1000',
      '2500',
      '5000',
      '7500',
      '10000',
      '30000',
      '60000',
      '600000',
      '900000',
      '+Inf',
    ]);
    expect(sample(text, 'dramatiq_message_duration_milliseconds_count', { ...q, actor_name: 'flaky_job' })).toBe(2);

    // Ours: sends confirmed (3 sends, the retry to q.DQ and its move to q), connection state, publish slots.
    expect(sample(text, 'nestjs_dramatiq_publishes_total', q)).toBe(5);
    expect(sample(text, 'nestjs_dramatiq_publish_confirm_seconds_count', q)).toBe(5);
    expect(sample(text, 'nestjs_dramatiq_connections', { role: 'shared', state: 'connected' })).toBe(1);
    expect(sample(text, 'nestjs_dramatiq_pool_limit', { role: 'producer', unit: 'channels' })).toBeGreaterThan(0);
    expect(sample(text, 'nestjs_dramatiq_publishes_in_flight', {})).toBe(0);

    // The same outcomes as events.
    expect(watcher.seen).toEqual(
      expect.arrayContaining([
        'succeeded:ok_job',
        'failed:flaky_job:retried',
        'retried:flaky_job:1',
        'succeeded:flaky_job',
        'failed:doomed_job:not-retried',
        'deadLettered:doomed_job',
      ]),
    );
    expect(watcher.bridged).toEqual(['deadLettered:doomed_job']);
  });
});
