import { Page } from '@keyport/common';
import { Actor, Role, User, UsersService } from '@keyport/users';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '../auth/auth.decorators';
import { CreateUserDto, SetPasswordDto, UpdateUserDto, UserListQuery, UserView } from './dto';

export const toUserView = (u: User): UserView => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  active: u.active,
  lastLoginAt: u.lastLoginAt,
  createdAt: u.createdAt,
});

@ApiTags('users')
@ApiBearerAuth()
@Roles(Role.Admin)
@Controller('api/v1/users')
export class UsersApiController {
  constructor(private readonly users: UsersService) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Query() query: UserListQuery): Promise<Page<UserView>> {
    const page = await this.users.list(actor, query);
    return { ...page, items: page.items.map(toUserView) };
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Body() dto: CreateUserDto): Promise<UserView> {
    return toUserView(await this.users.create(actor, dto));
  }

  @Get(':id')
  async get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<UserView> {
    return toUserView(await this.users.get(actor, id));
  }

  @Patch(':id')
  async update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateUserDto): Promise<UserView> {
    return toUserView(await this.users.update(actor, id, dto));
  }

  @Put(':id/password')
  @HttpCode(204)
  async setPassword(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: SetPasswordDto): Promise<void> {
    await this.users.setPassword(actor, id, dto.password);
  }
}
