import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { BROKER_MODULE_OPTIONS } from '../broker.constants.js';
import { DramatiqBroker } from '../core/broker.js';
import type { Worker } from '../core/worker/worker.js';
import type { BrokerModuleOptions } from '../interfaces/broker-module-options.interface.js';

/**
 * Starts the worker once the app is up (every actor discovered), and stops it gracefully
 * before the connections close on shutdown. `worker: false` makes a send-only process.
 */
@Injectable()
export class WorkerOrchestrator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private worker?: Worker;

  constructor(
    private readonly broker: DramatiqBroker,
    @Inject(BROKER_MODULE_OPTIONS) private readonly options: BrokerModuleOptions,
  ) {}

  /** The running worker, if this process consumes. */
  get current(): Worker | undefined {
    return this.worker;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.worker === false) return;
    const worker = this.broker.createWorker(this.options.worker ?? {});
    const queues = worker.queues;
    if (queues.length === 0) {
      this.broker.logger.log('No actors found: this process only sends.');
      return;
    }
    this.worker = worker;
    await worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.stop();
  }
}
