import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { BROKER_EVENT_METADATA } from '../broker.constants.js';
import { DramatiqBroker } from '../core/broker.js';
import type { BrokerEventName } from '../core/observability/events/event-types.js';

/** Subscribes the @OnBrokerEvent() methods of singleton providers to the broker's events. */
@Injectable()
export class BrokerEventExplorer implements OnModuleInit, OnApplicationShutdown {
  private readonly removers: (() => void)[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly broker: DramatiqBroker,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        if (typeof method !== 'function') continue;
        const names = Reflect.getMetadata(BROKER_EVENT_METADATA, method) as BrokerEventName[] | undefined;
        if (!names) continue;
        const bound = (method as (event: unknown) => unknown).bind(instance);
        for (const name of names) this.removers.push(this.broker.events.on(name, bound));
      }
    }
  }

  onApplicationShutdown(): void {
    for (const remove of this.removers.splice(0)) remove();
  }
}
