/**
 * End-to-end test of the sample application (sample-app/): the real AppModule, over HTTP,
 * against the machine's RabbitMQ (127.0.0.1:5672) through a TCP proxy, so the test can take
 * the broker away. Once per connection strategy (BROKER_STRATEGY). Each run has queues of its
 * own (unique QUEUE_NAME), deleted at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { DramatiqBroker } from 'nestjs-dramatiq-broker';
import { AppModule } from '../../sample-app/app.module.js';
import { uniqueName } from '../support/broker-fixtures.js';
import { deleteQueuesWithPrefix } from '../support/rabbitmqctl.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

/** Keeps every log line (level, context, message) instead of printing it. */
class CapturingNestLogger implements LoggerService {
  readonly lines: string[] = [];
  private add(level: string, message: unknown, params: unknown[]): void {
    const context = params.length > 0 && typeof params[params.length - 1] === 'string' ? params[params.length - 1] : '';
    this.lines.push(`${level} [${String(context)}] ${message instanceof Error ? message.message : String(message)}`);
  }
  log(message: unknown, ...params: unknown[]) {
    this.add('LOG', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.add('WARN', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.add('ERROR', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.add('DEBUG', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.add('VERBOSE', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.add('FATAL', message, params);
  }
  find(text: string): string | undefined {
    return this.lines.find((l) => l.includes(text));
  }
  tail(n = 40): string {
    return this.lines.slice(-n).join('\n');
  }
}

const ENV_KEYS = ['AMQP_URL', 'QUEUE_NAME', 'ROLE', 'BROKER_STRATEGY', 'WORKER_CONCURRENCY'] as const;

interface Reply {
  status: number;
  body: any;
}

interface TaskAccepted {
  messageId: string;
  actor: string;
  queue: string;
  delayMs?: number;
}

describe.each(['shared', 'pooled'] as const)(
  'sample app (HTTP + worker + RabbitMQ), BROKER_STRATEGY=%s',
  (strategy) => {
    const QUEUE = uniqueName(`e2e-sample-${strategy}`);
    const savedEnv: Record<string, string | undefined> = {};
    const logs = new CapturingNestLogger();
    let proxy: TcpProxy | undefined;
    let app: INestApplication | undefined;
    let base = '';

    async function http(method: 'GET' | 'POST', path: string, body?: unknown, rawBody?: string): Promise<Reply> {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined && rawBody === undefined ? {} : { 'content-type': 'application/json' },
        body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed };
    }

    /** Bounded wait; on timeout the error shows the tail of the app's log. */
    async function waitWithLog(
      predicate: () => boolean | Promise<boolean>,
      what: string,
      timeoutMs = 15_000,
    ): Promise<void> {
      try {
        await waitFor(predicate, { timeoutMs, intervalMs: 100, message: what });
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- last log lines ---\n${logs.tail()}`, { cause: err });
      }
    }

    async function waitForLog(text: string, timeoutMs = 15_000): Promise<string> {
      await waitWithLog(
        () => logs.find(text) !== undefined,
        `a log line containing ${JSON.stringify(text)}`,
        timeoutMs,
      );
      return logs.find(text)!;
    }

    async function postTask(kind: string, body: unknown): Promise<TaskAccepted> {
      const reply = await http('POST', `/tasks/${kind}`, body);
      expect(reply).toMatchObject({ status: 202 });
      return reply.body;
    }

    beforeAll(async () => {
      proxy = await TcpProxy.start(5672);
      for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
      Object.assign(process.env, {
        AMQP_URL: proxy.amqpUrl(),
        QUEUE_NAME: QUEUE,
        ROLE: 'all',
        BROKER_STRATEGY: strategy,
        WORKER_CONCURRENCY: '4',
      });
      app = await NestFactory.create(AppModule, { logger: logs, abortOnError: false });
      await app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    }, 30_000);

    afterAll(async () => {
      try {
        if (app) {
          await proxy?.refuse(false);
          await app
            .get(DramatiqBroker)
            .deleteAll()
            .catch(() => deleteQueuesWithPrefix(QUEUE).catch(() => undefined));
          await app.close();
        }
      } finally {
        await proxy?.close();
        for (const key of ENV_KEYS) {
          if (savedEnv[key] === undefined) delete process.env[key];
          else process.env[key] = savedEnv[key];
        }
      }
    }, 30_000);

    it('POST /tasks/add stores its result in Redis; GET /tasks/add/:id/result awaits and returns it', async () => {
      const { messageId } = await postTask('add', { a: 2, b: 40 });
      const done = await http('GET', `/tasks/add/${messageId}/result?waitMs=10000`);
      expect(done).toEqual({ status: 200, body: { status: 'done', result: { sum: 42 } } });
      // Without waiting, once stored: the same answer at once.
      expect(await http('GET', `/tasks/add/${messageId}/result`)).toEqual(done);
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect(await http('GET', `/tasks/add/${unknown}/result`)).toEqual({ status: 202, body: { status: 'pending' } });
      const started = Date.now();
      expect(await http('GET', `/tasks/add/${unknown}/result?waitMs=300`)).toEqual({
        status: 202,
        body: { status: 'pending' },
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect((await http('GET', '/tasks/add/not-a-uuid/result')).status).toBe(400);
    });

    it('reports healthy once started, with the worker consuming its queue', async () => {
      const reply = await http('GET', '/health');
      expect(reply.status).toBe(200);
      expect(reply.body.status).toBe('ok');
      expect(reply.body.info.rabbitmq).toMatchObject({ status: 'up', strategy });
      expect(logs.find(`Consuming "${QUEUE}"`)).toBeDefined();
      expect(logs.find('Actors: send_welcome')).toBeDefined();
    });

    it('runs a task posted over HTTP (kwargs reach the actor by parameter name)', async () => {
      const accepted = await postTask('welcome', { userId: 7, locale: 'fr' });
      expect(accepted).toEqual({ messageId: expect.any(String), actor: 'send_welcome', queue: QUEUE });
      await waitForLog(`Succeeded ${accepted.messageId} send_welcome in`);
      expect(logs.find(`Received ${accepted.messageId} send_welcome(7,locale="fr")`)).toBeDefined();
      expect(logs.find('Welcome email sent to user 7 (locale "fr")')).toBeDefined();
    });

    it('runs a delayed task after its delay', async () => {
      const posted = Date.now();
      const accepted = await postTask('report', { reportId: 'q3', delayMs: 400 });
      expect(accepted).toEqual({ messageId: expect.any(String), actor: 'generate_report', queue: QUEUE, delayMs: 400 });
      await waitForLog(`Succeeded ${accepted.messageId} generate_report`);
      expect(Date.now() - posted).toBeGreaterThanOrEqual(400);
    });

    it('retries a flaky task with backoff until it succeeds', async () => {
      const accepted = await postTask('flaky', { sku: 'A-1', failTimes: 1 });
      const retry = await waitForLog(
        `Message ${accepted.messageId} (sync_inventory) failed: Error: inventory service unavailable`,
      );
      expect(retry).toMatch(/Retry 1 of 5 in \d+ ms\.$/);
      await waitForLog(`Succeeded ${accepted.messageId} sync_inventory`);
      expect(logs.find('Inventory of "A-1" synced on attempt 2')).toBeDefined();
    });

    it('dead-letters a task that always fails, and one that overruns its time limit', async () => {
      const failing = await postTask('failing', { orderId: 'o-1' });
      const slow = await postTask('slow', { workMs: 5_000 });
      let counts: unknown;
      await waitWithLog(
        async () =>
          (counts = (await http('GET', `/queues/${QUEUE}/counts`)).body) !== undefined &&
          (counts as { dead: number }).dead === 2,
        'two messages in the dead-letter queue',
        25_000,
      );
      expect(counts).toEqual({ ready: 0, delayed: 0, dead: 2 });
      const chargeDead = await waitForLog(`Dead-lettered ${failing.messageId} (charge_card)`);
      expect(chargeDead).toContain(
        `from "${QUEUE}" to "${QUEUE}.XQ": retries exceeded (2) after Error: payment gateway declined order "o-1"`,
      );
      expect(
        logs.find(
          `Message ${failing.messageId} (charge_card) failed: Error: payment gateway declined order "o-1". Retry 2 of 2`,
        ),
      ).toBeDefined();
      const slowDead = await waitForLog(`Dead-lettered ${slow.messageId} (export_data)`);
      expect(slowDead).toContain('retries exceeded (1) after TimeLimitExceededError');
      // The sample mounts the dashboard in development: the dead letters say why.
      const page = await http('GET', `/dramatiq/api/queues/${QUEUE}/dead-letters`);
      expect(page.status).toBe(200);
      const reasons = Object.fromEntries(
        page.body.items.map((d: { actorName: string; reason: { reason: string } }) => [d.actorName, d.reason.reason]),
      );
      expect(reasons).toEqual({ charge_card: 'retries_exceeded', export_data: 'time_limit' });
    }, 40_000);

    it('exposes Dramatiq-named Prometheus metrics at /metrics', async () => {
      const reply = await http('GET', '/metrics');
      expect(reply.status).toBe(200);
      const text = String(reply.body);
      expect(text).toContain('# TYPE dramatiq_messages_total counter');
      expect(text).toContain('# TYPE dramatiq_message_duration_milliseconds histogram');
      // The tests above: send_welcome ran once; charge_card was dead-lettered after its retries.
      expect(text).toContain(`dramatiq_messages_total{queue_name="${QUEUE}",actor_name="send_welcome"} 1`);
      expect(text).toContain(`dramatiq_message_rejects_total{queue_name="${QUEUE}",actor_name="charge_card"} 1`);
      expect(text).toContain(`dramatiq_message_retries_total{queue_name="${QUEUE}",actor_name="charge_card"} 2`);
      expect(text).toMatch(new RegExp(`nestjs_dramatiq_connections\\{role="[a-z]+",state="connected"\\} [1-9]`));
    });

    it('rejects bad input with 400 and a clear message', async () => {
      const notInt = await http('POST', '/tasks/welcome', { userId: 'seven' });
      expect(notInt.status).toBe(400);
      expect(notInt.body.message).toContain('userId must be an integer number');

      const unknownField = await http('POST', '/tasks/welcome', { userId: 1, admin: true });
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.message).toContain('property admin should not exist');

      const tooLong = await http('POST', '/tasks/slow', { workMs: 1_000_000 });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.message).toContain('workMs must not be greater than 60000');

      const badJson = await http('POST', '/tasks/welcome', undefined, '{"userId": ');
      expect(badJson.status).toBe(400);

      const unknownKind = await http('POST', '/tasks/launch-rockets', {});
      expect(unknownKind.status).toBe(404);
      expect(unknownKind.body.message).toContain('Known kinds: welcome, report, flaky, failing, slow');

      const badQueue = await http('GET', `/queues/${encodeURIComponent('no spaces!')}/counts`);
      expect(badQueue.status).toBe(400);
      expect(badQueue.body.message).toContain('Invalid queue name');

      const otherQueue = await http('GET', '/queues/someone-elses-queue/counts');
      expect(otherQueue.status).toBe(404);
    });

    it('reports 503 on /health while RabbitMQ is unreachable, and recovers', async () => {
      await proxy!.refuse(true);
      proxy!.cut();
      let down: Reply | undefined;
      await waitWithLog(
        async () => (down = await http('GET', '/health')).status === 503,
        '/health to answer 503',
        10_000,
      );
      expect(down!.body.status).toBe('error');
      expect(down!.body.error.rabbitmq.status).toBe('down');
      // Still down after a failed reconnect attempt (the proxy refuses connections).
      await waitForLog('Connection attempt 1 of', 10_000);
      expect((await http('GET', '/health')).status).toBe(503);
      // Sending fails fast instead of hanging until the connection returns.
      const refused = await http('POST', '/tasks/welcome', { userId: 9 });
      expect(refused.status).toBe(503);
      expect(refused.body.message).toContain('RabbitMQ is unreachable, so the task was not sent');

      await proxy!.refuse(false);
      await waitWithLog(
        async () => (await http('GET', '/health')).status === 200,
        '/health to answer 200 again',
        30_000,
      );
      // The worker consumes again: a new task runs.
      const accepted = await postTask('welcome', { userId: 8 });
      await waitForLog(`Succeeded ${accepted.messageId} send_welcome`, 20_000);
    }, 60_000);
  },
);
