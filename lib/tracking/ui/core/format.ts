// Formatting shared by every page (pure: unit-tested in Node). `dojo job wait` prints its elapsed
// time and ETA with fmtClock too, so that the study page and the CLI read alike.

/** A number with 5 significant digits (exponent form when tiny or huge); text as it is; '' for nothing. */
export function fmtNum(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  const n = Number(v);
  if (!Number.isFinite(n)) return typeof v === 'number' ? String(v) : String(v);
  if (n !== 0 && (Math.abs(n) < 1e-3 || Math.abs(n) >= 1e6)) return n.toExponential(3);
  return String(Number(n.toPrecision(5)));
}

/** Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` (UTC, the server's clock). */
export function fmtTime(ms: number | string | undefined): string {
  if (!ms) return '';
  return new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 19);
}

/** Seconds as m:ss or h:mm:ss (elapsed time and ETA, here and in `dojo job wait`). */
export function fmtClock(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The length of a run: 12.3s, 4m 5s, 2h 3m; up to now while it runs. */
export function fmtDuration(start: number | string | undefined, end?: number | string, now: number = Date.now()): string {
  if (!start) return '';
  const s = Math.max(0, ((end ? Number(end) : now) - Number(start)) / 1000);
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Tick values of a log axis over [lo, hi] (> 0): the powers of ten inside, or 1-2-5 multiples when there are few. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi > 0)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  const powers = out.filter((v) => Number.isInteger(Math.log10(v)) || Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
  return powers.length >= 3 ? powers : out;
}

/** A short label for a tick value. */
export function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}
