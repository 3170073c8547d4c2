import pkg from '../../package.json';

/** dojo's version, from package.json (inlined by the bundler). */
export const DOJO_VERSION: string = pkg.version;
