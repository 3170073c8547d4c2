// The values a trial's command reports: the metric's history in the trial's MLflow run, and the
// JSON lines of its result file (`{"step": s, "value": v}` intermediate, `{"value": x}` the result).
// Kept as one view by step, so the driver reports each new step once whichever way it came.
import type { Metric } from '../../../tracking/types';

/** An intermediate value at a step. */
export interface StepValue {
  readonly step: number;
  readonly value: number;
}

/** What a result file line said that the driver could not use (one line each, for the log). */
export type ResultWarning = string;

/** Everything the trial reported so far. */
export class TrialValues {
  private readonly byStep = new Map<number, { value: number; timestamp: number }>();
  private resultValue: number | undefined;
  private partial = '';
  private lineNo = 0;
  private lastMlflow: { step: number; timestamp: number; value: number } | undefined;

  /** Takes the metric's whole history from the run (the latest value per step wins, as MLflow's own). */
  addHistory(history: readonly Metric[]): void {
    for (const m of history) {
      const step = Number(m.step);
      const value = Number(m.value);
      const prev = this.byStep.get(step);
      if (!prev || m.timestamp >= prev.timestamp) this.byStep.set(step, { value, timestamp: m.timestamp });
      const last = this.lastMlflow;
      if (!last || step > last.step || (step === last.step && m.timestamp >= last.timestamp)) this.lastMlflow = { step, timestamp: m.timestamp, value };
    }
  }

  /** Takes new text of the result file; returns the intermediate values it added and warnings for lines it could not use. */
  addResultText(text: string, file: string): { added: StepValue[]; warnings: ResultWarning[] } {
    const added: StepValue[] = [];
    const warnings: ResultWarning[] = [];
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) {
      this.lineNo++;
      const line = raw.trim();
      if (line === '') continue;
      const parsed = parseResultLine(line);
      if (typeof parsed === 'string') {
        warnings.push(`${file}:${this.lineNo}: ${parsed}; line ignored`);
        continue;
      }
      if (parsed.step === undefined) this.resultValue = parsed.value;
      else {
        this.byStep.set(parsed.step, { value: parsed.value, timestamp: Number.MAX_SAFE_INTEGER });
        added.push({ step: parsed.step, value: parsed.value });
      }
    }
    return { added, warnings };
  }

  /** Intermediate values at steps above `after`, in step order. */
  stepsAfter(after: number): StepValue[] {
    return [...this.byStep.entries()].filter(([s]) => s > after).sort((a, b) => a[0] - b[0]).map(([step, v]) => ({ step, value: v.value }));
  }

  /**
   * The trial's value once its command has ended: the result file's `value`, else the metric's
   * last value in the run, else the result file's last intermediate value; undefined when none.
   */
  final(): number | undefined {
    if (this.resultValue !== undefined) return this.resultValue;
    if (this.lastMlflow) return this.lastMlflow.value;
    const steps = this.stepsAfter(-Infinity);
    return steps.at(-1)?.value;
  }
}

/** One result file line: a value (with its step when intermediate), or what is wrong with it. */
export function parseResultLine(line: string): { step?: number; value: number } | string {
  let j: unknown;
  try {
    j = JSON.parse(line);
  } catch {
    return `not JSON: ${line.slice(0, 80)}`;
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) return 'expected an object like {"step": 3, "value": 0.5} or {"value": 0.5}';
  const o = j as Record<string, unknown>;
  if (typeof o.value !== 'number' || !Number.isFinite(o.value)) return `"value" must be a finite number, got ${JSON.stringify(o.value)}`;
  if (o.step === undefined) return { value: o.value };
  if (typeof o.step !== 'number' || !Number.isSafeInteger(o.step) || o.step < 0) return `"step" must be a whole number >= 0, got ${JSON.stringify(o.step)}`;
  return { step: o.step, value: o.value };
}
