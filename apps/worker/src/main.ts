import { ConfigError, loadConfig } from '@keyport/config';
import { migrateDatabase } from '@keyport/database';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WorkerAppModule } from './worker-app.module';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.redis.url) {
    throw new ConfigError('REDIS_URL', 'is missing: a separate worker needs Redis (without it, the API runs the jobs itself)');
  }
  await migrateDatabase(config.db);
  const app = await NestFactory.createApplicationContext(WorkerAppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
