import { ConfigError, loadConfig } from '@keyport/config';
import { migrateDatabase } from '@keyport/database';
import { applyEmbeddedDefaults } from './embedded-defaults';
import { createApp } from './setup-app';

async function main(): Promise<void> {
  const started = Date.now();
  const defaults = await applyEmbeddedDefaults(process.env, (line) => console.log(line));
  let config;
  try {
    config = loadConfig(defaults.env);
  } catch (error) {
    await defaults.stop();
    throw error;
  }
  const applied = await migrateDatabase(config.db);
  const app = await createApp(config);
  await app.listen({ port: config.app.port, host: '0.0.0.0' });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    await app.close().catch(() => undefined);
    await defaults.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const lines = [
    '',
    `Keyport Platform is running at ${config.app.url} (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    ...defaults.notes.map((n) => `  ${n}`),
    ...(applied.length ? [`  Migrations applied: ${applied.join(', ')}`] : []),
    ...(defaults.adminLogin
      ? [`  Admin login: ${defaults.adminLogin.email} / ${defaults.adminLogin.password} (the initial password, until you change it)`]
      : []),
    `  API documentation: ${config.app.url}/api/docs`,
    '',
  ];
  console.log(lines.join('\n'));
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
