import { CreateEventDto, EventsService, EventView } from '@keyport/events';
import { Role } from '@keyport/users';
import { INestApplicationContext } from '@nestjs/common';
import { newUser } from './factories';

const DAY = 24 * 3600 * 1000;

/** A published event (unless told otherwise) starting in a week, made through the real service. */
export async function newEvent(app: INestApplicationContext, overrides: Partial<CreateEventDto> & { publish?: boolean } = {}): Promise<EventView> {
  const organiser = await newUser(app, Role.Organiser);
  const actor = { id: organiser.id, role: organiser.role, name: organiser.name, email: organiser.email };
  const { publish = true, ...fields } = overrides;
  const start = Date.now() + 7 * DAY;
  const events = app.get(EventsService);
  const event = await events.create(actor, {
    title: 'Ontbijtsessie Smart Industry',
    format: 'breakfast_session',
    programmeLines: ['innovation'],
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 2 * 3600 * 1000).toISOString(),
    capacity: 20,
    ...fields,
  });
  return publish ? events.publish(actor, event.id) : event;
}
