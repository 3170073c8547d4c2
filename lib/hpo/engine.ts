import { DojoError } from '../errors';
import type { StudyObserver } from './observer';
import { Rng } from './rng';
import { SpaceError } from './space';
import { checkStudySpec, createPruner, createSampler, type ResolvedStudySpec } from './spec';
import type { SqliteStore, StoredTrial } from './storage/sqlite';
import { StudyRuntime, type StudyDetail, type StudyInfo } from './study';
import type { TellState, TrialAsk } from './api';

export type { TellState, TrialAsk } from './api';

/** A bad request with the dotted path of the field at fault. */
export class BadRequest extends DojoError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('USAGE', `${path}: ${message}`);
  }
}

/** Options of the engine. */
export interface EngineOptions {
  /** A running trial with no ask/report/heartbeat for this long is marked failed. @default 300000 */
  readonly heartbeatTimeoutMs?: number;
  /** Side effects (tracking, reports). @default - none */
  readonly observer?: StudyObserver;
  /** Where observer failures are logged. @default - ignored */
  readonly warn?: (message: string) => void;
  /** The clock (tests). @default Date.now */
  readonly now?: () => number;
}

/**
 * The studies of one service: every state change is validated, committed to SQLite, then applied
 * in memory. All of it runs synchronously up to the observer calls, so concurrent requests can
 * never hand out one number twice or lose a tell.
 */
