import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BrokerError } from 'nestjs-dramatiq-broker';

/**
 * A send that fails because RabbitMQ is unreachable, slow or blocking publishers (confirm
 * timeout, buffer full, ...) answers 503 with the library's explanation instead of a bare 500.
 */
@Catch(BrokerError)
export class BrokerErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('BrokerErrorFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: BrokerError, host: ArgumentsHost): void {
    this.logger.warn(`Request failed with ${error.code}: ${error.message}`);
    const status = HttpStatus.SERVICE_UNAVAILABLE;
    this.adapterHost.httpAdapter.reply(
      host.switchToHttp().getResponse(),
      { statusCode: status, error: 'Service Unavailable', code: error.code, message: error.message },
      status,
    );
  }
}
