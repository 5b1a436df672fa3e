import { Body, Controller, HttpCode, HttpStatus, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { type DramatiqMessage, TaskQueue } from 'nestjs-dramatiq-broker';
import { BrokerUpGuard } from './broker-up.guard.js';
import { FailingTaskDto, FlakyTaskDto, ReportTaskDto, SlowTaskDto, WelcomeTaskDto } from './task.dto.js';
import { TasksService } from './tasks.service.js';

/** What POST /tasks/:kind answers once RabbitMQ has confirmed the message. */
export interface TaskAccepted {
  messageId: string;
  actor: string;
  queue: string;
  delayMs?: number;
}

export const TASK_KINDS = ['welcome', 'report', 'flaky', 'failing', 'slow'] as const;

function accepted(message: DramatiqMessage, delayMs: number | undefined): TaskAccepted {
  return {
    messageId: message.message_id,
    actor: message.actor_name,
    // A delayed message travels through the delay queue ("<queue>.DQ"); answer with the actor's queue.
    queue: message.queue_name.replace(/\.DQ$/, ''),
    ...(delayMs ? { delayMs } : {}),
  };
}

/**
 * Enqueues tasks. Each kind has its own DTO, checked by the global ValidationPipe (bad input:
 * 400 with the reasons). Answers 202 Accepted: the task is stored in RabbitMQ and will run later.
 * While RabbitMQ is unreachable: 503 at once (BrokerUpGuard).
 */
@Controller('tasks')
@UseGuards(BrokerUpGuard)
export class TasksController {
  constructor(private readonly tasks: TaskQueue) {}

  @Post('welcome')
  @HttpCode(HttpStatus.ACCEPTED)
  async welcome(@Body() dto: WelcomeTaskDto): Promise<TaskAccepted> {
    // `locale` goes as a keyword argument, as a Python sender would pass it.
    const message = await this.tasks.sendWithOptions(TasksService, 'sendWelcome', {
      args: [dto.userId],
      kwargs: dto.locale ? { locale: dto.locale } : {},
      delay: dto.delayMs,
    });
    return accepted(message, dto.delayMs);
  }

  @Post('report')
  @HttpCode(HttpStatus.ACCEPTED)
  async report(@Body() dto: ReportTaskDto): Promise<TaskAccepted> {
    const delayMs = dto.delayMs ?? 5_000;
    const message = await this.tasks.sendWithOptions(TasksService, 'generateReport', {
      args: [dto.reportId],
      delay: delayMs,
    });
    return accepted(message, delayMs);
  }

  @Post('flaky')
  @HttpCode(HttpStatus.ACCEPTED)
  async flaky(@Body() dto: FlakyTaskDto): Promise<TaskAccepted> {
    const message = await this.tasks.sendWithOptions(TasksService, 'syncInventory', {
      args: [dto.sku, dto.failTimes ?? 2],
      delay: dto.delayMs,
    });
    return accepted(message, dto.delayMs);
  }

  @Post('failing')
  @HttpCode(HttpStatus.ACCEPTED)
  async failing(@Body() dto: FailingTaskDto): Promise<TaskAccepted> {
    const message = await this.tasks.sendWithOptions(TasksService, 'chargeCard', {
      args: [dto.orderId],
      delay: dto.delayMs,
    });
    return accepted(message, dto.delayMs);
  }

  @Post('slow')
  @HttpCode(HttpStatus.ACCEPTED)
  async slow(@Body() dto: SlowTaskDto): Promise<TaskAccepted> {
    const message = await this.tasks.sendWithOptions(TasksService, 'exportData', {
      args: [dto.workMs],
      delay: dto.delayMs,
    });
    return accepted(message, dto.delayMs);
  }

  /** Declared last, so it only sees kinds the routes above do not handle. */
  @Post(':kind')
  unknown(@Param('kind') kind: string): never {
    throw new NotFoundException(
      `Unknown task kind ${JSON.stringify(kind.slice(0, 40))}. Known kinds: ${TASK_KINDS.join(', ')}.`,
    );
  }
}
