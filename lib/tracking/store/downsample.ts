/** A metric series as parallel arrays in step order: `steps[i]` is where `values[i]` was logged. */
export interface Series {
  readonly steps: number[];
  readonly values: number[];
}

/**
 * Thins a series sorted by step to at most `maxPoints + 2` points while keeping its shape: the
 * step range is cut into `maxPoints / 2` equal buckets and each bucket keeps its lowest and its
 * highest value (in step order), so a spike or a dip survives however far it is thinned, unlike
 * picking every n-th point; the first and the last point are always kept (where a pruned trial
 * stopped). Non-finite values are dropped (they cannot be drawn). A series that already fits is
 * returned as it is, minus non-finite values. O(n), no allocation per point.
 */
export function downsample(steps: ArrayLike<number>, values: ArrayLike<number>, maxPoints: number): Series {
  const n = steps.length;
  if (values.length !== n) throw new Error(`downsample: ${n} steps but ${values.length} values`);
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new Error(`downsample: maxPoints must be an integer >= 2, got ${maxPoints}`);
  let first = -1;
  let last = -1;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i]!)) continue;
    if (first < 0) first = i;
    last = i;
    finite++;
  }
  const outSteps: number[] = [];
  const outValues: number[] = [];
  if (finite <= maxPoints + 2) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i]!)) continue;
      outSteps.push(steps[i]!);
      outValues.push(values[i]!);
    }
    return { steps: outSteps, values: outValues };
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const lo = steps[first]!;
  const span = steps[last]! - lo;
  const keep = (i: number): void => {
    outSteps.push(steps[i]!);
    outValues.push(values[i]!);
  };
  keep(first);
  let bucket = -1;
  let minI = -1;
  let maxI = -1;
  const flush = (): void => {
    if (minI < 0) return;
    const a = Math.min(minI, maxI);
    const b = Math.max(minI, maxI);
    if (a !== first && a !== last) keep(a);
    if (b !== a && b !== first && b !== last) keep(b);
  };
  for (let i = first; i <= last; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    // A zero span (every point at one step) puts everything in bucket 0.
    const b = span > 0 ? Math.min(buckets - 1, Math.floor(((steps[i]! - lo) / span) * buckets)) : 0;
    if (b !== bucket) {
      flush();
      bucket = b;
      minI = i;
      maxI = i;
    } else {
      if (v < values[minI]!) minI = i;
      if (v > values[maxI]!) maxI = i;
    }
  }
  flush();
  if (last !== first) keep(last);
  return { steps: outSteps, values: outValues };
}
