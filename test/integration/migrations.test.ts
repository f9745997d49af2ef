import { createDataSource, MIGRATIONS, runMigrations } from '@keyport/database';
import { Client } from 'pg';
import { databaseUrlFor, pgServerUrl } from '../utils/services';

async function tables(url: string): Promise<string[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
  await c.end();
  return rows.map((r) => r.table_name);
}

describe('migrations', () => {
  const database = `keyport_migrations_${process.pid}`;
  const url = () => databaseUrlFor(database);
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: pgServerUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
    await admin.query(`CREATE DATABASE "${database}"`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  it('apply to an empty database, revert one by one to empty, and apply again', async () => {
    const ds = createDataSource({ url: url(), poolSize: 2 });
    await ds.initialize();
    try {
      const applied = await runMigrations(ds);
      expect(applied).toEqual(MIGRATIONS.map((m) => new m().name ?? m.name));
      expect(await tables(url())).toEqual(expect.arrayContaining(['users', 'job_outbox', 'local_mail', 'migrations', 'organisations', 'contacts', 'events', 'registrations']));
      expect(await runMigrations(ds)).toEqual([]);

      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await tables(url())).toEqual(['migrations']);

      expect(await runMigrations(ds)).toHaveLength(MIGRATIONS.length);
    } finally {
      await ds.destroy();
    }
  });
});
