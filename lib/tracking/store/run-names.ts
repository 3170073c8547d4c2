import { randomInt } from 'node:crypto';

const ADJECTIVES = ['amber', 'bold', 'brave', 'calm', 'clever', 'crisp', 'eager', 'fleet', 'gentle', 'glad', 'keen', 'lucky', 'merry', 'nimble', 'quiet', 'rare', 'swift', 'vivid', 'wise', 'zesty'];
const NOUNS = ['badger', 'crane', 'dolphin', 'falcon', 'fox', 'heron', 'ibis', 'koala', 'lynx', 'moth', 'otter', 'owl', 'panda', 'quail', 'raven', 'seal', 'tiger', 'wren', 'yak', 'zebra'];

/** A run name like MLflow's generated ones ("swift-otter-417"), for runs created without a name. */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
