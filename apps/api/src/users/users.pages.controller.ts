import { ValidationError } from '@keyport/common';
import { Actor, Role, ROLES, UsersService } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../auth/auth.decorators';
import { Column, ExportFormat, sendExport } from '../common/export';
import { fieldMap, FormErrors, validateForm } from '../common/validation';
import { PageRenderer, resolveLang } from '../pages/page-renderer';
import { toUserView } from './users.api.controller';
import { CreateUserDto, SetPasswordDto, UserListQuery } from './dto';
import { User } from '@keyport/users';

@ApiExcludeController()
@Roles(Role.Admin)
@Controller('admin/users')
export class UsersPagesController {
  constructor(
    private readonly users: UsersService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: UserListQuery): Promise<void> {
    const page = await this.users.list(actor, query);
    await this.pages.render(req, reply, 'users/list', {
      titleKey: 'users.title',
      page: { ...page, items: page.items.map(toUserView) },
      query,
      roles: ROLES,
      currentUrl: req.url,
    });
  }

  @Get('export')
  async export(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: UserListQuery & { format?: string }): Promise<void> {
    const lang = resolveLang(req);
    const rows: User[] = [];
    for (let p = 1; ; p++) {
      const page = await this.users.list(actor, { ...query, page: p, pageSize: 200 });
      rows.push(...page.items);
      if (p >= page.pages) break;
    }
    const columns: Column<User>[] = [
      { header: this.pages.t(lang, 'users.name'), value: (u) => u.name },
      { header: this.pages.t(lang, 'users.email'), value: (u) => u.email },
      { header: this.pages.t(lang, 'users.role'), value: (u) => this.pages.t(lang, `roles.${u.role}`) },
      { header: this.pages.t(lang, 'users.active'), value: (u) => u.active },
      { header: this.pages.t(lang, 'users.lastLogin'), value: (u) => u.lastLoginAt },
    ];
    await sendExport(reply, exportFormat(query.format), 'users', columns, rows);
  }

  @Get('new')
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.pages.render(req, reply, 'users/new', { titleKey: 'users.new', roles: ROLES, values: { role: Role.AccountManager }, errors: {} });
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const { value, errors } = await validateForm(CreateUserDto, body);
    let formErrors: FormErrors = errors;
    if (value) {
      try {
        const user = await this.users.create(actor, value);
        return this.pages.redirect(req, reply, `/admin/users/${user.id}`, { type: 'success', key: 'users.created', args: { name: user.name } });
      } catch (error) {
        if (!(error instanceof ValidationError) && !(error as { fields?: unknown }).fields) throw error;
        formErrors = fieldMap((error as ValidationError).fields);
      }
    }
    const { password: _password, _csrf, ...values } = body;
    await this.pages.render(req, reply, 'users/new', { titleKey: 'users.new', roles: ROLES, values, errors: formErrors }, { status: 400 });
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const user = await this.users.get(actor, id);
    await this.pages.render(req, reply, 'users/edit', { titleKey: 'users.edit', user: toUserView(user), roles: ROLES, errors: {} });
  }

  @Post(':id')
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const role = ROLES.includes(body.role as Role) ? (body.role as Role) : undefined;
    try {
      await this.users.update(actor, id, { name: typeof body.name === 'string' ? body.name : undefined, role, active: body.active === 'on' });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const user = await this.users.get(actor, id);
      return this.pages.render(req, reply, 'users/edit', { titleKey: 'users.edit', user: toUserView(user), roles: ROLES, errors: fieldMap(error.fields) }, { status: 400 });
    }
    await this.pages.redirect(req, reply, `/admin/users/${id}`, { type: 'success', key: 'users.saved' });
  }

  @Post(':id/password')
  async setPassword(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const { value, errors } = await validateForm(SetPasswordDto, body);
    if (!value) {
      const user = await this.users.get(actor, id);
      return this.pages.render(req, reply, 'users/edit', { titleKey: 'users.edit', user: toUserView(user), roles: ROLES, errors }, { status: 400 });
    }
    await this.users.setPassword(actor, id, value.password);
    await this.pages.redirect(req, reply, `/admin/users/${id}`, { type: 'success', key: 'users.passwordSet' });
  }
}

export function exportFormat(value: unknown): ExportFormat {
  return value === 'xlsx' ? 'xlsx' : 'csv';
}
