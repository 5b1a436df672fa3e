// @golevelup/nestjs-rabbitmq (NestJS 11, its own node_modules beside this file):
// AmqpConnection.publish (amqp-connection-manager ChannelWrapper, confirm channel by default)
// + a @RabbitSubscribe handler (acked by the library when the handler returns).
import 'reflect-metadata';
import common from '@nestjs/common';
import core from '@nestjs/core';
import golevelup from '@golevelup/nestjs-rabbitmq';
import amqplib from 'amqplib';
import { createRequire } from 'node:module';
import { AMQP_URL } from '../../common.mjs';

const { Injectable, Module } = common;
const { NestFactory } = core;
const { RabbitMQModule, AmqpConnection, RabbitSubscribe } = golevelup;
const version = createRequire(import.meta.url)('@golevelup/nestjs-rabbitmq/package.json').version;

export const info = {
  system: '@golevelup/nestjs-rabbitmq',
  note: `v${version} on NestJS 11; publish + @RabbitSubscribe`,
};

export async function create({ queue, prefetch, consume, onMessage, variantOptions = {} }) {
  const providers = [];
  if (consume) {
    class BenchHandler {
      handle(msg) {
        onMessage(msg);
      }
    }
    Injectable()(BenchHandler);
    RabbitSubscribe({ queue, queueOptions: { durable: true } })(
      BenchHandler.prototype,
      'handle',
      Object.getOwnPropertyDescriptor(BenchHandler.prototype, 'handle'),
    );
    providers.push(BenchHandler);
  }
  class BenchModule {}
  Module({
    imports: [
      RabbitMQModule.forRoot({
        uri: AMQP_URL,
        prefetchCount: prefetch,
        queues: [{ name: queue, options: { durable: true } }],
        connectionInitOptions: { wait: true, timeout: 10_000 },
        registerHandlers: consume,
      }),
    ],
    providers,
  })(BenchModule);
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const amqp = app.get(AmqpConnection);
  // Diagnostic variant golevelup@mandatory=true: with the flag ours always sets.
  const options = { persistent: true, ...(variantOptions.mandatory ? { mandatory: true } : {}) };
  return {
    send: (payload) => amqp.publish('', queue, payload, options),
    async close() {
      await app.close();
    },
    async cleanup() {
      const c = await amqplib.connect(AMQP_URL);
      const ch = await c.createChannel();
      await ch.deleteQueue(queue).catch(() => undefined);
      await c.close();
    },
  };
}
