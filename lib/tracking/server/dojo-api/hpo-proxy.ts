import { TrackingError } from '../../errors';
import { etagOf, type AnswerCache, type CachedAnswer } from '../answer-cache';

/** Longest study answer passed on (a study of thousands of trials with their reports is a few MB). */
const MAX_STUDY_BYTES = 64 * 1024 * 1024;
/** How long the HPO service may take to answer. */
const TIMEOUT_MS = 10_000;

/**
 * The HPO service's view of a study (`GET /api/v1/studies/{id}`: live states, the reports the pruner
 * saw, maxTrials), fetched by the tracking server for its web UI: the page cannot call the HPO
 * service itself (another origin), and the service is not opened to browsers. Nothing of the
 * browser's request is forwarded (no headers, no query): the study id is the only input, checked
 * and encoded; the service's own token is sent when it has one. Answers the service's JSON text as
 * it came (checked to parse); a 404 for an unknown study or an unlinked service, a 502 when the
 * service fails or answers something that is not JSON. The last answer of each study is kept in
 * `answers` and asked for again with its ETag: while the study does not change the service answers
 * 304 without a body and the kept answer is sent.
 */
export async function fetchStudy(hpoUri: string | undefined, id: string, token: string | undefined, answers: AnswerCache): Promise<CachedAnswer> {
  if (!hpoUri) throw new TrackingError('ENDPOINT_NOT_FOUND', 'No HPO service is linked to this tracking server: study pages show what tracking holds.');
  if (!/^[^/\s]{1,200}$/.test(id)) throw new TrackingError('INVALID_PARAMETER_VALUE', `Invalid study id '${id.slice(0, 50)}': 1-200 characters, no '/' or spaces.`);
  const url = `${hpoUri.replace(/\/+$/, '')}/api/v1/studies/${encodeURIComponent(id)}`;
  const key = `hpo ${url}`;
  const kept = answers.peek(key);
  const headers: Record<string, string> = {};
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (kept) headers['If-None-Match'] = kept.version;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error', headers });
  } catch (e) {
    throw new TrackingError('TEMPORARILY_UNAVAILABLE', `The HPO service at ${hpoUri} did not answer: ${(e as Error).message}`, 502);
  }
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_STUDY_BYTES) {
    await res.body?.cancel();
    throw new TrackingError('TEMPORARILY_UNAVAILABLE', `The HPO service's answer for study ${id} is larger than ${MAX_STUDY_BYTES} bytes.`, 502);
  }
  const text = await res.text();
  // Unchanged: the kept answer (touched, unless another request replaced or dropped it meanwhile).
  if (res.status === 304 && kept) return answers.get(key, kept.version) ?? kept;
  if (res.status === 404) throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Study ${id} is not known to the HPO service.`);
  if (res.status !== 200) throw new TrackingError('TEMPORARILY_UNAVAILABLE', `The HPO service answered ${res.status} for study ${id}.`, 502);
  try {
    JSON.parse(text);
  } catch {
    throw new TrackingError('TEMPORARILY_UNAVAILABLE', `The HPO service's answer for study ${id} is not JSON.`, 502);
  }
  const body = Buffer.from(text);
  const etag = etagOf(body);
  // The service's ETag is what it is asked with next time; without one, the answer's own hash.
  return answers.set(key, res.headers.get('etag') ?? etag, body, etag);
}
