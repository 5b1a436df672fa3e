/**
 * The dashboard in a real browser (issue #15, item 5): playwright-core drives Debian's chromium,
 * installed by the set-up as RabbitMQ is (scripts/ensure-chromium.sh). A Nest application with a
 * worker and the dashboard behind a token guard: open the page, see a dead letter's reason,
 * requeue it and see the actor run; a request without the token is denied; script and HTML
 * payloads stay text; cross-site posts are refused; the broker's password shows nowhere.
 *
 * UPDATE_SCREENSHOTS=1 also writes docs/images/dashboard-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CanActivate, type ExecutionContext, Injectable, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import amqplib from 'amqplib';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { DramatiqDashboardModule } from '../../lib/dashboard/index.js';
import { Actor, BrokerModule, DramatiqBroker } from '../../lib/index.js';
import { defaultMiddleware } from '../../lib/core/middleware/default-middleware.js';
import { uniqueName } from '../support/broker-fixtures.js';
import { run } from '../support/exec.js';
import { ctl } from '../support/rabbitmqctl.js';
import { waitFor } from '../support/wait.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'let-me-in-7f3a';
const USER = uniqueName('dash-user');
const PASSWORD = `Pw-${uniqueName('secret')}`;
const QUEUE = uniqueName('dashboard');
const SCRIPT_PAYLOAD = '<script>window.__pwned = 1</script>';
const IMG_PAYLOAD = '<img src=x onerror="window.__pwned = 2">';
const runs: string[] = [];
const failNext = new Set(['invoice-42', SCRIPT_PAYLOAD]);

@Injectable()
class Billing {
  @Actor({ queueName: QUEUE, maxRetries: 0 })
  charge(label: string): void {
    if (failNext.has(label)) {
      failNext.delete(label);
      throw new Error(label === SCRIPT_PAYLOAD ? `${IMG_PAYLOAD} rejected` : 'payment gateway down');
    }
    runs.push(label);
  }
}

/** The application's own access control: a bearer token. */
@Injectable()
class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return request.headers.authorization === `Bearer ${TOKEN}`;
  }
}

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

@Module({
  imports: [
    BrokerModule.forRoot({
      strategy: 'shared',
      url: `amqp://${USER}:${PASSWORD}@127.0.0.1:5672`,
      connectionName: 'billing-worker',
      logger: quiet,
      middleware: defaultMiddleware(),
      worker: { concurrency: 2, shutdownTimeout: 2_000 },
    }),
    DramatiqDashboardModule.forRoot({ guard: TokenGuard }),
  ],
  providers: [Billing],
})
class AppModule {}

let app: INestApplication;
let browser: Browser;
let baseUrl: string;
let chromiumPath: string;

beforeAll(async () => {
  const ensured = await run('bash', [`${REPO}scripts/ensure-chromium.sh`], { timeoutMs: 600_000 });
  if (ensured.code !== 0) throw new Error(`Chromium could not be installed:\n${ensured.stderr.slice(-2_000)}`);
  chromiumPath = ensured.stdout.trim().split('\n').pop()!;
  await ctl(['-q', 'add_user', USER, PASSWORD]);
  await ctl(['-q', 'set_permissions', USER, '.*', '.*', '.*']);
  app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  if (app) {
    const broker = app.get(DramatiqBroker);
    await app.close();
    await broker.deleteQueue(QUEUE).catch(() => undefined);
    await broker.close();
  }
  await ctl(['-q', 'delete_user', USER]).catch(() => undefined);
});

