import { ContactsService, ERASED_NAME, OrganisationsService } from '@keyport/crm';
import { ManualFiguresService, PlansService, TargetFilters, TargetsService, TargetView } from '@keyport/targets';
import { Actor } from '@keyport/users';
import { TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { newContact, newOrganisation } from '../utils/crm-factories';
import {
  createTargetsContext, Dataset, privateTargetsDatabase, GenOrganisation, generateDataset, insertEvents, insertRegistrations, insertUser, newGenEvent, Pick, seededRandom, unusedYear,
} from '../utils/target-factories';

/**
 * The tallies against an independent count: the same generated records counted in memory, by
 * Amsterdam calendar days (Intl) instead of instants in SQL, with plain loops and sets.
 */
const SEED = 20180401;
const amsterdamDay = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Amsterdam' });
const localDay = (d: Date) => amsterdamDay.format(d);
interface Window { start: string; end: string }
interface Unit { weight: number; municipality: string }
interface Expected { value: number | null; units: Map<string, Unit>; attendance: { registered: number; attended: number; noShow: number } | null }
type Entry = { recordedOn: string; value: number; seq: number };

const inDay = (w: Window, day: string) => w.start <= day && day < w.end;
const overlaps = (a: readonly string[] | undefined, b: readonly string[]) => !a || a.some((x) => b.includes(x));
const within = (a: readonly string[] | undefined, x: string | null) => !a || (x !== null && a.includes(x));

class InMemory {
  private readonly orgs: Map<string, GenOrganisation>;
  constructor(
    private readonly ds: Dataset,
    private readonly manual: Map<string, Entry[]>,
  ) {
    this.orgs = new Map(ds.organisations.map((o) => [o.id, o]));
  }

  private survivor(id: string | null): GenOrganisation | null {
    if (!id) return null;
    const o = this.orgs.get(id) as GenOrganisation;
    return o.mergedIntoId ? (this.orgs.get(o.mergedIntoId) as GenOrganisation) : o;
  }
  private place(o: { inRegion: boolean; municipalityKey: string | null } | null): string {
    return o && o.inRegion && o.municipalityKey ? o.municipalityKey : 'outside';
  }
  private orgOk(o: GenOrganisation | null, f: TargetFilters): boolean {
    if (f.organisationTypes && !(o && f.organisationTypes.includes(o.type))) return false;
    if (f.municipalities && !f.municipalities.map((m) => m.toLowerCase()).includes(this.place(o))) return false;
    if (f.inRegion !== undefined && (o?.inRegion ?? false) !== f.inRegion) return false;
    return true;
  }
  /** Of several candidate rows for one unit: the latest, then one in the region, then by name. */
  private better(a: { at: number; municipality: string }, b: { at: number; municipality: string } | undefined): boolean {
    if (!b) return true;
    if (a.at !== b.at) return a.at > b.at;
    if ((a.municipality === 'outside') !== (b.municipality === 'outside')) return a.municipality !== 'outside';
    return a.municipality < b.municipality;
  }

  figure(t: TargetView, w: Window): Expected {
    const f = t.filters;
    const units = new Map<string, Unit & { at: number }>();
    const add = (id: string, weight: number, municipality: string, at = 0) => {
      const seen = units.get(id);
      const row = { weight, municipality, at };
      if (this.better(row, seen)) units.set(id, row);
    };
    let attendance: Expected['attendance'] = null;
    const events = new Map(this.ds.events.map((e) => [e.id, e]));
    const eventOk = (id: string) => {
      const e = events.get(id)!;
      return inDay(w, localDay(e.startsAt)) && within(f.formats, e.format) && overlaps(f.programmeLines, e.programmeLines) && overlaps(f.tags, e.tags);
    };
    const attendances = (unit: 'organisation' | 'person') => {
      const seen = new Map<string, { attended: boolean; noShow: boolean }>();
      for (const r of this.ds.registrations) {
        if (!['confirmed', 'attended', 'no_show'].includes(r.status) || !eventOk(r.eventId) || !within(f.participantTypes, r.participantType)) continue;
        const org = this.survivor(r.organisationId);
        if (!this.orgOk(org, f) || (unit === 'organisation' && !org)) continue;
        const contact = this.ds.contacts.find((c) => c.id === r.contactId)!;
        const id = unit === 'organisation' ? org!.id : contact.mergedIntoId ?? contact.id;
        const s = seen.get(id) ?? { attended: false, noShow: false };
        s.attended ||= r.status === 'attended';
        s.noShow ||= r.status === 'no_show';
        seen.set(id, s);
        if (r.status === 'attended') add(id, 1, this.place(org), events.get(r.eventId)!.startsAt.getTime());
      }
      const all = [...seen.values()];
      attendance = { registered: all.length, attended: all.filter((s) => s.attended).length, noShow: all.filter((s) => !s.attended && s.noShow).length };
    };

    switch (t.metric) {
      case 'organisations_attending':
        attendances('organisation');
        break;
      case 'persons_attending':
        attendances('person');
        break;
      case 'group_headcount':
        for (const g of this.ds.groups) {
          const org = this.survivor(g.organisationId);
          if (eventOk(g.eventId) && within(f.participantTypes, g.participantType) && within(f.educationLevels, g.educationLevel) && this.orgOk(org, f)) add(g.id, g.headcount, this.place(org));
        }
        if (f.includePersons) attendances('person');
        break;
      case 'events_held':
        for (const e of this.ds.events) {
          const place = this.place(e);
          if (e.status !== 'held' || !eventOk(e.id)) continue;
          if (f.municipalities && !f.municipalities.map((m) => m.toLowerCase()).includes(place)) continue;
          if (f.inRegion !== undefined && e.inRegion !== f.inRegion) continue;
          add(e.id, 1, place);
        }
        break;
      case 'organisations_visited':
        for (const v of this.ds.visits) {
          const org = this.survivor(v.organisationId)!;
          if (inDay(w, v.visitedOn) && overlaps(f.programmeLines, v.programmeLines) && overlaps(f.tags, v.themes) && this.orgOk(org, f)) add(org.id, 1, this.place(org));
        }
        break;
      case 'questions_answered':
        for (const q of this.ds.questions) {
          const org = this.survivor(q.organisationId);
          if (q.status === 'answered' && inDay(w, q.answeredOn!) && this.orgOk(org, f)) add(q.id, 1, this.place(org));
        }
        break;
      case 'organisations_supported':
      case 'support_records':
        for (const s of this.ds.supports) {
          const active = s.startedOn < w.end && (s.endedOn === null || s.endedOn >= w.start);
          if (!active || !within(f.supportKinds, s.kind) || !within(f.programmeLines, s.programmeLine)) continue;
          for (const org of s.organisationIds.map((id) => this.survivor(id)!)) {
            if (this.orgOk(org, f)) add(t.metric === 'support_records' ? s.id : org.id, 1, this.place(org));
          }
        }
        break;
      case 'manual': {
        const entries = (this.manual.get(t.id) ?? []).filter((e) => inDay(w, e.recordedOn));
        if (t.manualAggregate === 'sum') entries.forEach((e) => add(`${e.seq}`, e.value, 'outside'));
        else {
          const latest = [...entries].sort((a, b) => (a.recordedOn === b.recordedOn ? b.seq - a.seq : a.recordedOn < b.recordedOn ? 1 : -1))[0];
          if (latest) add(`${latest.seq}`, latest.value, 'outside');
        }
        break;
      }
      case 'progress_reports':
        for (const r of this.ds.reports) if (inDay(w, localDay(r.issuedAt))) add(r.id, 1, 'outside');
        break;
    }
    const total = [...units.values()].reduce((sum, u) => sum + u.weight, 0);
    const value = t.metric === 'manual' && t.manualAggregate === 'latest' && !units.size ? null : total;
    return { value, units, attendance };
  }
}

/** Further targets in the test plan, so every metric is tried with and without each of its filters. */
const EXTRA: { metric: string; filters: TargetFilters; manualAggregate?: 'latest' | 'sum'; baseline?: number }[] = [
  { metric: 'organisations_attending', filters: {} },
  { metric: 'organisations_attending', filters: { municipalities: ['Weert', 'outside'], participantTypes: ['entrepreneur', 'employee'] } },
  { metric: 'organisations_attending', filters: { programmeLines: ['innovation', 'labour_market'], inRegion: true, formats: ['other', 'symposium', 'breakfast_session'] } },
  { metric: 'persons_attending', filters: {} },
  { metric: 'persons_attending', filters: { organisationTypes: ['education', 'government'], tags: ['iot'] } },
  { metric: 'persons_attending', filters: { municipalities: ['Roermond', 'Leudal'], inRegion: true } },
  { metric: 'group_headcount', filters: {} },
  { metric: 'group_headcount', filters: { includePersons: true } },
  { metric: 'group_headcount', filters: { educationLevels: ['hbo', 'wo'], organisationTypes: ['education'] } },
  { metric: 'group_headcount', filters: { participantTypes: ['student', 'employee'], includePersons: true, municipalities: ['Leudal', 'Weert', 'outside'], tags: ['iot', 'innovation'] } },
  { metric: 'events_held', filters: {} },
  { metric: 'events_held', filters: { municipalities: ['Weert', 'outside'], programmeLines: ['communication'] } },
  { metric: 'events_held', filters: { inRegion: false, programmeLines: ['innovation'] } },
  { metric: 'organisations_visited', filters: { programmeLines: ['innovation'], tags: ['iot', 'sensoring'] } },
  { metric: 'organisations_visited', filters: { organisationTypes: ['company'], municipalities: ['Maasgouw', 'Nederweert', 'Roerdalen'] } },
  { metric: 'questions_answered', filters: { inRegion: true } },
  { metric: 'questions_answered', filters: { organisationTypes: ['company', 'other'] } },
  { metric: 'organisations_supported', filters: { supportKinds: ['innovation_trajectory', 'cluster', 'cooperation_project', 'funding_support', 'startup_plan_support', 'strategy_plan_support', 'training_trajectory'] } },
  { metric: 'organisations_supported', filters: { supportKinds: ['cluster', 'funding_support', 'training_trajectory'], programmeLines: ['innovation', 'labour_market'], inRegion: false } },
  { metric: 'support_records', filters: { supportKinds: ['innovation_trajectory', 'cluster', 'cooperation_project', 'funding_support', 'startup_plan_support', 'strategy_plan_support', 'training_trajectory'] } },
  { metric: 'support_records', filters: { supportKinds: ['cooperation_project', 'cluster'], municipalities: ['Weert', 'Cranendonck'] } },
  { metric: 'manual', filters: {}, manualAggregate: 'latest', baseline: 100 },
  { metric: 'manual', filters: {}, manualAggregate: 'sum' },
];

describe(TargetsService.name, () => {
  let ctx: TestingModule;
  let sut: TargetsService;
  let db: DataSource;
  let admin: Actor;
  let year: number;
  let ds: Dataset;
  let targets: TargetView[];
  let memory: InMemory;

  let database: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    // Its own database: every record that can count is one this test generated.
    database = await privateTargetsDatabase();
    ctx = await createTargetsContext(database.url);
    sut = ctx.get(TargetsService);
    db = ctx.get(DataSource);
    admin = await insertUser(db, 'admin', 'Targets Admin');
    year = unusedYear();
    while ((await db.query(`SELECT 1 FROM year_plans WHERE year = $1`, [year])).length) year = unusedYear();
    ds = await generateDataset(db, year, SEED);
    await ctx.get(PlansService).createPlan(admin, { year, copyFrom: 2018 });
    for (const [i, extra] of EXTRA.entries()) {
      await sut.create(admin, year, { programmeLine: 'innovation', title: `Extra ${i} ${extra.metric}`, target: 50, key: `extra.${i}`, ...extra } as never);
    }
    targets = (await ctx.get(PlansService).getPlan(year)).targets;
    // Manual entries, some on the same day (the later entry wins for a level).
    const pick = new Pick(seededRandom(SEED + 1));
    const manual = new Map<string, Entry[]>();
    let seq = 0;
    for (const t of targets.filter((x) => x.metric === 'manual')) {
      const entries: Entry[] = [];
      for (let n = pick.int(0, 6); n > 0; n--) {
        const recordedOn = pick.chance(0.2) && entries.length ? entries[entries.length - 1].recordedOn : pick.date(`${year - 1}-12-01`, `${year + 1}-01-31`);
        const entry = { recordedOn, value: pick.int(0, 500), seq: seq++ };
        await ctx.get(ManualFiguresService).add(admin, t.id, { recordedOn, value: entry.value, note: `meting ${entry.seq}` });
        entries.push(entry);
      }
      manual.set(t.id, entries);
    }
    memory = new InMemory(ds, manual);
  });
  afterAll(async () => {
    await ctx.close();
    await database.drop();
  });

  const windows = () => {
    const y = year;
    return [
      { period: { year: y }, w: { start: `${y}-01-01`, end: `${y + 1}-01-01` } },
      ...[1, 2, 3, 4].map((q) => ({ period: { year: y, quarter: q }, w: { start: `${y}-${String(3 * q - 2).padStart(2, '0')}-01`, end: q === 4 ? `${y + 1}-01-01` : `${y}-${String(3 * q + 1).padStart(2, '0')}-01` } })),
      { period: { from: `${y}-02-14`, to: `${y}-08-03` }, w: { start: `${y}-02-14`, end: `${y}-08-04` } },
      { period: { from: `${y}-04-01`, to: `${y}-04-01` }, w: { start: `${y}-04-01`, end: `${y}-04-02` } },
    ];
  };

  it('counts every target of every metric exactly as an independent count of the generated records, for a year, each quarter and any range', async () => {
    expect(new Set(targets.map((t) => t.metric))).toEqual(new Set(['organisations_attending', 'persons_attending', 'group_headcount', 'events_held', 'organisations_visited', 'questions_answered', 'organisations_supported', 'support_records', 'manual', 'progress_reports']));
    let nonZero = 0;
    for (const t of targets) {
      for (const { period, w } of windows()) {
        const expected = memory.figure(t, w);
        const tally = await sut.tally(t.id, period);
        const where = `${t.key} ${JSON.stringify(period)}`;
        expect({ where, value: tally.value, items: tally.items }).toEqual({ where, value: expected.value, items: expected.units.size });
        expect({ where, attendance: tally.attendance }).toEqual({ where, attendance: expected.attendance });
        if (expected.value) nonZero++;
      }
    }
    // The generated data is rich enough that most figures are not zero.
    expect(nonZero).toBeGreaterThan(targets.length * 3);
  });

  it('drills down to exactly the counted records: the list is as long as the figure, headcounts add up to it', async () => {
    for (const t of targets) {
      for (const { period, w } of windows().slice(0, 3)) {
        const expected = memory.figure(t, w);
        const items = await sut.drillDown(t.id, period);
        const tally = await sut.tally(t.id, period);
        expect(items).toHaveLength(tally.items);
        expect(items.reduce((sum, i) => sum + i.count, 0)).toBe(tally.value ?? 0);
        if (t.metric !== 'manual') {
          expect({ key: t.key, units: new Map(items.map((i) => [i.id, i.count])) }).toEqual({ key: t.key, units: new Map([...expected.units].map(([id, u]) => [id, u.weight])) });
        }
      }
    }
  });

  it('breaks every figure down per municipality; the parts add up to the figure', async () => {
    const names = new Map(['Leudal', 'Maasgouw', 'Nederweert', 'Roerdalen', 'Roermond', 'Weert', 'Cranendonck', 'outside'].map((m) => [m.toLowerCase(), m]));
    for (const t of targets.filter((x) => x.metric !== 'manual' && x.metric !== 'progress_reports')) {
      for (const { period, w } of windows().slice(0, 2)) {
        const expected = memory.figure(t, w);
        const byPlace = new Map<string, number>();
        for (const u of expected.units.values()) byPlace.set(names.get(u.municipality)!, (byPlace.get(names.get(u.municipality)!) ?? 0) + u.weight);
        const parts = await sut.breakdown(t.id, period);
        expect(parts.map((p) => p.municipality)).toEqual([...names.values()]);
        expect({ key: t.key, parts: Object.fromEntries(parts.filter((p) => p.value).map((p) => [p.municipality, p.value])) }).toEqual({ key: t.key, parts: Object.fromEntries(byPlace) });
      }
    }
  });

  it('follows every figure month by month, cumulative over the year', async () => {
    for (const t of targets) {
      const months = await sut.monthly(t.id, { year });
      expect(months.map((m) => m.month)).toEqual(Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`));
      for (const [i, m] of months.entries()) {
        const end = i === 11 ? `${year + 1}-01-01` : `${year}-${String(i + 2).padStart(2, '0')}-01`;
        expect({ key: t.key, month: m.month, value: m.value }).toEqual({ key: t.key, month: m.month, value: memory.figure(t, { start: `${year}-01-01`, end }).value });
      }
      expect(months[11].value).toBe((await sut.tally(t.id, { year })).value);
    }
  });

  it('lists the targets of a year with figure, target and pace', async () => {
    const list = await sut.listForYear(year, undefined, new Date(Date.UTC(year, 6, 2, 10)));
    expect(list.map((t) => t.id).sort()).toEqual(targets.map((t) => t.id).sort());
    // Amsterdam is at UTC+1 on 1 January: the year runs from 23:00 UTC on 31 December.
    const share = (Date.UTC(year, 6, 2, 10) - Date.UTC(year - 1, 11, 31, 23)) / (Date.UTC(year, 11, 31, 23) - Date.UTC(year - 1, 11, 31, 23));
    for (const t of list) {
      expect(t.value).toBe(memory.figure(t, { start: `${year}-01-01`, end: `${year + 1}-01-01` }).value);
      const base = t.baseline ?? 0;
      expect(t.pace.expected).toBeCloseTo(base + (t.target - base) * share, 1);
    }
    const q2 = await sut.listForYear(year, { year, quarter: 2 });
    expect(q2.every((t) => t.period.label === `Q2 ${year}`)).toBe(true);
  });

  describe('the counting rules', () => {
    const tag = `scenario-${randomUUID().slice(0, 8)}`;
    let orgTarget: TargetView;
    let personTarget: TargetView;
    const actorOf = () => admin;

    beforeAll(async () => {
      orgTarget = await sut.create(actorOf(), year, { programmeLine: 'innovation', title: 'Scenario organisaties', target: 10, metric: 'organisations_attending', filters: { tags: [tag] } });
      personTarget = await sut.create(actorOf(), year, { programmeLine: 'innovation', title: 'Scenario personen', target: 10, metric: 'persons_attending', filters: { tags: [tag] } });
    });

    const event = async (at = `${year}-05-12T08:00:00Z`, overrides: Record<string, unknown> = {}) => {
      const e = newGenEvent({ title: `Scenario ${tag}`, tags: [tag], startsAt: new Date(at), municipality: 'Weert', ...overrides });
      await insertEvents(db, [e]);
      return e;
    };
    const attend = async (eventId: string, startsAt: Date, contactId: string, organisationId: string | null, status = 'attended') => {
      const e = { id: eventId, startsAt } as never;
      await insertRegistrations(db, [{ id: randomUUID(), eventId, contactId, organisationId, participantType: 'entrepreneur', status }], new Map([[eventId, e]]));
    };

    it('counts an organisation once however many of its people came, and shows registered and no-shows beside', async () => {
      const org = await newOrganisation(ctx, { municipality: 'Roermond' });
      const other = await newOrganisation(ctx, { municipality: 'Venlo' });
      const [a, b, c] = await Promise.all([newContact(ctx), newContact(ctx), newContact(ctx)]);
      const e1 = await event();
      const e2 = await event(`${year}-05-19T08:00:00Z`);
      await attend(e1.id, e1.startsAt, a.id, org.id);
      await attend(e1.id, e1.startsAt, b.id, org.id);
      await attend(e2.id, e2.startsAt, a.id, org.id);
      await attend(e2.id, e2.startsAt, c.id, other.id, 'no_show');

      expect(await sut.tally(orgTarget.id)).toMatchObject({ value: 1, items: 1, attendance: { registered: 2, attended: 1, noShow: 1 } });
      expect(await sut.tally(personTarget.id)).toMatchObject({ value: 2, attendance: { registered: 3, attended: 2, noShow: 1 } });
      const [item] = await sut.drillDown(orgTarget.id);
      expect(item).toMatchObject({ kind: 'organisation', id: org.id, name: org.name, municipality: 'Roermond', count: 1 });
      expect(item.recordIds).toHaveLength(3);
      expect((await sut.breakdown(orgTarget.id)).find((p) => p.municipality === 'Roermond')).toMatchObject({ value: 1, items: 1 });
    });

    it('counts merged duplicates once, as their survivor: merged by the CRM or only marked merged', async () => {
      const before = (await sut.tally(orgTarget.id)).value!;
      const [keep, gone, kept, marked] = await Promise.all([newOrganisation(ctx), newOrganisation(ctx), newOrganisation(ctx, { municipality: 'Leudal' }), newOrganisation(ctx, { municipality: 'Venlo' })]);
      const e = await event(`${year}-06-02T08:00:00Z`);
      for (const org of [keep, gone, kept, marked]) await attend(e.id, e.startsAt, (await newContact(ctx)).id, org.id);
      expect((await sut.tally(orgTarget.id)).value).toBe(before + 4);

      await ctx.get(OrganisationsService).merge(admin, keep.id, gone.id);
      expect((await sut.tally(orgTarget.id)).value).toBe(before + 3);
      // Older data: the duplicate marked as merged, its registrations still pointing at it.
      await db.query(`UPDATE organisations SET merged_into_id = $1 WHERE id = $2`, [kept.id, marked.id]);
      expect((await sut.tally(orgTarget.id)).value).toBe(before + 2);
      const ids = (await sut.drillDown(orgTarget.id)).map((i) => i.id);
      expect(ids).toEqual(expect.arrayContaining([keep.id, kept.id]));
      expect(ids).not.toContain(gone.id);
      expect(ids).not.toContain(marked.id);
      // The survivor's municipality counts (Leudal), not the duplicate's (outside).
      expect((await sut.drillDown(orgTarget.id)).find((i) => i.id === kept.id)).toMatchObject({ municipality: 'Leudal', count: 1 });
    });

    it('keeps counting a person whose data was erased, shown anonymised by id', async () => {
      const person = await newContact(ctx, { firstName: 'Anouk', lastName: 'Janssen' });
      const e = await event(`${year}-09-08T08:00:00Z`);
      await attend(e.id, e.startsAt, person.id, null);
      const before = await sut.tally(personTarget.id);
      expect((await sut.drillDown(personTarget.id)).find((i) => i.id === person.id)).toMatchObject({ name: 'Anouk Janssen', detail: expect.objectContaining({ erased: false }) });

      await ctx.get(ContactsService).erase(admin, person.id);
      expect(await sut.tally(personTarget.id)).toEqual(before);
      const item = (await sut.drillDown(personTarget.id)).find((i) => i.id === person.id);
      expect(item).toMatchObject({ kind: 'person', name: ERASED_NAME, municipality: 'outside', detail: expect.objectContaining({ erased: true }) });
      expect(JSON.stringify(item)).not.toMatch(/Anouk|Janssen/);
    });

    it('counts a merged person once', async () => {
      const [keep, gone] = await Promise.all([newContact(ctx), newContact(ctx)]);
      const [e1, e2] = [await event(`${year}-10-01T08:00:00Z`), await event(`${year}-10-02T08:00:00Z`)];
      await attend(e1.id, e1.startsAt, keep.id, null);
      await attend(e2.id, e2.startsAt, gone.id, null);
      const before = (await sut.tally(personTarget.id)).value!;
      await ctx.get(ContactsService).merge(admin, keep.id, gone.id);
      expect((await sut.tally(personTarget.id)).value).toBe(before - 1);
    });

    it('puts quarters and years at Amsterdam midnight, not UTC midnight', async () => {
      const boundary = `boundary-${randomUUID().slice(0, 8)}`;
      const held = await sut.create(admin, year, { programmeLine: 'communication', title: 'Grens', target: 4, metric: 'events_held', filters: { tags: [boundary] } });
      const at = (iso: string) => event(iso, { tags: [boundary] });
      const q2 = await at(`${year}-03-31T22:30:00Z`); // 1 April 00:30 in Amsterdam (summer time)
      const q1 = await at(`${year}-03-31T21:30:00Z`); // 31 March 23:30
      const newYear = await at(`${year - 1}-12-31T23:30:00Z`); // 1 January 00:30 (winter time)
      await at(`${year}-12-31T23:00:00Z`); // 1 January of the next year, 00:00

      expect((await sut.drillDown(held.id, { year, quarter: 1 })).map((i) => i.id).sort()).toEqual([q1.id, newYear.id].sort());
      expect((await sut.drillDown(held.id, { year, quarter: 2 })).map((i) => i.id)).toEqual([q2.id]);
      expect((await sut.tally(held.id, { year })).value).toBe(3);
      expect((await sut.tally(held.id, { year: year + 1, quarter: 1 })).value).toBe(1);
      expect((await sut.tally(held.id, { from: `${year}-03-31`, to: `${year}-03-31` })).value).toBe(1);
      expect((await sut.monthly(held.id, { year })).slice(0, 4).map((m) => m.added)).toEqual([1, 0, 1, 1]);
    });
  });
});
