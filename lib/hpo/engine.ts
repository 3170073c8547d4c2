import { DojoError } from '../errors';
import type { StudyObserver } from './observer';
import { Rng } from './rng';
import { SpaceError, type Params } from './space';
import { checkParamSets, checkStudySpec, createPruner, createSampler, paramSetsSchema, type ResolvedStudySpec } from './spec';
import type { SqliteStore, StoredTrial } from './storage/sqlite';
import { ENQUEUED, SEEDED, StudyRuntime, type StudyDetail, type StudyInfo } from './study';
import type { EnqueueResult, TellState, TrialAsk } from './api';
import type { Proposal, SampleContext } from './types';
import { historyKey } from './proposer/history';
import { ProposalThread, SKIPPED } from './proposer/proposer';
import { frozen } from './proposer/wire';

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
  /** Compute heavy proposals (the GP) on a worker thread; false computes them on the caller's event loop. @default true */
  readonly proposalThread?: boolean;
}

/** A study's asks, one after another, and the proposal computed ahead for its next ask. */
interface Lane {
  /** The last ask handed in: the next one starts when it is done, so numbers and queue entries are handed out once. */
  tail: Promise<unknown>;
  busy: number;
  /** The proposal computing for `key` (the history after the latest tell). */
  ahead?: { readonly key: string; readonly result: Promise<Proposal | undefined | typeof SKIPPED> };
  /** A tell came while an ask was computing: compute ahead once the lane is free. */
  aheadWanted?: boolean;
}

/**
 * The studies of one service: every state change is validated, committed to SQLite, then applied
 * in memory, synchronously up to the observer calls, so concurrent requests can never lose a tell.
 * Asks of one study go one after another (a heavy proposal is awaited from the proposal thread
 * meanwhile, while other requests are answered), so a number or a queued set is handed out once.
 */
export class HpoEngine {
  private readonly studies = new Map<number, StudyRuntime>();
  private readonly byName = new Map<string, StudyRuntime>();
  private readonly heartbeatMs: number;
  private readonly now: () => number;
  private readonly warn: (m: string) => void;
  private readonly background = new Set<Promise<void>>();
  private readonly lanes = new Map<StudyRuntime, Lane>();
  private readonly thread: ProposalThread | undefined;
  private closed = false;
  private threadWarned = false;
  /** Asks served by a proposal computed ahead (tests and benchmarks). */
  aheadHits = 0;

  constructor(
    private readonly store: SqliteStore,
    private readonly opts: EngineOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatTimeoutMs ?? 300_000;
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? (() => undefined);
    this.thread = opts.proposalThread === false ? undefined : new ProposalThread();
    const now = this.now();
    for (const { study, trials, queue } of store.loadAll()) {
      const rt = new StudyRuntime(study, trials, createSampler(study.spec, study.seed), createPruner(study.spec), queue);
      // Running trials from before a restart get a fresh timeout: their workers may still tell.
      for (const t of trials) if (t.state === 'running') rt.lastSeen.set(t.number, now);
      this.add(rt);
    }
  }

  private add(rt: StudyRuntime): void {
    this.studies.set(rt.row.id, rt);
    this.byName.set(rt.row.name, rt);
    this.lanes.set(rt, { tail: Promise.resolve(), busy: 0 });
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
    const seeds = spec.fromStudy !== undefined ? this.seedTrials(spec) : [];
    const createdAt = this.now();
    // The study, its seeded trials and its queue are committed together: a crash keeps all or none.
    const { id, queueIds } = this.store.transaction(() => {
      const id = this.store.insertStudy(spec.name, spec, seed, createdAt);
      for (const t of seeds) this.store.insertTrial(id, t);
      return { id, queueIds: this.store.enqueue(id, spec.enqueue ?? []) };
    });
    const queue = (spec.enqueue ?? []).map((params, i) => ({ id: queueIds[i]!, params }));
    const rt = new StudyRuntime({ id, name: spec.name, spec, seed, createdAt }, seeds, sampler, createPruner(spec), queue);
    this.add(rt);
    const runId = await this.observe('study created', () => this.opts.observer?.studyCreated(rt));
    if (runId) {
      rt.row.parentRunId = runId;
      this.store.setParentRun(id, runId);
    }
    return { study: rt.info(), created: true };
  }

