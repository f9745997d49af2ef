import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@keyport/common';
import { checkTarget, ManualFiguresService, PlansService, ProgressReportsService, TargetsService, TargetView } from '@keyport/targets';
import { Actor } from '@keyport/users';
import { TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { createTargetsContext, insertUser, unusedYear } from '../utils/target-factories';

async function fieldsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).fields.map((f) => f.field).sort();
}

/** DOMAIN.md's table of 2018 targets: programme line, number, how it may be counted (and what it must filter on). */
const DOMAIN_2018: { line: string; target: number; metrics: string[]; filters?: Record<string, unknown>; baseline?: number }[] = [
  { line: 'innovation', target: 200, metrics: ['organisations_attending'], filters: { tags: ['innovation'] } },
  { line: 'innovation', target: 50, metrics: ['organisations_supported'], filters: { supportKinds: ['innovation_trajectory'] } },
  { line: 'innovation', target: 50, metrics: ['questions_answered'] },
  { line: 'innovation', target: 50, metrics: ['organisations_supported'], filters: { supportKinds: ['cluster'] } },
  { line: 'innovation', target: 50, metrics: ['organisations_attending'], filters: { formats: ['campus_exchange'] } },
  { line: 'innovation', target: 10, metrics: ['organisations_supported'], filters: { supportKinds: ['cooperation_project'] } },
  { line: 'innovation', target: 25, metrics: ['organisations_supported'], filters: { supportKinds: ['funding_support'] } },
  { line: 'entrepreneurship', target: 50, metrics: ['persons_attending'], filters: { formats: ['workshop', 'masterclass'] } },
  { line: 'entrepreneurship', target: 100, metrics: ['persons_attending'], filters: { formats: ['theme_meeting'] } },
  { line: 'entrepreneurship', target: 10, metrics: ['organisations_supported'], filters: { supportKinds: ['startup_plan_support'] } },
  { line: 'entrepreneurship', target: 25, metrics: ['organisations_supported'], filters: { supportKinds: ['strategy_plan_support'] } },
  { line: 'entrepreneurship', target: 50, metrics: ['persons_attending'], filters: { formats: ['knowledge_session'] } },
  { line: 'entrepreneurship', target: 50, metrics: ['persons_attending'], filters: { formats: ['campus_exchange'] } },
  { line: 'labour_market', target: 100, metrics: ['manual'] },
  { line: 'labour_market', target: 50, metrics: ['organisations_attending'], filters: { tags: ['leven lang leren'] } },
  { line: 'labour_market', target: 100, metrics: ['persons_attending'], filters: { tags: ['leven lang leren'] } },
  { line: 'labour_market', target: 100, metrics: ['persons_attending', 'manual'] },
  { line: 'labour_market', target: 500, metrics: ['group_headcount'], filters: { participantTypes: ['student'], includePersons: true } },
  { line: 'labour_market', target: 2000, metrics: ['group_headcount'], filters: { participantTypes: ['pupil'] } },
  { line: 'labour_market', target: 250, metrics: ['manual'] },
  { line: 'communication', target: 100, metrics: ['organisations_visited'] },
  { line: 'communication', target: 7, metrics: ['events_held'], filters: { formats: ['breakfast_session'] } },
  { line: 'communication', target: 3, metrics: ['events_held'], filters: { formats: ['partner_meeting'] } },
  { line: 'communication', target: 2, metrics: ['events_held'], filters: { formats: ['partner_meeting'] } },
  { line: 'communication', target: 3, metrics: ['events_held'], filters: { formats: ['round_table'] } },
  { line: 'communication', target: 4, metrics: ['progress_reports'] },
  { line: 'communication', target: 12, metrics: ['manual'] },
  { line: 'communication', target: 10, metrics: ['manual'] },
  { line: 'communication', target: 18020, metrics: ['manual'], baseline: 16900 },
  { line: 'communication', target: 1500, metrics: ['manual'], baseline: 1409 },
  { line: 'communication', target: 700, metrics: ['manual'], baseline: 620 },
  { line: 'communication', target: 370, metrics: ['manual'], baseline: 320 },
  { line: 'project_development', target: 8, metrics: ['manual', 'support_records'] },
  { line: 'project_development', target: 3, metrics: ['manual', 'support_records'] },
  { line: 'project_development', target: 3, metrics: ['manual', 'support_records'] },
  { line: 'project_development', target: 2, metrics: ['manual', 'support_records'] },
];

