// @nestjs/microservices RMQ transport: ClientRMQ.emit (amqp-connection-manager ChannelWrapper,
// confirm channel by default) and an @EventPattern handler with manual ack (noAck: false).
import 'reflect-metadata';
import { Controller, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientRMQ, Ctx, EventPattern, Payload, Transport } from '@nestjs/microservices';
import amqplib from 'amqplib';
import { lastValueFrom } from 'rxjs';
import { AMQP_URL } from '../common.mjs';

export const info = { system: '@nestjs/microservices RMQ', note: 'ClientRMQ.emit + @EventPattern, manual ack' };

export async function create({ queue, prefetch, consume, onMessage }) {
  const rmq = { urls: [AMQP_URL], queue, queueOptions: { durable: true }, persistent: true };
  // Manual ack on the server only: the client's reply-to consumer must stay noAck.
  const serverOptions = { ...rmq, noAck: false, prefetchCount: prefetch };
  let server;
  if (consume) {
    class BenchController {
      handle(data, context) {
        onMessage(data);
        context.getChannelRef().ack(context.getMessage());
      }
    }
    const proto = BenchController.prototype;
    const desc = Object.getOwnPropertyDescriptor(proto, 'handle');
    Payload()(proto, 'handle', 0);
    Ctx()(proto, 'handle', 1);
    EventPattern('bench')(proto, 'handle', desc);
    Controller()(BenchController);
    class BenchModule {}
    Module({ controllers: [BenchController] })(BenchModule);
    server = await NestFactory.createMicroservice(BenchModule, {
      transport: Transport.RMQ,
      options: serverOptions,
      logger: false,
    });
    await server.listen();
  }
  Logger.overrideLogger(false); // the standalone client logs through Nest's static Logger
  const client = new ClientRMQ(rmq);
  await client.connect();
  return {
    send: (payload) => lastValueFrom(client.emit('bench', payload), { defaultValue: undefined }),
    async close() {
      await client.close();
      await server?.close();
    },
    async cleanup() {
      const c = await amqplib.connect(AMQP_URL);
      const ch = await c.createChannel();
      await ch.deleteQueue(queue).catch(() => undefined);
      await c.close();
    },
  };
}
