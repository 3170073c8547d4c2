// `job create --project DIR [--entry-point NAME]`: the MLproject file of DIR read into a command job
// (lib/jobs/project.ts knows the format; this reads the file and its YAML).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { usageError } from '../../../errors';
import { projectEntry, type ReadProject } from '../../../jobs/project';

/** The entry point of the MLflow Project in dir (USAGE errors name the flag, file and field). */
export function readProject(dirFlag: string, entryPoint: string, cwd: string): ReadProject {
  const dir = resolve(cwd, dirFlag);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw usageError(`--project ${dirFlag}: no such folder (${dir})`);
  // MLflow finds the file whatever its case (MLproject, mlproject).
  const name = readdirSync(dir).find((f) => f.toLowerCase() === 'mlproject');
  if (!name) throw usageError(`--project ${dirFlag}: no MLproject file in ${dir}`);
  const file = join(dir, name);
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw usageError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return projectEntry(doc, file, dir, entryPoint);
}