describe(PlansService.name, () => {
  let ctx: TestingModule;
  let sut: PlansService;
  let targets: TargetsService;
  let db: DataSource;
  let admin: Actor;
  let organiser: Actor;
  let manager: Actor;
  const freeYear = async () => {
    for (;;) {
      const y = unusedYear();
      if (!(await db.query(`SELECT 1 FROM year_plans WHERE year = $1`, [y])).length) return y;
    }
  };

  beforeAll(async () => {
    ctx = await createTargetsContext();
    sut = ctx.get(PlansService);
    targets = ctx.get(TargetsService);
    db = ctx.get(DataSource);
    admin = await insertUser(db, 'admin');
    organiser = await insertUser(db, 'organiser');
    manager = await insertUser(db, 'account_manager');
  });
  afterAll(() => ctx.close());

  it('ships the 2018 plan with every target of DOMAIN.md, each with its number and a valid counting rule', async () => {
    const plan = await sut.getPlan(2018);
    const left = [...plan.targets];
    for (const expected of DOMAIN_2018) {
      const i = left.findIndex(
        (t) => t.programmeLine === expected.line && t.target === expected.target && expected.metrics.includes(t.metric) &&
          (t.baseline ?? undefined) === expected.baseline && Object.entries(expected.filters ?? {}).every(([k, v]) => JSON.stringify((t.filters as Record<string, unknown>)[k]) === JSON.stringify(v)),
      );
      expect({ expected, found: i >= 0 }).toEqual({ expected, found: true });
      left.splice(i, 1);
    }
    // Two more from the source plan: 2 opportunities worked out, the 7 municipal communication teams visited.
    expect(left.map((t) => [t.key, t.target])).toEqual([['communication.opportunities_signalled', 2], ['communication.municipal_teams_visited', 7]]);
    for (const t of plan.targets) {
      expect({ key: t.key, errors: checkTarget({ ...t }).errors }).toEqual({ key: t.key, errors: [] });
      expect(t.title).toBeTruthy();
      expect(t.titleEn).toBeTruthy();
      expect(t.countingNote).toBeTruthy();
    }
    expect(plan.targets.filter((t) => t.metric === 'manual').every((t) => t.manualAggregate)).toBe(true);
    expect(plan.targets.map((t) => t.programmeLine)).toEqual([...plan.targets.map((t) => t.programmeLine)].sort((a, b) => LINES.indexOf(a) - LINES.indexOf(b)));
  });

  it('starts a plan as a copy of another year: same targets, independent of the original', async () => {
    const year = await freeYear();
    const copy = await sut.createPlan(organiser, { year, copyFrom: 2018 });
    const source = await sut.getPlan(2018);
    const shape = (t: TargetView) => [t.programmeLine, t.position, t.key, t.title, t.titleEn, t.target, t.metric, t.filters, t.manualAggregate, t.baseline, t.countingNote];
    expect(copy).toMatchObject({ year, copiedFromYear: 2018, targetCount: source.targets.length });
    expect(copy.targets.map(shape)).toEqual(source.targets.map(shape));
    expect(copy.targets.every((t) => t.year === year && !source.targets.some((s) => s.id === t.id))).toBe(true);

    await targets.update(organiser, copy.targets[0].id, { target: 250 });
    expect((await sut.getPlan(2018)).targets[0].target).toBe(source.targets[0].target);
    expect((await sut.listPlans()).map((p) => p.year)).toEqual(expect.arrayContaining([2018, year]));
  });

  it('refuses a second plan for a year (409), a copy of a year without a plan, and editing by others', async () => {
    const year = await freeYear();
    await sut.createPlan(admin, { year });
    await expect(sut.createPlan(admin, { year, copyFrom: 2018 })).rejects.toBeInstanceOf(ConflictError);
    const other = await freeYear();
    expect(await fieldsOf(sut.createPlan(admin, { year: other, copyFrom: 1999 }))).toEqual(['copyFrom']);
    await expect(sut.getPlan(other)).rejects.toBeInstanceOf(NotFoundError);
    expect(await fieldsOf(sut.createPlan(admin, { year: 1850 }))).toEqual(['year']);
    await expect(sut.createPlan(manager, { year: other })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(sut.deletePlan(organiser, year)).rejects.toBeInstanceOf(ForbiddenError);
    await sut.deletePlan(admin, year);
    await expect(sut.getPlan(year)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('validates a target: metric, filters that apply to it, manual settings; keys are unique per plan', async () => {
    const year = await freeYear();
    await sut.createPlan(admin, { year });
    const base = { programmeLine: 'innovation', title: 'Doel', target: 10 };
    expect(await fieldsOf(targets.create(admin, year, { ...base, metric: 'bogus' as never }))).toEqual(['metric']);
    expect(await fieldsOf(targets.create(admin, year, { ...base, metric: 'events_held', filters: { organisationTypes: ['company'], colour: ['red'] } as never }))).toEqual(['filters.colour', 'filters.organisationTypes']);
    expect(await fieldsOf(targets.create(admin, year, { ...base, metric: 'organisations_supported', filters: {} }))).toEqual(['filters.supportKinds']);
    expect(await fieldsOf(targets.create(admin, year, { ...base, metric: 'persons_attending', filters: { formats: ['party'], municipalities: ['Venlo'] } }))).toEqual(['filters.formats', 'filters.municipalities']);
    expect(await fieldsOf(targets.create(admin, year, { ...base, metric: 'manual' }))).toEqual(['manualAggregate']);
    expect(await fieldsOf(targets.create(admin, year, { ...base, metric: 'events_held', baseline: 3 }))).toEqual(['baseline']);
    expect(await fieldsOf(targets.create(admin, year, { programmeLine: 'x', title: ' ', target: 0, metric: 'events_held' }))).toEqual(['programmeLine', 'target', 'title']);
    await expect(targets.create(manager, year, { ...base, metric: 'events_held' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(targets.create(admin, year + 10_000, { ...base, metric: 'events_held' })).rejects.toBeInstanceOf(NotFoundError);

    const t = await targets.create(organiser, year, { ...base, key: 'a.b', metric: 'persons_attending', filters: { tags: [' IoT ', 'iot'], municipalities: ['weert', 'OUTSIDE'] } });
    expect(t).toMatchObject({ year, position: 0, filters: { tags: ['iot'], municipalities: ['Weert', 'outside'] }, manualAggregate: null });
    await expect(targets.create(organiser, year, { ...base, key: 'a.b', metric: 'events_held' })).rejects.toBeInstanceOf(ConflictError);
    expect((await targets.create(organiser, year, { ...base, metric: 'events_held' })).position).toBe(1);

    // Changing the metric re-checks the filters it keeps.
    expect(await fieldsOf(targets.update(organiser, t.id, { metric: 'questions_answered' }))).toEqual(['filters.tags']);
    const moved = await targets.update(organiser, t.id, { metric: 'questions_answered', filters: {}, programmeLine: 'communication', titleEn: 'Goal' });
    expect(moved).toMatchObject({ metric: 'questions_answered', filters: {}, programmeLine: 'communication', position: 0, titleEn: 'Goal' });
    await targets.delete(admin, t.id);
    await expect(targets.get(t.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('takes manual figures: a level is the latest entry of the period beside its baseline, outcomes are added up', async () => {
    const year = await freeYear();
    await sut.createPlan(admin, { year });
    const figures = ctx.get(ManualFiguresService);
    const level = await targets.create(organiser, year, { programmeLine: 'communication', title: 'Twitter', target: 700, metric: 'manual', manualAggregate: 'latest', baseline: 620 });
    const sum = await targets.create(organiser, year, { programmeLine: 'communication', title: 'Awards', target: 10, metric: 'manual', manualAggregate: 'sum' });
    expect((await targets.tally(level.id)).value).toBeNull();
    for (const [day, value] of [[`${year}-02-01`, 640], [`${year}-05-01`, 655], [`${year}-05-01`, 660], [`${year}-08-01`, 690]] as const) {
      await figures.add(organiser, level.id, { recordedOn: day, value, note: 'Twitter analytics' });
    }
    for (const [day, value] of [[`${year}-03-10`, 2], [`${year}-06-20`, 3], [`${year + 1}-01-05`, 4]] as const) await figures.add(organiser, sum.id, { recordedOn: day, value });

    expect((await targets.tally(level.id)).value).toBe(690);
    expect((await targets.tally(level.id, { year, quarter: 2 })).value).toBe(660); // the later of two entries on one day
    expect((await targets.tally(level.id, { year, quarter: 4 })).value).toBeNull();
    expect((await targets.tally(sum.id)).value).toBe(5);
    expect((await targets.drillDown(sum.id)).map((i) => i.count)).toEqual([2, 3]);
    expect((await targets.monthly(level.id)).map((m) => m.value)).toEqual([null, 640, 640, 640, 660, 660, 660, 690, 690, 690, 690, 690]);
    expect((await targets.monthly(sum.id)).map((m) => m.value)).toEqual([0, 0, 2, 2, 2, 5, 5, 5, 5, 5, 5, 5]);

    const figure = await targets.figureOf(level.id, undefined, new Date(Date.UTC(year, 6, 2, 10)));
    expect(figure).toMatchObject({ value: 690, baseline: 620, target: 700, pace: { status: 'on_track', progress: 0.875 } });
    expect(figure.pace.expected).toBeGreaterThan(659);
    expect(figure.pace.expected).toBeLessThan(661);
    expect(await targets.breakdown(level.id)).toEqual([]);

    expect(await fieldsOf(figures.add(organiser, sum.id, { recordedOn: `${year}-02-30`, value: -1 }))).toEqual(['recordedOn', 'value']);
    const counted = await targets.create(organiser, year, { programmeLine: 'communication', title: 'Bezocht', target: 100, metric: 'organisations_visited' });
    await expect(figures.add(organiser, counted.id, { recordedOn: `${year}-01-01`, value: 1 })).rejects.toBeInstanceOf(ConflictError);
    await expect(targets.update(organiser, sum.id, { metric: 'events_held' })).rejects.toBeInstanceOf(ConflictError);
    const [latest] = await figures.list(sum.id);
    await figures.remove(organiser, sum.id, latest.id);
    expect((await targets.tally(sum.id, { year: year + 1 })).value).toBe(0);
  });

  it('issues a quarterly progress report once, with a snapshot, and counts it towards the communication target', async () => {
    const year = await freeYear();
    await sut.createPlan(admin, { year, copyFrom: 2018 });
    const reportsTarget = (await sut.getPlan(year)).targets.find((t) => t.metric === 'progress_reports')!;
    const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Amsterdam' }).format(new Date());
    const before = (await targets.tally(reportsTarget.id, { from: today, to: today })).value!;

    const reports = ctx.get(ProgressReportsService);
    const report = await reports.issue(organiser, { year, quarter: 1, highlights: '  Drie ontbijtsessies.  ' });
    expect(report).toMatchObject({ year, quarter: 1, highlights: 'Drie ontbijtsessies.', issuedBy: organiser.id, issuedByName: organiser.name, issuedAt: expect.any(Date) });
    expect(report.snapshot!.period.label).toBe(`Q1 ${year}`);
    expect(report.snapshot!.targets).toHaveLength((await sut.getPlan(year)).targets.length);
    expect(report.snapshot!.targets[0].municipalities).toHaveLength(8); // the first target counts organisations

    await expect(reports.issue(organiser, { year, quarter: 1 })).rejects.toBeInstanceOf(ConflictError);
    expect(await fieldsOf(reports.issue(organiser, { year, quarter: 5 }))).toEqual(['quarter']);
    await expect(reports.issue(manager, { year, quarter: 2 })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await targets.tally(reportsTarget.id, { from: today, to: today })).value).toBe(before + 1);
    expect((await reports.list(year)).map((r) => r.id)).toEqual([report.id]);
  });
});

const LINES = ['innovation', 'entrepreneurship', 'labour_market', 'communication', 'project_development'];
