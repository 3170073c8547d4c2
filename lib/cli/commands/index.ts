import type { CommandSpec } from '../spec';

/**
 * Every command of the CLI, in --help order. Each entry is a cheap spec; its handler is loaded
 * only when the command runs. Add a command by adding its folder's spec here.
 */
export const commands: readonly CommandSpec[] = [];
