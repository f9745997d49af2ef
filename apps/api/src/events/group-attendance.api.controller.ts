import { EventsService, GroupAttendanceDto, GroupAttendanceService, GroupAttendanceView } from '@keyport/events';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '../auth/auth.decorators';

/** Whole groups (school classes) at an event, counted by headcount. */
@ApiTags('events')
@ApiBearerAuth()
@Roles(Role.Organiser)
@Controller('api/v1/events/:id/groups')
export class GroupAttendanceApiController {
  constructor(
    private readonly events: EventsService,
    private readonly groups: GroupAttendanceService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The groups recorded for the event' })
  async list(@Param('id') id: string): Promise<GroupAttendanceView[]> {
    await this.events.get(id);
    return this.groups.list(id);
  }

  @Post()
  @ApiOperation({ summary: 'Record a group by headcount (published or held events)' })
  record(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: GroupAttendanceDto): Promise<GroupAttendanceView> {
    return this.groups.record(actor, id, dto);
  }

  @Delete(':groupId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a group recorded by mistake' })
  async remove(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('groupId') groupId: string): Promise<void> {
    await this.groups.remove(actor, id, groupId);
  }
}
