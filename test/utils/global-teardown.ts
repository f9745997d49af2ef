export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as unknown as { __keyport?: { stops: (() => Promise<void>)[]; dropDatabase?: () => Promise<void> } }).__keyport;
  if (!state) return;
  await state.dropDatabase?.().catch((e) => console.warn(`could not drop the test database: ${(e as Error).message}`));
  for (const stop of state.stops.reverse()) await stop().catch(() => undefined);
}
