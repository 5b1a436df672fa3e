import type { CanActivate, Type } from '@nestjs/common';
import { InvalidBrokerOptionError } from '../core/errors/configuration.errors.js';
import { DashboardGuardMissingError } from './dashboard.errors.js';

/** Injection token of the dashboard's options. */
export const DASHBOARD_OPTIONS = Symbol('DRAMATIQ_DASHBOARD_OPTIONS');

export interface DashboardOptions {
  /** Route of the page; the JSON API lives under `<path>/api`. Default 'dramatiq'. */
  path?: string;
  /**
   * Who may see and act: a Nest guard (class or instance) run on every dashboard route. Required,
   * unless `localDevelopment` says the application only runs on a developer's machine.
   */
  guard?: Type<CanActivate> | CanActivate;
  /** States that this application is for local development: the dashboard may run without a guard. */
  localDevelopment?: boolean;
  /** Queues to show besides the ones of this application's actors. */
  queues?: string[];
}

export interface DashboardSettings {
  path: string;
  guard?: Type<CanActivate> | CanActivate;
  localDevelopment: boolean;
  queues: string[];
}

const PATH_PATTERN = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

/** Checks the options at import time: a dashboard without access control must not start by accident. */
export function resolveDashboardSettings(options: DashboardOptions): DashboardSettings {
  const path = (options.path ?? 'dramatiq').replace(/^\/+|\/+$/g, '');
  if (!PATH_PATTERN.test(path)) {
    throw new InvalidBrokerOptionError(
      'dashboard.path',
      'a URL path such as "dramatiq" or "admin/queues"',
      options.path,
    );
  }
  if (!options.guard && options.localDevelopment !== true) throw new DashboardGuardMissingError();
  return {
    path,
    guard: options.guard,
    localDevelopment: options.localDevelopment === true,
    queues: options.queues ?? [],
  };
}
