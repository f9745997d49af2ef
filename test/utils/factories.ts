import { Role, UsersService } from '@keyport/users';
import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

export const TEST_PASSWORD = 'correct-horse-battery';

/** A staff user of the given role with TEST_PASSWORD, made through the real service. */
export async function newUser(app: INestApplicationContext, role: Role, overrides: { email?: string; name?: string } = {}) {
  return app.get(UsersService).create('system', {
    email: overrides.email ?? `${role}-${randomUUID().slice(0, 8)}@example.nl`,
    name: overrides.name ?? `Test ${role}`,
    role,
    password: TEST_PASSWORD,
  });
}
