import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type SampleConfig, sampleConfig } from './sample.config.js';

/**
 * Tells what happens on SIGTERM / SIGINT (app.enableShutdownHooks() in main.ts). Every
 * beforeApplicationShutdown hook (the library stops its worker in one) has finished when
 * onApplicationShutdown runs; the library then closes its connections.
 */
@Injectable()
export class ShutdownLogger implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('SampleApp');
  private startedAt = Date.now();

  constructor(@Inject(sampleConfig.KEY) private readonly config: SampleConfig) {}

  beforeApplicationShutdown(signal?: string): void {
    this.startedAt = Date.now();
    this.logger.log(
      this.config.role === 'api'
        ? `${signal ?? 'Shutdown'} received: closing`
        : `${signal ?? 'Shutdown'} received: the worker takes no new messages and lets running ones finish (up to 10 s)`,
    );
  }

  onApplicationShutdown(): void {
    this.logger.log(
      `${this.config.role === 'api' ? 'Stopped' : 'Worker stopped'} after ${Date.now() - this.startedAt} ms; closing the RabbitMQ connection`,
    );
  }
}
