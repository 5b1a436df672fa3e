import { BadRequestException, Controller, Get, NotFoundException, Param, type PipeTransform } from '@nestjs/common';
import { DramatiqBroker, NAME_PATTERN, type QueueMessageCounts } from 'nestjs-dramatiq-broker';

/** 400 unless the name is a valid Dramatiq queue name. */
class QueueNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!NAME_PATTERN.test(value) || value.length > 252) {
      throw new BadRequestException(
        `Invalid queue name: it must match ${NAME_PATTERN.source} (at most 252 characters).`,
      );
    }
    return value;
  }
}

@Controller('queues')
export class QueuesController {
  constructor(private readonly broker: DramatiqBroker) {}

  /**
   * Messages waiting in the queue (`ready`), in its delay queue (`delayed`) and in its
   * dead-letter queue (`dead`). Only the application's own queues: reading counts declares
   * the queue, and an HTTP caller should not be able to create queues.
   */
  @Get(':name/counts')
  counts(@Param('name', QueueNamePipe) name: string): Promise<QueueMessageCounts> {
    const known = new Set([this.broker.defaultQueueName, ...this.broker.actors.queues()]);
    if (!known.has(name)) {
      throw new NotFoundException(`Unknown queue. This application's queues: ${[...known].join(', ')}.`);
    }
    return this.broker.getQueueMessageCounts(name);
  }
}
