export { synthesize, partName, partRows, partChunks, type SynthOptions, type SynthProgress, type SynthResult } from './synthesize';
export { sampleTrip, haversineMiles, RANGES } from './trips';
export { Rng, mix32 } from './rng';
