import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  applicationName?: string;
}

/**
 * The one description of how the platform talks to PostgreSQL: the app (through TypeOrmModule), the
 * migration CLI and the tests all build their connection from here. Schema changes come only from the
 * checked-in migrations; `synchronize` stays off.
 */
export function dataSourceOptions(settings: DatabaseSettings, entities: DataSourceOptions['entities'] = []): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    applicationName: settings.applicationName ?? 'keyport',
    extra: {
      max: settings.poolSize ?? 10,
      // Fail fast while PostgreSQL is down instead of queueing requests for ever.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 30_000,
    },
  };
}

export function createDataSource(settings: DatabaseSettings, entities: DataSourceOptions['entities'] = []): DataSource {
  return new DataSource(dataSourceOptions(settings, entities));
}
