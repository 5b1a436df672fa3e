import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  type DramatiqMessage,
  ResultFailureError,
  ResultMissingError,
  ResultTimeoutError,
  TaskQueue,
} from 'nestjs-dramatiq-broker';
import { BrokerUpGuard } from './broker-up.guard.js';
import {
  AddTaskDto,
  FailingTaskDto,
  FlakyTaskDto,
  ReportTaskDto,
  ResultQueryDto,
  SlowTaskDto,
  WelcomeTaskDto,
} from './task.dto.js';
import { TasksService } from './tasks.service.js';

/** What POST /tasks/:kind answers once RabbitMQ has confirmed the message. */
export interface TaskAccepted {
  messageId: string;
  actor: string;
  queue: string;
  delayMs?: number;
}

export const TASK_KINDS = ['welcome', 'report', 'flaky', 'failing', 'slow', 'add'] as const;

/** What GET /tasks/add/:messageId/result answers. */
export type TaskResult =
  | { status: 'done'; result: { sum: number } }
  | { status: 'pending' }
  | { status: 'failed'; error: { type: string; message: string } };

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

  /** Stores its result in Redis: fetch it with GET /tasks/add/:messageId/result. */
  @Post('add')
  @HttpCode(HttpStatus.ACCEPTED)
  async add(@Body() dto: AddTaskDto): Promise<TaskAccepted> {
    return accepted(await this.tasks.send(TasksService, 'add', dto.a, dto.b), undefined);
  }

  /**
   * The result of an add task: 200 done (or failed), 202 pending while it is not stored yet.
   * ?waitMs=N waits up to N ms for it (without polling: see docs/results.md).
   */
  @Get('add/:messageId/result')
  async addResult(
    @Param('messageId', new ParseUUIDPipe()) messageId: string,
    @Query() query: ResultQueryDto,
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<TaskResult> {
    // Queue and actor are part of the result's key: messageRef fills in the add actor's.
    const ref = this.tasks.messageRef(TasksService, 'add', messageId);
    try {
      const waitMs = query.waitMs ?? 0;
      // Typed { sum: number } from TasksService.add's return type.
      const result = await this.tasks.getResult(ref, { block: waitMs > 0, timeout: waitMs });
      return { status: 'done', result };
    } catch (err) {
      if (err instanceof ResultFailureError) {
        return { status: 'failed', error: { type: err.remoteType, message: err.remoteMessage } };
      }
      if (err instanceof ResultMissingError || err instanceof ResultTimeoutError) {
        response.status(HttpStatus.ACCEPTED);
        return { status: 'pending' };
      }
      throw err;
    }
  }

  /** Declared last, so it only sees kinds the routes above do not handle. */
  @Post(':kind')
  unknown(@Param('kind') kind: string): never {
    throw new NotFoundException(
      `Unknown task kind ${JSON.stringify(kind.slice(0, 40))}. Known kinds: ${TASK_KINDS.join(', ')}.`,
    );
  }
}
