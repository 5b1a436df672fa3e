import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DramatiqBroker } from './core/broker.js';

/** Opens connections at start when asked to, and closes them all on application shutdown. */
@Injectable()
export class BrokerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly broker: DramatiqBroker) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.broker.settings.connectOnStartup) await this.broker.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.broker.close();
  }
}
