import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Longest delay the sample accepts (1 hour). */
export const MAX_DELAY_MS = 3_600_000;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ID_MESSAGE = '$property must be 1 to 64 letters, digits, "_" or "-"';

/** Every kind of task can be delayed. */
export class DelayableTaskDto {
  /** Run the task this many ms from now (it waits in the delay queue meanwhile). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_DELAY_MS)
  delayMs?: number;
}

/** POST /tasks/welcome */
export class WelcomeTaskDto extends DelayableTaskDto {
  @IsInt()
  @Min(1)
  userId!: number;

  @IsOptional()
  @IsIn(['en', 'de', 'fr', 'es'])
  locale?: string;
}

/** POST /tasks/report (delayMs defaults to 5000 here) */
export class ReportTaskDto extends DelayableTaskDto {
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  reportId!: string;
}

/** POST /tasks/flaky */
export class FlakyTaskDto extends DelayableTaskDto {
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  sku!: string;

  /** Attempts that fail before one succeeds (default 2; the actor allows 5 retries). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(5)
  failTimes?: number;
}

/** POST /tasks/failing */
export class FailingTaskDto extends DelayableTaskDto {
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  orderId!: string;
}

/** POST /tasks/slow */
export class SlowTaskDto extends DelayableTaskDto {
  /** How long the task works, ms; over 1000 it hits its time limit. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  workMs!: number;
}

/** POST /tasks/add */
export class AddTaskDto {
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  a!: number;

  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  b!: number;
}

/** GET /tasks/add/:messageId/result */
export class ResultQueryDto {
  /** Wait up to this many ms for the result (default 0: answer at once). A query string: made a number first. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(30_000)
  waitMs?: number;
}