  /**
   * The complete trials of the study named by spec.fromStudy whose params fit spec.space (every
   * parameter present and inside its domain, no other), renumbered from 0 and labelled
   * "from-study"; they keep their values, times and tracking runs.
   */
  private seedTrials(spec: ResolvedStudySpec): StoredTrial[] {
    let src: StudyRuntime;
    try {
      src = this.resolve(spec.fromStudy!);
    } catch {
      throw new BadRequest('fromStudy', `no study ${JSON.stringify(spec.fromStudy)} on this service (give the name or id of an earlier study)`);
    }
    if (src.spec.direction !== spec.direction) {
      throw new BadRequest('fromStudy', `study ${src.row.name} is "${src.spec.direction}" and this one "${spec.direction}": seed only from a study of the same objective and direction`);
    }
    const names = Object.keys(spec.space);
    const out: StoredTrial[] = [];
    let skipped = 0;
    for (const t of src.trials) {
      if (t.state !== 'complete' || t.value === undefined || !Number.isFinite(t.value)) continue;
      const keys = Object.keys(t.params);
      if (keys.length !== names.length || checkParamSets(spec.space, [t.params]) || names.some((n) => t.params[n] === undefined)) {
        skipped++;
        continue;
      }
      const params: Params = {};
      for (const n of names) params[n] = t.params[n]!;
      out.push({
        number: out.length,
        state: 'complete',
        params,
        value: t.value,
        ...(t.runId ? { runId: t.runId } : {}),
        startedAt: t.startedAt,
        endedAt: t.endedAt ?? t.startedAt,
        intermediate: new Map(),
        sampler: SEEDED,
      });
    }
    if (skipped > 0) this.warn(`study ${spec.name}: ${skipped} complete trials of ${src.row.name} do not fit the space and were not seeded`);
    return out;
  }

