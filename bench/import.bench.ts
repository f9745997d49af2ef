import { addSummary } from './summary';
import { loadConfig } from '@keyport/config';
import { OrganisationsService } from '@keyport/crm';
import { ImportsService } from '@keyport/crm/import';
import { migrateDatabase } from '@keyport/database';
import { Role, UsersService } from '@keyport/users';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { WorkerAppModule } from '../apps/worker/src/worker-app.module';

/**
 * Import of N generated organisations, each with a person working there (BENCH_ROWS, default 100,000),
 * through the real ImportsService (preview) and the run-import job on the in-process queue (run), on a
 * fresh PostgreSQL database; then organisation search (OrganisationsService.list({ q })) over that data.
 * Prints rows per second, peak memory (process.memoryUsage() every 100 ms) and query times.
 */

const MUNICIPALITIES = ['Weert', 'Roermond', 'Leudal', 'Maasgouw', 'Nederweert', 'Roerdalen', 'Cranendonck', 'Venlo', 'Eindhoven', 'Sittard-Geleen'];
const WORDS = ['Techniek', 'Metaal', 'Bouw', 'Installatie', 'Logistiek', 'Zorg', 'Advies', 'Voeding', 'Kunststof', 'Print', 'Software', 'Agro', 'Energie', 'Design', 'Transport', 'Machinebouw'];
const FAMILY = ['Jansen', 'Peeters', 'Smeets', 'Hendriks', 'Willems', 'Janssen', 'Vos', 'Bakker', 'Kuipers', 'Geurts', 'Coenen', 'Dirks'];
const FIRST = ['Anouk', 'Bram', 'Sanne', 'Tom', 'Lotte', 'Joep', 'Eva', 'Luuk', 'Noor', 'Stijn'];
const pick = <T>(list: T[], i: number) => list[i % list.length];

/** Organisation line i: unique KvK, name and email; a name from a few hundred combinations plus a number. */
function line(i: number): string {
  const family = pick(FAMILY, i * 7);
  const name = `${family} ${pick(WORDS, i * 3)} ${i}`;
  const first = pick(FIRST, i);
  return [
    `${name} B.V.`, 'company', String(10_000_000 + i), pick(MUNICIPALITIES, i), `Industrieweg ${(i % 200) + 1}`, `60${String(i % 100).padStart(2, '0')} AB`,
    pick(MUNICIPALITIES, i), pick(WORDS, i), pick(['micro', 'small', 'medium', 'large'], i), `https://www.bedrijf-${i}.nl`, `"${pick(WORDS, i).toLowerCase()};regio"`,
    first, `${family} ${i}`, `${first.toLowerCase()}.${i}@bedrijf-${i}.nl`, `0495 ${String(100_000 + (i % 900_000))}`, 'Directeur', 'Eigenaar',
  ].join(';');
}

function generateCsv(rows: number): Buffer {
  const parts: Buffer[] = [Buffer.from('\uFEFFname;type;kvkNumber;municipality;street;postcode;city;sector;sizeClass;website;tags;firstName;lastName;email;phone;jobTitle;role\r\n')];
  for (let start = 1; start <= rows; start += 10_000) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(start + 10_000, rows + 1); i++) lines.push(line(i));
    parts.push(Buffer.from(`${lines.join('\r\n')}\r\n`));
  }
  return Buffer.concat(parts);
}

/** Highest RSS and heap seen, sampled every 100 ms. */
class MemoryPeak {
  private rss = 0;
  private heap = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss);
    this.heap = Math.max(this.heap, m.heapUsed);
  }

  stop(): { rssMb: number; heapMb: number } {
    clearInterval(this.timer);
    this.sample();
    return { rssMb: Math.round(this.rss / 1048576), heapMb: Math.round(this.heap / 1048576) };
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

export async function runImportBench(): Promise<void> {
  const rows = Number(process.env.BENCH_ROWS ?? 100_000);
  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const database = `bench_import_${Date.now()}`;
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(server.toString());
  url.pathname = `/${database}`;
  let app: INestApplicationContext | undefined;
  try {
    await migrateDatabase({ url: url.toString() });
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: url.toString(), APP_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent' });
    app = await NestFactory.createApplicationContext(WorkerAppModule.forRoot(config), { logger: false });
    const user = await app.get(UsersService).create('system', { email: 'bench@example.nl', name: 'Bench Organiser', role: Role.Organiser, password: randomBytes(16).toString('hex') });
    const actor = { id: user.id, role: user.role, name: user.name, email: user.email };
    const imports = app.get(ImportsService);

    const file = generateCsv(rows);
    console.log(`import: ${rows.toLocaleString('en')} organisations with a person each, ${(file.length / 1048576).toFixed(1)} MB CSV, PostgreSQL ${server.host}, database ${database}`);
    const baseline = process.memoryUsage();
    console.log(`  baseline before the preview (app + the file in memory): rss ${Math.round(baseline.rss / 1048576)} MB, heap ${Math.round(baseline.heapUsed / 1048576)} MB`);

    let memory = new MemoryPeak();
    let started = performance.now();
    const preview = await imports.preview(actor, { kind: 'organisations', fileName: 'bench.csv', content: file });
    let seconds = (performance.now() - started) / 1000;
    let peak = memory.stop();
    console.log(`  preview: ${preview.totalRows} lines (${preview.preview!.accepted} accepted) in ${seconds.toFixed(1)} s = ${Math.round(preview.totalRows / seconds)} rows/s; peak rss ${peak.rssMb} MB, heap ${peak.heapMb} MB`);

    memory = new MemoryPeak();
    started = performance.now();
    await imports.requestRun(actor, preview.id);
    for (;;) {
      const p = await imports.progress(actor, preview.id);
      if (p.status === 'done' || p.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    seconds = (performance.now() - started) / 1000;
    peak = memory.stop();
    const done = await imports.get(actor, preview.id);
    if (done.status !== 'done' || done.createdCount !== rows) throw new Error(`import ended ${done.status} with ${done.createdCount} created: ${done.error}`);
    addSummary('import', `import run, ${rows.toLocaleString('en')} lines`, `${Math.round(done.createdCount / seconds)} lines/s, peak rss ${peak.rssMb} MB`);
    console.log(`  run (queue → job → services, with audit): ${done.createdCount} lines created in ${seconds.toFixed(1)} s = ${Math.round(done.createdCount / seconds)} rows/s; peak rss ${peak.rssMb} MB, heap ${peak.heapMb} MB`);

    const organisations = app.get(OrganisationsService);
    await organisations.list({ q: 'warm-up' });
    const fragments = Array.from({ length: 200 }, (_, i) => {
      const name = `${pick(FAMILY, i * 13)} ${pick(WORDS, i * 5)} ${(i * 7919) % rows}`;
      const from = i % 3 === 0 ? 0 : (i * 31) % Math.max(1, name.length - 6);
      return name.slice(from, from + 4 + (i % 5));
    });
    const times: number[] = [];
    for (const q of fragments) {
      const t0 = performance.now();
      await organisations.list({ q });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    addSummary('import', `organisation search over ${rows.toLocaleString('en')} organisations`, `median ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms`);
    console.log(`  organisation search over ${rows.toLocaleString('en')} organisations, 200 queries of name fragments (OrganisationsService.list, page of 25 + count): median ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`);
  } finally {
    await app?.close();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}
