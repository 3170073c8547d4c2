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
