import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  type Type,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { DashboardErrorsFilter } from './dashboard-errors.filter.js';
import type { DashboardSettings } from './dashboard-options.js';
import { DASHBOARD_SCRIPT, DASHBOARD_STYLE, dashboardPage } from './dashboard-page.js';
import { DashboardService } from './dashboard.service.js';
import { SameOriginPostGuard } from './same-origin-post.guard.js';
import { SecurityHeaders } from './security-headers.js';

interface RequeueBody {
  ids?: unknown;
  all?: unknown;
  resetRetries?: unknown;
}

/**
 * The dashboard's routes under the configured path, behind the application's guard (first)
 * and the cross-site check of actions. Built per import, since the path is an option.
 */
export function createDashboardController(settings: DashboardSettings): Type<unknown> {
  const guards = settings.guard ? [settings.guard, SameOriginPostGuard] : [SameOriginPostGuard];

  @Controller(settings.path)
  @UseGuards(...guards)
  @UseFilters(DashboardErrorsFilter)
  class DashboardController {
    constructor(private readonly dashboard: DashboardService) {}

    @Get()
    @SecurityHeaders()
    @Header('Content-Type', 'text/html; charset=utf-8')
    page(@Req() request: { url?: string }): string {
      // The assets' address from the request's own path, so a global prefix or proxy path works.
      const base = (request.url ?? `/${settings.path}`).split('?')[0].replace(/\/+$/, '');
      return dashboardPage(base);
    }

    @Get('app.js')
    @SecurityHeaders()
    @Header('Content-Type', 'text/javascript; charset=utf-8')
    script(): string {
      return DASHBOARD_SCRIPT;
    }

    @Get('app.css')
    @SecurityHeaders()
    @Header('Content-Type', 'text/css; charset=utf-8')
    style(): string {
      return DASHBOARD_STYLE;
    }

    @Get('api/overview')
    @SecurityHeaders()
    overview() {
      return this.dashboard.overview();
    }

    @Get('api/queues/:queue/dead-letters')
    @SecurityHeaders()
    list(@Param('queue') queue: string, @Query('offset') offset?: string, @Query('limit') limit?: string) {
      return this.dashboard.deadLetters(queue, integer('offset', offset, 0), integer('limit', limit, 20));
    }

    @Get('api/queues/:queue/dead-letters/:id')
    @SecurityHeaders()
    async one(@Param('queue') queue: string, @Param('id') id: string) {
      const found = await this.dashboard.deadLetter(queue, id);
      if (!found) throw new NotFoundException(`No dead letter with message id ${JSON.stringify(id)} in ${queue}.XQ.`);
      return found;
    }

    @Post('api/queues/:queue/dead-letters/requeue')
    @HttpCode(200)
    @SecurityHeaders()
    requeue(@Param('queue') queue: string, @Body() body: RequeueBody = {}) {
      const all = body.all === true;
      const ids = body.ids;
      if (!all && !(Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string'))) {
        throw new BadRequestException('Give "ids" (a non-empty array of message ids) or "all": true.');
      }
      return this.dashboard.requeue(
        queue,
        { all, ids: all ? undefined : (ids as string[]) },
        body.resetRetries === true,
      );
    }

    @Post('api/queues/:queue/dead-letters/purge')
    @HttpCode(200)
    @SecurityHeaders()
    async purge(@Param('queue') queue: string) {
      return { purged: await this.dashboard.purge(queue) };
    }
  }
  return DashboardController;
}

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new BadRequestException(`${name} must be a whole number.`);
  return Number(text);
}
