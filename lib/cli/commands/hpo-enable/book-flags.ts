// The flags of the book's `kaen hpo enable` (ch. 12): `--image`, `--service-prefix`,
// `--service-name` and `--port HOST CONTAINER` name the book's HPO container. dojo serves every
// study with its own HPO service, so they are accepted and said to be unused, and DcTaxiHpoService
// stands for its search space when no --space is given.
import { DojoError } from '../../../errors';
import type { SearchSpace } from '../../../hpo/space';
import { BOOK_SERVICE_NAME, BOOK_SPACE_SOURCE, bookSpace } from './book-space';

/** The book's flags as commander parsed them. */
export interface BookHpoFlags {
  readonly image?: string;
  readonly servicePrefix?: string;
  readonly serviceName?: string;
  /** `--port` is variadic for commander, so it also swallows the job id written after it, as the book does. */
  readonly port?: readonly string[];
}

/** The job id and the two ports of `--port HOST CONTAINER JOB` (the book writes the job last). */
export function splitPortFlag(job: string | undefined, port: readonly string[] | undefined): { job: string; ports?: readonly [number, number] } {
  const values = port ?? [];
  if (port !== undefined && values.length < 2) throw new DojoError('USAGE', `--port ${values.join(' ')}: give two ports, HOST CONTAINER (the book's --port 5001 5001)`);
  const rest = values.slice(2);
  if (rest.length > 1 || (rest.length === 1 && job !== undefined)) {
    throw new DojoError('USAGE', `--port ${values.join(' ')}: takes two ports, HOST CONTAINER; then the job id once`);
  }
  const ports = values.slice(0, 2).map((v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new DojoError('USAGE', `--port ${values.slice(0, 2).join(' ')}: "${v}" is not a port (1 to 65535)`);
    return n;
  });
  const id = job ?? rest[0];
  if (id === undefined) throw new DojoError('USAGE', 'missing the job id: dojo hpo enable [options] JOB');
  return port === undefined ? { job: id } : { job: id, ports: [ports[0]!, ports[1]!] };
}

/** The study's space: the --space file's, else the book's DcTaxiHpoService space (refusing another service). */
export function defaultSpace(flags: BookHpoFlags): { space: SearchSpace; source: string } {
  if (flags.serviceName !== undefined && flags.serviceName !== BOOK_SERVICE_NAME) {
    throw new DojoError('USAGE', `--service-name ${flags.serviceName}: dojo knows the search space of the book's ${BOOK_SERVICE_NAME} only; give this service's space with --space FILE`);
  }
  return { space: bookSpace(), source: BOOK_SPACE_SOURCE };
}

/** One line saying what the book's flags given do here, and that the book's space is used (undefined when neither). */
export function bookFlagsNote(flags: BookHpoFlags, ports: readonly [number, number] | undefined, spaceGiven: boolean): string | undefined {
  const parts: string[] = [];
  if (flags.image !== undefined) parts.push(`--image ${flags.image} is not run (dojo's own HPO service serves every study; the trials still run the job's workers)`);
  const service = [flags.servicePrefix, flags.serviceName].filter((s) => s !== undefined).join('.');
  if (spaceGiven && service) parts.push(`--service-prefix/--service-name ${service} is not used (the space is --space's)`);
  if (!spaceGiven) parts.push(`${service ? `${service}: ` : 'no --space: '}the study searches the book's ${BOOK_SERVICE_NAME} space, built in (README "From the book")`);
  if (ports) parts.push(`--port ${ports[0]} ${ports[1]} is not used (the tracking UI is at the address \`dojo ui DOJO\` prints)`);
  return parts.length === 0 ? undefined : `note: ${parts.join('; ')}`;
}