  /**
   * Appends parameter sets to a study's queue (Optuna's enqueue_trial): the next asks hand them
   * out before the sampler is asked. Each set is checked against the space (400 naming
   * `params.<i>.<name>`); with skipIfExists, a set equal to a trial's params or to a queued set is
   * left out.
   */
  enqueue(ref: string | number, json: unknown, skipIfExists = false): EnqueueResult {
    const s = this.resolve(ref);
    const r = paramSetsSchema.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new BadRequest(['params', ...issue.path.map(String)].join('.'), issue.message);
    }
    const bad = checkParamSets(s.spec.space, r.data);
    if (bad) throw new BadRequest(['params', ...bad.path].join('.'), bad.error);
    let sets: Params[] = r.data;
    if (skipIfExists) {
      const seen = new Set([...s.trials.map((t) => t.params), ...s.queue.map((q) => q.params)].map(paramKey));
      sets = sets.filter((p) => {
        const k = paramKey(p);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    const ids = this.store.enqueue(s.row.id, sets);
    sets.forEach((params, i) => s.queue.push({ id: ids[i]!, params }));
    return { enqueued: sets.length, queued: s.queue.length };
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
    const lane = this.lanes.get(s)!;
    const turn = lane.tail.then(() => this.handOut(s, lane));
    lane.tail = turn.catch(() => undefined);
    lane.busy++;
    let trial: StoredTrial;
    try {
      trial = await turn;
    } finally {
      if (--lane.busy === 0 && lane.aheadWanted) {
        lane.aheadWanted = false;
        this.computeAhead(s, lane);
      }
    }
    const runId = await this.observe(`trial ${trial.number} started`, () => this.opts.observer?.trialStarted(s, trial));
    if (runId) {
      trial.runId = runId;
      this.store.setRunId(s.row.id, trial.number, runId);
    }
    return { number: trial.number, params: trial.params, ...(runId ? { runId } : {}) };
  }

  /** The part of an ask that must not interleave with another ask of the study: the proposal and the new trial. */
  private async handOut(s: StudyRuntime, lane: Lane): Promise<StoredTrial> {
    this.expire(s);
    const max = s.spec.maxTrials;
    if (max !== undefined && s.handedOut() >= max) throw new DojoError('CONFLICT', `study ${s.row.name}: all ${max} trials are handed out`);
    const number = s.trials.length;
    const queued = s.queue[0];
    let proposal: Proposal | undefined;
    if (queued) {
      // A partial set leaves the other parameters to the sampler; the trial is labelled enqueued either way.
      const names = Object.keys(s.spec.space);
      const rest = names.every((n) => queued.params[n] !== undefined) ? undefined : await this.propose(s, lane);
      const params: Params = {};
      for (const n of names) params[n] = queued.params[n] ?? rest!.params[n]!;
      proposal = { params, by: ENQUEUED };
    } else {
      proposal = await this.propose(s, lane);
    }
    if (this.closed) throw new DojoError('UNAVAILABLE', 'the HPO service is closing');
    if (!proposal) throw new DojoError('CONFLICT', `study ${s.row.name}: every grid point is handed out`);
    const now = this.now();
    const trial: StoredTrial = { number, state: 'running', params: proposal.params, startedAt: now, intermediate: new Map(), sampler: proposal.by, ...(proposal.memo ? { memo: proposal.memo } : {}) };
    if (queued) {
      this.store.insertTrialFromQueue(s.row.id, queued.id, trial);
      s.queue.shift();
    } else {
      this.store.insertTrial(s.row.id, trial);
    }
    s.trials.push(trial);
    s.lastSeen.set(number, now);
    return trial;
  }

  /**
   * The sampler's proposal for the study's next trial, with the history of now: the one computed
   * ahead for exactly this history if there is one, else computed on the proposal thread (heavy
   * samplers) or here. Both give what a cold ask in a fresh process gives.
   */
  private async propose(s: StudyRuntime, lane: Lane): Promise<Proposal | undefined> {
    const ctx = this.context(s);
    if (!this.thread || !s.sampler.heavy) return proposeHere(s, ctx);
    if (!s.sampler.heavy(ctx)) {
      // The startup trials are cheap; the thread loads meanwhile for the fitted ones.
      this.thread.warm();
      return proposeHere(s, ctx);
    }
    const ahead = lane.ahead;
    lane.ahead = undefined;
    if (ahead && ahead.key === historyKey(ctx)) {
      const r = await ahead.result.catch((): typeof SKIPPED => SKIPPED);
      if (r !== SKIPPED) {
        this.aheadHits++;
        return r;
      }
    }
    // Awaited: the history may have changed meanwhile (a tell), so take it again.
    const now = this.context(s);
    try {
      const r = await this.thread.propose(this.job(s, now, false));
      if (r !== SKIPPED) return r;
    } catch (e) {
      if (this.closed) throw e;
      if (!this.threadWarned) this.warn(`the proposal thread failed (${e instanceof Error ? e.message : String(e)}); proposals are computed on the service's event loop`);
      this.threadWarned = true;
    }
    return proposeHere(s, this.context(s));
  }

  private context(s: StudyRuntime): SampleContext {
    const number = s.trials.length;
    return { space: s.spec.space, direction: s.spec.direction, trials: s.trials, number, rng: new Rng(s.row.seed, number) };
  }

  private job(s: StudyRuntime, ctx: SampleContext, ahead: boolean) {
    return { ahead, study: { id: s.row.id, spec: s.spec, seed: s.row.seed }, direction: ctx.direction, number: ctx.number, trials: ctx.trials.map(frozen) };
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
    this.schedulePrefetch(s);
  }

  /**
   * A tell announced ahead (`ahead: true`): the trial stays running, nothing is stored; the proposal
   * for the history this tell will make starts computing now, so that the real tell (sent once the
   * worker has saved its model) finds it done. Served only if the history then is exactly that one.
   */
  tellAhead(ref: string | number, number: number, state: TellState, value?: number): void {
    const s = this.resolve(ref);
    const t = this.trial(s, number);
    if (state === 'complete' && (value === undefined || !Number.isFinite(value))) throw new BadRequest('value', 'a finite number is required when state is "complete"');
    if (t.state !== 'running') return; // told already (or timed out): nothing to prepare
    const told: StoredTrial = { ...t, state: state === 'fail' ? 'failed' : state, value: state === 'complete' ? value : state === 'pruned' ? (value ?? lastValue(t)) : value };
    const lane = this.lanes.get(s)!;
    if (lane.busy > 0) return; // an ask is computing: the history will change anyway
    this.computeAhead(s, lane, s.trials.map((x) => (x.number === number ? told : x)));
  }

  /**
   * Tell-and-ask in one call: finishes the trial, then hands out the next one (what a tell followed
   * by an ask does, in one round trip); null when the study has no trial left (where an ask answers
   * 409). The proposal computed ahead after this tell is the one the ask waits for.
   */
  async tellAndAsk(ref: string | number, number: number, state: TellState, value?: number): Promise<TrialAsk | null> {
    await this.tell(ref, number, state, value);
    try {
      return await this.ask(ref);
    } catch (e) {
      if (e instanceof DojoError && e.code === 'CONFLICT') return null;
      throw e;
    }
  }

  /**
   * After a tell: starts computing the proposal for the study's next ask on the proposal thread,
   * with the history of this moment (handed out only to an ask with that very history), so that a
   * worker asking right after its tell finds it done or under way. While an ask of the study is
   * computing, this waits until it is done (the ask changes the history).
   */
  private schedulePrefetch(s: StudyRuntime): void {
    const lane = this.lanes.get(s)!;
    if (lane.busy > 0) lane.aheadWanted = true;
    else this.computeAhead(s, lane);
  }

  private computeAhead(s: StudyRuntime, lane: Lane, trials: readonly StoredTrial[] = s.trials): void {
    if (!this.thread || this.closed) return;
    const max = s.spec.maxTrials;
    if (s.queue.length > 0 || (max !== undefined && s.handedOut() >= max)) return;
    const ctx = { ...this.context(s), trials };
    if (!s.sampler.heavy?.(ctx)) return;
    const key = historyKey(ctx);
    if (lane.ahead?.key === key) return;
    let result: Promise<Proposal | undefined | typeof SKIPPED>;
    try {
      result = this.thread.propose(this.job(s, ctx, true));
    } catch {
      return; // no thread: the ask computes it
    }
    // A failure here is the ask's to handle (it computes afresh).
    result.catch(() => undefined);
    lane.ahead = { key, result };
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

  /** Ends the proposal thread (asks waiting for it fail) and closes the database; resolves once the thread has exited. */
  close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) lane.ahead = undefined;
    const exited = this.thread?.close() ?? Promise.resolve();
    this.store.close();
    return exited;
  }
}

/** The sampler's proposal computed on this event loop, labelled with its name when it gives no label of its own. */
function proposeHere(s: StudyRuntime, ctx: SampleContext): Proposal | undefined {
  if (s.sampler.propose) return s.sampler.propose(ctx);
  const params = s.sampler.sample(ctx);
  return params ? { params, by: s.sampler.name } : undefined;
}

function paramKey(p: Params): string {
  return canonical(p);
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
