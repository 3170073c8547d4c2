import { z } from 'zod';
import { issuePath } from '../space';

/** Body of `POST /api/v1/studies/{id}/report`. */
export const reportBody = z.strictObject({
  number: z.number().int('must be an integer').min(0, 'must be >= 0'),
  step: z.number().int('must be an integer').min(0, 'must be >= 0'),
  value: z.number().refine(Number.isFinite, 'must be a finite number'),
});

/**
 * Body of `POST /api/v1/studies/{id}/tell`; with `next: {}` the answer carries the next trial too
 * (tell-and-ask); with `ahead: true` nothing is told yet: the service prepares the next proposal.
 */
export const tellBody = z.strictObject({
  number: z.number().int('must be an integer').min(0, 'must be >= 0'),
  state: z.enum(['complete', 'fail', 'pruned'], { error: 'must be "complete", "fail" or "pruned"' }),
  value: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
  next: z.strictObject({}, { error: 'must be an object ({} asks for the next trial with the tell)' }).optional(),
  ahead: z.literal(true, { error: 'must be true (announces the tell that follows) or left out' }).optional(),
});

/** Body of `POST /api/v1/studies/{id}/enqueue`: the parameter sets (checked against the space by the engine). */
export const enqueueBody = z.strictObject({
  params: z.unknown().refine((v) => v !== undefined, 'is required: a list of parameter objects'),
  skipIfExists: z.boolean().optional(),
});

/** Body of `POST /api/v1/studies/{id}/heartbeat`. */
export const heartbeatBody = z.strictObject({ number: z.number().int('must be an integer').min(0, 'must be >= 0') });

/** Body of `POST /api/v1/rendezvous/{key}/join`. */
export const joinBody = z.strictObject({
  replicas: z.number().int('must be an integer').min(1, 'must be >= 1').max(4096, 'must be <= 4096'),
  addr: z.string().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
  timeoutMs: z.number().int('must be an integer').min(1, 'must be >= 1').max(3_600_000, 'must be <= 3600000').optional(),
});

/** Parses a body or returns the first problem as `{error, path}`. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): { ok: true; value: T } | { ok: false; error: string; path: string } {
  const r = schema.safeParse(body);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0]!;
  return { ok: false, error: issue.message, path: issuePath('', issue.path).replace(/^\./, '') || '(body)' };
}