async function authorizedPage() {
  const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

describe('dashboard in chromium', () => {
  it('shows a dead letter with its reason, requeues it and the actor runs; payloads stay text', async () => {
    const broker = app.get(DramatiqBroker);
    await broker.send('charge', { args: ['invoice-42'] });
    await broker.send('charge', { args: [SCRIPT_PAYLOAD] });
    // An undecodable body made of markup, straight onto the queue.
    const raw = await amqplib.connect(`amqp://${USER}:${PASSWORD}@127.0.0.1:5672`);
    const channel = await raw.createConfirmChannel();
    channel.sendToQueue(QUEUE, Buffer.from(`${IMG_PAYLOAD}${SCRIPT_PAYLOAD}`), { persistent: true });
    await channel.waitForConfirms();
    await raw.close();
    await waitFor(async () => (await broker.getQueueMessageCounts(QUEUE)).dead === 3, {
      timeoutMs: 20_000,
      message: 'three dead letters',
    });

    const { context, page, errors } = await authorizedPage();
    try {
      const response = await page.goto(`${baseUrl}/dramatiq`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      const row = page.locator(`#queues tr[data-queue="${QUEUE}"]`);
      await row.waitFor({ timeout: 10_000 });
      await expect(row.locator('.dead-count').textContent()).resolves.toBe('3');
      await expect(page.locator('#connections').textContent()).resolves.toContain('billing-worker');
      await expect(page.locator('#health').textContent()).resolves.toBe('up');
      if (process.env.UPDATE_SCREENSHOTS === '1')
        await page.screenshot({ path: `${REPO}docs/images/dashboard-queues.png` });

      await row.getByRole('button', { name: 'Dead letters' }).click();
      const rows = page.locator('#dead-letters tr.dead-letter');
      await rows.nth(2).waitFor({ timeout: 10_000 });
      expect(await rows.count()).toBe(3);
      const invoice = rows.filter({ hasText: 'invoice-42' });
      await expect(invoice.locator('.reason').textContent()).resolves.toBe('retries_exceeded');
      await expect(invoice.locator('.error').textContent()).resolves.toBe('Error: payment gateway down');
      await expect(invoice.textContent()).resolves.toContain('billing-worker');

      // The payloads are on screen as the characters they are, and nothing ran.
      const payload = rows.filter({ hasText: 'charge' }).filter({ hasText: 'window.__pwned = 1' });
      await expect(payload.locator('.args').textContent()).resolves.toBe(JSON.stringify([SCRIPT_PAYLOAD]));
      await expect(payload.locator('.error').textContent()).resolves.toBe(`Error: ${IMG_PAYLOAD} rejected`);
      const undecodable = rows.filter({ hasText: '(undecodable)' });
      await expect(undecodable.locator('.args').textContent()).resolves.toBe(`${IMG_PAYLOAD}${SCRIPT_PAYLOAD}`);
      await expect(undecodable.locator('.reason').textContent()).resolves.toBe('undecodable_body');
      expect(await page.locator('#dead-letters img, #dead-letters script').count()).toBe(0);
      if (process.env.UPDATE_SCREENSHOTS === '1')
        await page.screenshot({ path: `${REPO}docs/images/dashboard-dead-letters.png`, fullPage: true });

      // Requeue the invoice: it runs this time.
      await invoice.locator('input[type=checkbox]').check();
      await page.locator('#requeue-selected').click();
      await page.locator('#result').filter({ hasText: 'Requeued 1' }).waitFor({ timeout: 10_000 });
      await waitFor(() => runs.includes('invoice-42'), { timeoutMs: 10_000, message: 'the requeued actor ran' });
      await page
        .locator('#dead-letters tr.dead-letter')
        .filter({ hasText: 'invoice-42' })
        .waitFor({ state: 'detached', timeout: 10_000 });
      expect(await broker.getQueueMessageCounts(QUEUE)).toMatchObject({ dead: 2 });

      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(errors).toEqual([]);
      // No credential anywhere: page, API, rendered text.
      const overview = await (await context.request.get(`${baseUrl}/dramatiq/api/overview`)).text();
      for (const text of [await page.content(), overview, await page.locator('body').innerText()]) {
        expect(text).not.toContain(PASSWORD);
      }
    } finally {
      await context.close();
    }
  }, 120_000);

  it('denies a visitor the guard refuses, and cross-site or header-less actions', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const denied = await page.goto(`${baseUrl}/dramatiq`);
      expect(denied?.status()).toBe(403);
      expect(await page.locator('#queues').count()).toBe(0);
      const api = await context.request.get(`${baseUrl}/dramatiq/api/overview`);
      expect(api.status()).toBe(403);
    } finally {
      await context.close();
    }
    const auth = { authorization: `Bearer ${TOKEN}` };
    const purge = `${baseUrl}/dramatiq/api/queues/${QUEUE}/dead-letters/purge`;
    // A form post from another site: no custom header, form encoding.
    const form = await fetch(purge, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1',
    });
    expect(form.status).toBe(403);
    const crossSite = await fetch(purge, {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': 'application/json',
        'x-dramatiq-dashboard': '1',
        'sec-fetch-site': 'cross-site',
      },
      body: '{}',
    });
    expect(crossSite.status).toBe(403);
    const unknownQueue = await fetch(`${baseUrl}/dramatiq/api/queues/not-ours/dead-letters`, { headers: auth });
    expect(unknownQueue.status).toBe(404);
    expect((await app.get(DramatiqBroker).getQueueMessageCounts(QUEUE)).dead).toBe(2);
  }, 60_000);

  it('refuses to start without a guard unless the app says it is for local development', () => {
    expect(() => DramatiqDashboardModule.forRoot({})).toThrow(/refuses to start without an access guard/);
    expect(() => DramatiqDashboardModule.forRoot({ localDevelopment: true })).not.toThrow();
  });
});
