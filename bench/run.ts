import { runImportBench } from './import.bench';
import { runMailingBench } from './mailing.bench';
import { runSignupBench } from './signup.bench';
import { printSummary } from './summary';
import { runTargetsBench } from './targets.bench';

/**
 * The benchmarks: `npm run bench` runs them all, `node dist/bench/run.js import` one of them. They print
 * figures; nothing is asserted, and they are never part of the test run. A new benchmark adds itself here.
 */
const BENCHMARKS: Record<string, () => Promise<void>> = {
  import: runImportBench,
  mailing: runMailingBench,
  signup: runSignupBench,
  targets: runTargetsBench,
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !BENCHMARKS[name]);
  if (unknown.length) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; available: ${Object.keys(BENCHMARKS).join(', ')}`);
  for (const name of asked.length ? asked : Object.keys(BENCHMARKS)) {
    console.log(`\n== ${name} ==`);
    await BENCHMARKS[name]();
  }
  printSummary();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
