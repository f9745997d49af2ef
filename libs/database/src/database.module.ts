import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { createDataSource, DatabaseSettings, dataSourceOptions } from './data-source';

/** TypeORM for the app: entities come from each feature's forFeature(); migrations from this lib. */
@Module({})
export class DatabaseModule {
  static forRoot(settings: DatabaseSettings): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(settings),
          autoLoadEntities: true,
          // Start even while PostgreSQL is briefly away; requests get 503 until it answers.
          retryAttempts: 10,
          retryDelay: 1_000,
        }),
      ],
    };
  }
}

const MIGRATION_LOCK = 7_260_2018;

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so several API instances and workers
 * starting together apply each migration once.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}

/** Opens a short-lived connection, applies pending migrations, closes it. Run before the app starts. */
export async function migrateDatabase(settings: DatabaseSettings): Promise<string[]> {
  const dataSource = createDataSource({ ...settings, poolSize: 2, applicationName: 'keyport-migrate' });
  await dataSource.initialize();
  try {
    return await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
