import { DojoError } from '../../../errors';

/** Pairs the tokens of repeated `-e KEY VALUE` / `-e KEY=VALUE` flags. */
export function envPairs(tokens: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const eq = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(t);
    if (eq) {
      out.push([eq[1]!, eq[2]!]);
      continue;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) throw new DojoError('USAGE', `-e ${t}: expected KEY VALUE or KEY=VALUE`);
    const v = tokens[i + 1];
    if (v === undefined) throw new DojoError('USAGE', `-e ${t}: missing the value (use -e ${t} VALUE)`);
    out.push([t, v]);
    i++;
  }
  return out;
}

/**
 * The -e pairs and the job id. commander's variadic `-e` also takes the words after the last
 * pair, so the book's `kaen job start -e KEY VALUE ... $JOB` (job last) leaves the job as the one
 * word no pair claims: the last token, when it is not a `KEY=VALUE` and no KEY before it waits
 * for a value.
 */
export function envPairsAndJob(tokens: readonly string[], job: string | undefined): { pairs: [string, string][]; job: string } {
  if (job !== undefined) return { pairs: envPairs(tokens), job };
  const last = tokens[tokens.length - 1];
  if (last === undefined) throw new DojoError('USAGE', 'missing the job id: dojo job start [options] JOB');
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(last) && unpairedLast(tokens)) return { pairs: envPairs(tokens.slice(0, -1)), job: last };
  throw new DojoError('USAGE', 'missing the job id: dojo job start [options] JOB (first, or last after the -e KEY VALUE pairs)');
}

// True when the last token is not the value of a KEY before it.
function unpairedLast(tokens: readonly string[]): boolean {
  let i = 0;
  while (i < tokens.length - 1) i += /^[A-Za-z_][A-Za-z0-9_]*=/s.test(tokens[i]!) ? 1 : 2;
  return i === tokens.length - 1;
}
