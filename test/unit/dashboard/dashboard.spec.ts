import { describe, expect, it } from '@jest/globals';
import { ForbiddenException, type ExecutionContext } from '@nestjs/common';
import { resolveDashboardSettings } from '../../../lib/dashboard/dashboard-options.js';
import { DASHBOARD_SCRIPT, dashboardPage } from '../../../lib/dashboard/dashboard-page.js';
import { DashboardGuardMissingError } from '../../../lib/dashboard/dashboard.errors.js';
import { QueueRateTracker } from '../../../lib/dashboard/queue-rates.js';
import { SameOriginPostGuard } from '../../../lib/dashboard/same-origin-post.guard.js';

function contextOf(method: string, headers: Record<string, string>): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => ({ method, headers }) }) } as unknown as ExecutionContext;
}

describe('dashboard options', () => {
  it('refuses to start without a guard unless the app is for local development', () => {
    expect(() => resolveDashboardSettings({})).toThrow(DashboardGuardMissingError);
    expect(resolveDashboardSettings({ localDevelopment: true })).toMatchObject({ path: 'dramatiq', guard: undefined });
    const guard = { canActivate: () => true };
    expect(resolveDashboardSettings({ guard, path: '/admin/queues/' })).toMatchObject({ path: 'admin/queues', guard });
  });

  it('rejects a path that is not a plain URL path', () => {
    expect(() => resolveDashboardSettings({ localDevelopment: true, path: 'a"><script>' })).toThrow(/dashboard.path/);
    expect(() => resolveDashboardSettings({ localDevelopment: true, path: 'a/../b?x' })).toThrow(/dashboard.path/);
  });
});

describe('cross-site protection of actions', () => {
  const guard = new SameOriginPostGuard();
  const json = { 'content-type': 'application/json', 'x-dramatiq-dashboard': '1' };

  it('lets reads through and actions from the page', () => {
    expect(guard.canActivate(contextOf('GET', {}))).toBe(true);
    expect(guard.canActivate(contextOf('POST', json))).toBe(true);
    expect(guard.canActivate(contextOf('POST', { ...json, 'sec-fetch-site': 'same-origin' }))).toBe(true);
  });

  it.each([
    ['no custom header (an HTML form)', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['the header but a form body', { 'content-type': 'text/plain', 'x-dramatiq-dashboard': '1' }],
    ['a cross-site request', { ...json, 'sec-fetch-site': 'cross-site' }],
    ['a same-site (other subdomain) request', { ...json, 'sec-fetch-site': 'same-site' }],
  ])('refuses %s', (_label, headers) => {
    expect(() => guard.canActivate(contextOf('POST', headers))).toThrow(ForbiddenException);
  });
});

describe('queue rates', () => {
  it('are the change per second since the previous look; 0 at the first', () => {
    const rates = new QueueRateTracker();
    const stats = (ready: number, dead: number) => ({ ready, delayed: 0, dead, consumers: 1, delayConsumers: 0 });
    expect(rates.observe('q', stats(100, 0), 0)).toEqual({ ready: 0, delayed: 0, dead: 0 });
    expect(rates.observe('q', stats(40, 3), 2_000)).toEqual({ ready: -30, delayed: 0, dead: 1.5 });
  });
});

describe('dashboard page', () => {
  it('escapes its own path and builds message fields with textContent only', () => {
    expect(dashboardPage('/x"><script>')).toContain('/x&#34;&#62;&#60;script&#62;/app.js');
    expect(DASHBOARD_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });
});
