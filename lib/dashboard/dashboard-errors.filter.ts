import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { InvalidDeadLetterRequestError } from '../core/dead-letters/dead-letter.errors.js';
import { QueueNotFoundError } from '../core/errors/queue.errors.js';
import { InvalidNameError } from '../core/topology/naming.js';

interface ResponseLike {
  status?(code: number): ResponseLike;
  code?(code: number): ResponseLike;
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
  send?(body: unknown): unknown;
  json?(body: unknown): unknown;
}

/**
 * JSON errors for the dashboard's API: the operator's mistakes as 400/404, anything else as 502
 * with the library's message (it never holds credentials). Works on Express and Fastify.
 */
@Catch()
export class DashboardErrorsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ResponseLike>();
    let status = 502;
    let message = error instanceof Error ? error.message : 'unexpected error';
    if (error instanceof HttpException) {
      status = error.getStatus();
      const body = error.getResponse();
      message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? error.message);
    } else if (error instanceof QueueNotFoundError) status = 404;
    else if (error instanceof InvalidDeadLetterRequestError || error instanceof InvalidNameError) status = 400;
    const withStatus = response.status ? response.status(status) : response.code!(status);
    const setHeader = (name: string, value: string) =>
      withStatus.header ? withStatus.header(name, value) : withStatus.setHeader?.(name, value);
    setHeader('Content-Type', 'application/json; charset=utf-8');
    setHeader('Cache-Control', 'no-store');
    const body = JSON.stringify({ statusCode: status, message });
    if (withStatus.send) withStatus.send(body);
    else withStatus.json?.(JSON.parse(body));
  }
}
