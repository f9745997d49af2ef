import { ConfigError, loadConfig } from '@keyport/config';
import { createDataSource, migrateDatabase } from '@keyport/database';
import { Role, ROLES } from '@keyport/users';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { applyEmbeddedDefaults } from './embedded-defaults';

const USAGE = `Usage:
  npm run migration:run                     apply pending migrations
  npm run migration:revert                  revert the last migration
  npm run user:create -- --email E --name N --role admin|organiser|account_manager [--password P]
                                            (without --password one is generated and printed)`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const defaults = await applyEmbeddedDefaults(process.env, () => undefined);
  try {
    const config = loadConfig(defaults.env);
    if (command === 'migrate') {
      const applied = await migrateDatabase(config.db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply');
    } else if (command === 'migrate:revert') {
      const ds = createDataSource(config.db);
      await ds.initialize();
      await ds.undoLastMigration({ transaction: 'each' });
      await ds.destroy();
      console.log('reverted the last migration');
    } else if (command === 'user:create') {
      const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } } });
      if (!values.email || !values.name || !ROLES.includes(values.role as Role)) throw new Error(USAGE);
      const password = values.password ?? randomBytes(12).toString('base64url');
      await migrateDatabase(config.db);
      // The same service as the admin page, so the same rules (unique email, password length) apply.
      const { UsersCliModule } = await import('./users-cli.module');
      const { UsersService } = await import('@keyport/users');
      const ctx = await NestFactory.createApplicationContext(UsersCliModule.forRoot(config), { logger: ['error'] });
      try {
        const user = await ctx.get(UsersService).create('system', { email: values.email, name: values.name, role: values.role as Role, password });
        console.log(`created ${user.role} ${user.email}${values.password ? '' : ` with password ${password}`}`);
      } finally {
        await ctx.close();
      }
    } else {
      console.log(USAGE);
      process.exitCode = command ? 2 : 0;
    }
  } finally {
    await defaults.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message ?? error);
  process.exit(1);
});