export class HpoEngine {
  private readonly studies = new Map<number, StudyRuntime>();
  private readonly byName = new Map<string, StudyRuntime>();
  private readonly heartbeatMs: number;
  private readonly now: () => number;
  private readonly warn: (m: string) => void;
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly store: SqliteStore,
    private readonly opts: EngineOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatTimeoutMs ?? 300_000;
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? (() => undefined);
    const now = this.now();
    for (const { study, trials } of store.loadAll()) {
      const rt = new StudyRuntime(study, trials, createSampler(study.spec, study.seed), createPruner(study.spec));
      // Running trials from before a restart get a fresh timeout: their workers may still tell.
      for (const t of trials) if (t.state === 'running') rt.lastSeen.set(t.number, now);
      this.add(rt);
    }
  }

  private add(rt: StudyRuntime): void {
    this.studies.set(rt.row.id, rt);
    this.byName.set(rt.row.name, rt);
  }

  /** Finds a study by id or name (404 otherwise). */
  resolve(ref: string | number): StudyRuntime {
    const s = typeof ref === 'number' || /^\d+$/.test(ref) ? this.studies.get(Number(ref)) : undefined;
    const found = s ?? this.byName.get(String(ref));
    if (!found) throw new DojoError('NOT_FOUND', `study ${ref} not found`);
    return found;
  }

  private trial(s: StudyRuntime, number: number): StoredTrial {
    const t = Number.isInteger(number) ? s.trials[number] : undefined;
    if (!t) throw new DojoError('NOT_FOUND', `trial ${number} of study ${s.row.name} not found`);
    return t;
  }

  /**
   * Creates a study. A study of the same name and the same spec is returned as is (created:
   * false), so every worker of a job may create it; a different spec is a conflict.
   */
  async createStudy(json: unknown): Promise<{ study: StudyInfo; created: boolean }> {
    const r = checkStudySpec(json);
    if (!r.ok) throw new BadRequest(r.path, r.error);
    const spec: ResolvedStudySpec = r.spec;
    const existing = this.byName.get(spec.name);
    if (existing) {
      const same = canonical(withoutSeed(existing.spec)) === canonical(withoutSeed(spec)) && (spec.sampler.seed === undefined || spec.sampler.seed === existing.row.seed);
      if (!same) throw new DojoError('CONFLICT', `study ${spec.name} exists with a different spec; choose another name`);
      return { study: existing.info(), created: false };
    }
    const seed = spec.sampler.seed ?? Rng.freshSeed();
    let sampler;
    try {
      sampler = createSampler(spec, seed);
    } catch (e) {
      if (e instanceof SpaceError) throw new BadRequest(e.path, e.problem);
      throw e;
    }
    const createdAt = this.now();
    const id = this.store.insertStudy(spec.name, spec, seed, createdAt);
    const rt = new StudyRuntime({ id, name: spec.name, spec, seed, createdAt }, [], sampler, createPruner(spec));
    this.add(rt);
    const runId = await this.observe('study created', () => this.opts.observer?.studyCreated(rt));
    if (runId) {
      rt.row.parentRunId = runId;
      this.store.setParentRun(id, runId);
    }
    return { study: rt.info(), created: true };
  }

  /** Every study, oldest first. */
  listStudies(): StudyInfo[] {
    return [...this.studies.values()].map((s) => s.info());
  }

  /** One study with its trials. */
  getStudy(ref: string | number): StudyDetail {
    const s = this.resolve(ref);
    this.expire(s);
    return s.detail();
  }

  /** Hands out the next trial; CONFLICT when maxTrials are handed out or the grid is exhausted. */
  async ask(ref: string | number): Promise<TrialAsk> {
    const s = this.resolve(ref);
    this.expire(s);
    const max = s.spec.maxTrials;
    if (max !== undefined && s.handedOut() >= max) throw new DojoError('CONFLICT', `study ${s.row.name}: all ${max} trials are handed out`);
    const number = s.trials.length;
    const params = s.sampler.sample({ space: s.spec.space, direction: s.spec.direction, trials: s.trials, number, rng: new Rng(s.row.seed, number) });
    if (!params) throw new DojoError('CONFLICT', `study ${s.row.name}: every grid point is handed out`);
    const now = this.now();
    const trial: StoredTrial = { number, state: 'running', params, startedAt: now, intermediate: new Map() };
    this.store.insertTrial(s.row.id, trial);
    s.trials.push(trial);
    s.lastSeen.set(number, now);
    const runId = await this.observe(`trial ${number} started`, () => this.opts.observer?.trialStarted(s, trial));
    if (runId) {
      trial.runId = runId;
      this.store.setRunId(s.row.id, number, runId);
    }
    return { number, params, ...(runId ? { runId } : {}) };
  }

  /** Records an intermediate value and asks the pruner whether the trial should stop. */
  report(ref: string | number, number: number, step: number, value: number): { prune: boolean } {
    const s = this.resolve(ref);
    const t = this.trial(s, number);
    if (t.state === 'pruned') return { prune: true };
    if (t.state === 'failed' && t.failReason === 'heartbeat') this.revive(s, t);
    if (t.state !== 'running') throw new DojoError('CONFLICT', `trial ${number} of study ${s.row.name} is ${t.state}; it takes no more reports`);
    this.store.putIntermediate(s.row.id, number, step, value);
    t.intermediate.set(step, value);
    s.lastSeen.set(number, this.now());
    const prune = s.pruner.shouldPrune({ direction: s.spec.direction, trial: t, step, trials: s.trials });
    return { prune };
  }

  /** Keeps a running trial alive without reporting a value. */
  heartbeat(ref: string | number, number: number): void {
    const s = this.resolve(ref);
    const t = this.trial(s, number);
    if (t.state === 'failed' && t.failReason === 'heartbeat') this.revive(s, t);
    if (t.state !== 'running') throw new DojoError('CONFLICT', `trial ${number} of study ${s.row.name} is ${t.state}`);
    s.lastSeen.set(number, this.now());
  }

  /**
   * Finishes a trial. Telling the same final state again is accepted (a retried request); a
   * trial failed by heartbeat timeout may still be told, since its worker was alive after all.
   */
  async tell(ref: string | number, number: number, state: TellState, value?: number): Promise<void> {
    const s = this.resolve(ref);
    const t = this.trial(s, number);
    const newState = state === 'fail' ? 'failed' : state;
    if (state === 'complete' && (value === undefined || !Number.isFinite(value))) throw new BadRequest('value', 'a finite number is required when state is "complete"');
    if (t.state !== 'running' && !(t.state === 'failed' && t.failReason === 'heartbeat')) {
      if (t.state === newState && (state !== 'complete' || t.value === value)) return;
      throw new DojoError('CONFLICT', `trial ${number} of study ${s.row.name} is already ${t.state}`);
    }
    t.state = newState;
    t.value = state === 'complete' ? value : state === 'pruned' ? (value ?? lastValue(t)) : value;
    t.endedAt = this.now();
    t.failReason = newState === 'failed' ? 'told' : undefined;
    this.store.updateTrial(s.row.id, t);
    s.lastSeen.delete(number);
    await this.afterFinish(s, t);
  }

  /** Fails running trials whose workers went silent, in every study. */
  async sweep(): Promise<void> {
    for (const s of this.studies.values()) for (const t of this.sweepStudy(s)) await this.afterFinish(s, t);
  }

  private sweepStudy(s: StudyRuntime): StoredTrial[] {
    const now = this.now();
    const failed: StoredTrial[] = [];
    for (const [number, seen] of s.lastSeen) {
      if (now - seen <= this.heartbeatMs) continue;
      const t = s.trials[number]!;
      t.state = 'failed';
      t.failReason = 'heartbeat';
      t.endedAt = now;
      this.store.updateTrial(s.row.id, t);
      s.lastSeen.delete(number);
      failed.push(t);
      this.warn(`study ${s.row.name}: trial ${number} failed: no heartbeat for ${Math.round((now - seen) / 1000)} s`);
    }
    return failed;
  }

  /** Sweeps one study on the request path; the observer work of expired trials runs in the background. */
  private expire(s: StudyRuntime): void {
    for (const t of this.sweepStudy(s)) void this.afterFinish(s, t);
  }

  private revive(s: StudyRuntime, t: StoredTrial): void {
    t.state = 'running';
    t.failReason = undefined;
    t.endedAt = undefined;
    this.store.updateTrial(s.row.id, t);
    s.lastSeen.set(t.number, this.now());
  }

  private async afterFinish(s: StudyRuntime, t: StoredTrial): Promise<void> {
    await this.observe(`trial ${t.number} finished`, () => this.opts.observer?.trialFinished(s, t));
    if (s.row.finishedAt === undefined && s.isComplete()) {
      s.row.finishedAt = this.now();
      this.store.setFinished(s.row.id, s.row.finishedAt);
      // Rendering and uploading the report takes seconds: the last tell does not wait for it.
      const work = this.observe('study finished', () => this.opts.observer?.studyFinished(s)).then((bestModel) => {
        if (!bestModel) return;
        s.row.bestModel = bestModel;
        try {
          this.store.setBestModel(s.row.id, bestModel);
        } catch (e) {
          // The database may be closing (service shutdown); the parent run's tags still name the model.
          this.warn(`study ${s.row.name}: best model not recorded: ${e instanceof Error ? e.message : String(e)}`);
        }
      });
      this.background.add(work);
      void work.finally(() => this.background.delete(work));
    }
  }

  /** Resolves when background work (end-of-study reports) is done. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  private async observe<T>(what: string, fn: () => Promise<T> | undefined): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      this.warn(`tracking: ${what}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** Closes the database. */
  close(): void {
    this.store.close();
  }
}

function lastValue(t: StoredTrial): number | undefined {
  let step = -Infinity;
  let v: number | undefined;
  for (const [s, x] of t.intermediate) {
    if (s > step) {
      step = s;
      v = x;
    }
  }
  return v;
}

function withoutSeed(spec: ResolvedStudySpec): unknown {
  return { ...spec, sampler: { ...spec.sampler, seed: undefined } };
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}
