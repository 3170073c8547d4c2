import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FRAME_HEADER_BYTES, Op, encodeFrame, encodeTensorFrame } from '../../../runtime/src/collective';

/** Splits bytes at the given cut points (TCP may deliver any chunking). */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

describe('frame codec', () => {
  it('reassembles any sequence of frames from any chunking of the stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seq: fc.nat({ max: 2 ** 32 - 1 }), values: fc.array(fc.double({ noNaN: true }), { maxLength: 50 }), f64: fc.boolean() }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, cuts) => {
          const arrays = frames.map((f) => (f.f64 ? Float64Array.from(f.values) : Float32Array.from(f.values)));
          const stream = Buffer.concat(arrays.map((a, i) => encodeTensorFrame(Op.reduce, frames[i]!.seq, a)));
          const dec = new FrameDecoder();
          const got = chunked(stream, cuts).flatMap((c) => dec.push(c));
          expect(dec.error).toBeUndefined();
          expect(got).toHaveLength(frames.length);
          got.forEach((g, i) => {
            expect(g.op).toBe(Op.reduce);
            expect(g.seq).toBe(frames[i]!.seq);
            const a = arrays[i]!;
            expect(g.payload.equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(true);
          });
        },
      ),
    );
  });

  it('rejects random garbage with a reason and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: FRAME_HEADER_BYTES, maxLength: 200 }), fc.array(fc.nat(), { maxLength: 10 }), (garbage, cuts) => {
        const dec = new FrameDecoder(1 << 20);
        const frames = chunked(Buffer.from(garbage), cuts).flatMap((c) => dec.push(c));
        // A random 16-byte header passes the magic, version, op, dtype, flags and length checks with
        // probability ~2^-56: garbage is rejected (fast-check would need luck to forge a frame).
        expect(frames).toHaveLength(0);
        expect(dec.error).toMatch(/bad magic|version|unknown op|unknown dtype|flags|exceeds|whole number/);
      }),
    );
  });

  it('names each header defect', () => {
    const good = encodeFrame(Op.result, 7, 2, new Uint8Array(16));
    const cases: Array<[number, number, RegExp]> = [
      [0, 0x00, /bad magic/],
      [4, 9, /unsupported frame version 9/],
      [5, 99, /unknown op 99/],
      [6, 7, /unknown dtype 7/],
      [7, 1, /reserved flags/],
    ];
    for (const [offset, value, msg] of cases) {
      const bad = Buffer.from(good);
      bad[offset] = value;
      const dec = new FrameDecoder();
      expect(dec.push(bad)).toEqual([]);
      expect(dec.error).toMatch(msg);
    }
    const ragged = Buffer.from(good);
    ragged.writeUInt32LE(12, 12); // 12 bytes of float64 = 1.5 values
    const d1 = new FrameDecoder();
    d1.push(ragged);
    expect(d1.error).toMatch(/12 payload bytes are not a whole number of float64 values/);
    const huge = Buffer.from(good);
    huge.writeUInt32LE(2 ** 31, 12);
    const d2 = new FrameDecoder(1 << 20);
    d2.push(huge);
    expect(d2.error).toMatch(/exceeds the limit/);
  });
});
