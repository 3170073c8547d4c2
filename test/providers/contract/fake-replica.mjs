// A stand-in for a user's command in the Provider contract suite: prints the contract variables it
// was given (one `contract-replica env {...}` line) and, on rank 0, appends its trial's value
// (the sum of its numeric params) to DOJO_RESULT_FILE.
import { appendFileSync } from 'node:fs';

const env = process.env;
const shown = Object.fromEntries(Object.entries(env).filter(([k]) => /^(DOJO|KAEN|MLFLOW|CONTRACT)_|^(RANK|WORLD_SIZE|LOCAL_RANK|LOCAL_WORLD_SIZE|MASTER_ADDR|MASTER_PORT)$/.test(k)));
process.stdout.write(`contract-replica env ${JSON.stringify(shown)}\n`);
if (env.RANK === '0') {
  const params = JSON.parse(env.DOJO_TRIAL_PARAMS);
  const value = Object.values(params).reduce((sum, v) => sum + (typeof v === 'number' ? v : 0), 0);
  appendFileSync(env.DOJO_RESULT_FILE, `${JSON.stringify({ step: 0, value })}\n${JSON.stringify({ value })}\n`);
}
