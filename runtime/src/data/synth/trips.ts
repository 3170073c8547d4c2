import { cumulative, type Rng } from './rng';

/** Ranges of the real DC-taxi columns; synthetic rows are clipped to them. */
export const RANGES = {
  fare: [3.25, 99],
  lat: [38.82, 38.97],
  lon: [-77.11, -76.92],
  year: [2015, 2019],
  month: [1, 12],
  dow: [1, 7],
  hour: [0, 23],
} as const;

/** Pickup/drop-off hubs (lat, lon, spread in degrees, weight): downtown dominates. */
const HUBS = [
  [38.9005, -77.0305, 0.011, 0.45], // downtown / K Street
  [38.8973, -77.0063, 0.005, 0.1], // Union Station
  [38.9055, -77.063, 0.005, 0.08], // Georgetown
  [38.889, -76.995, 0.006, 0.07], // Capitol Hill
  [38.876, -77.003, 0.005, 0.05], // Navy Yard
  [38.921, -77.043, 0.005, 0.07], // Adams Morgan
] as const;
const HUB_PICK = cumulative([...HUBS.map((h) => h[3]), 0.18]); // last: anywhere in the city
const YEAR_PICK = cumulative([0.3, 0.26, 0.2, 0.14, 0.1]); // taxi rides fell as ride-hailing grew
const HOUR_PICK = cumulative([
  3, 2, 1.5, 1, 0.7, 0.8, 1.8, 3.5, 5, 5, 4.5, 4.5, 5, 5, 5, 5.2, 5.5, 6, 6.2, 6, 5.5, 5, 4.5, 4,
]);
const DOW_PICK = cumulative([0.13, 0.12, 0.13, 0.14, 0.15, 0.17, 0.16]);

/** Block grid: trips are recorded at block centroids, so coordinates repeat like the real data. */
const CELL_LAT = 0.0012;
const CELL_LON = 0.0015;
const EARTH_MILES = 3958.8;
const RAD = Math.PI / 180;

/** Great-circle distance in miles. */
export function haversineMiles(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_MILES * Math.asin(Math.min(1, Math.sqrt(a)));
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** A deterministic offset in [-0.5, 0.5) per grid cell, so centroids are not on a regular lattice. */
function cellJitter(i: number, j: number, salt: number): number {
  let h = Math.imul(i, 0x27d4eb2d) ^ Math.imul(j, 0x165667b1) ^ salt;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296 - 0.5;
}

/** Writes a block centroid in micro-degrees into out[at], out[at+1]. */
function sampleBlock(rng: Rng, out: Int32Array, at: number): void {
  const h = rng.pick(HUB_PICK);
  let lat: number;
  let lon: number;
  if (h < HUBS.length) {
    const hub = HUBS[h]!;
    lat = hub[0] + rng.normal() * hub[2];
    lon = hub[1] + rng.normal() * hub[2] * 1.25;
  } else {
    lat = RANGES.lat[0] + rng.next() * (RANGES.lat[1] - RANGES.lat[0]);
    lon = RANGES.lon[0] + rng.next() * (RANGES.lon[1] - RANGES.lon[0]);
  }
  const i = Math.round(lat / CELL_LAT);
  const j = Math.round(lon / CELL_LON);
  lat = (i + 0.6 * cellJitter(i, j, 0x5bd1e995)) * CELL_LAT;
  lon = (j + 0.6 * cellJitter(i, j, 0x1b873593)) * CELL_LON;
  out[at] = Math.round(clip(lat, RANGES.lat[0], RANGES.lat[1]) * 1e6);
  out[at + 1] = Math.round(clip(lon, RANGES.lon[0], RANGES.lon[1]) * 1e6);
}

/**
 * One synthetic trip as exact integers (so formatting is exact and fast): `out` = [fare in cents,
 * origin lat, origin lon, destination lat, destination lon (micro-degrees), year, month, dow, hour].
 * Fare ≈ $3.25 + $2.16/mile of haversine distance, slower at rush hour, rising by year, with
 * noise and occasional extras, clipped to the real ranges.
 */
export function sampleTrip(rng: Rng, out: Int32Array): void {
  const year = 2015 + rng.pick(YEAR_PICK);
  const month = 1 + Math.floor(rng.next() * 12);
  const dow = 1 + rng.pick(DOW_PICK);
  const hour = rng.pick(HOUR_PICK);
  sampleBlock(rng, out, 1);
  const sameBlock = rng.next() < 0.04;
  if (sameBlock) {
    out[3] = out[1]!;
    out[4] = out[2]!;
  } else {
    sampleBlock(rng, out, 3);
  }
  const miles = haversineMiles(out[1]! / 1e6, out[2]! / 1e6, out[3]! / 1e6, out[4]! / 1e6);
  const weekday = dow >= 2 && dow <= 6;
  const rush = weekday && ((hour >= 7 && hour <= 9) || (hour >= 16 && hour <= 18));
  const night = hour >= 22 || hour <= 4;
  const perMile = 2.16 * (rush ? 1.18 : night ? 0.95 : 1);
  let fare: number;
  if (sameBlock) {
    fare = rng.next() < 0.6 ? 3.25 : 3.25 + Math.abs(rng.normal()) * 2;
  } else {
    fare = 3.25 + perMile * miles + 0.22 * (year - 2015) + (night ? 0.5 : 0) + rng.normal() * (0.6 + 0.08 * miles);
    if (rng.next() < 0.05) fare += 1 + rng.next() * 14;
  }
  out[0] = Math.round(clip(fare, RANGES.fare[0], RANGES.fare[1]) * 100);
  out[5] = year;
  out[6] = month;
  out[7] = dow;
  out[8] = hour;
}
