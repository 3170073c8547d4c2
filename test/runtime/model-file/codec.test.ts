import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isDojoError } from '../../../lib/errors';
import { forward } from '../../../runtime/src/model';
import { decodeModel, encodeModel, loadModelFile, saveModel, MODEL_FORMAT_VERSION } from '../../../runtime/src/model-file';
import { editHeader, fakeData, reseal, trainedModel } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'dojo-model-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(isDojoError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected the model file to be refused');
}

describe('model file round trip', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const bn of [0, 1] as const) {
      it(`save -> load -> predict is bit-identical (${dtype}, BN ${bn ? 'on' : 'off'})`, async () => {
        const model = await trainedModel(dtype, bn);
        const path = join(dir, `m-${dtype}-${bn}.dojo`);
        await saveModel(model, { metrics: { val_rmse: 1.5, bad: NaN } }, path);
        const { model: loaded, header } = await loadModelFile(path);
        expect(header.dtype).toBe(dtype);
        expect(header.metrics).toEqual({ val_rmse: 1.5 });
        expect(header.layers).toEqual({ dims: [8, 7, 11, 13, 1], batch_norm: bn === 1 });
        expect(Array.from(loaded.params)).toEqual(Array.from(model.params));
        expect(Array.from(loaded.stats)).toEqual(Array.from(model.stats));
        // More rows than the loaded model's buffers: predict must chunk and still agree bit for bit.
        const { x } = fakeData(70_001, dtype, 99);
        const a = forward(model, x, 70_001);
        const b = forward(loaded, x, 70_001);
        expect(b.constructor).toBe(a.constructor);
        expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      });
    }
  }

  it('loads with the JS reference backend too, with the same parameters', async () => {
    const model = await trainedModel('float64', 1);
    const { model: js } = decodeModel(encodeModel(model), 'mem', { backend: 'js' });
    expect(js.network.backend).toBe('js');
    const { x } = fakeData(100, 'float64');
    const a = forward(model, x, 100);
    const b = forward(js, x, 100);
    for (let i = 0; i < 100; i++) expect(b[i]).toBeCloseTo(a[i]!, 9);
  });

  it('is deterministic: the same model and creation time give the same bytes', async () => {
    const model = await trainedModel('float32', 1);
    const created = new Date('2026-01-01T00:00:00Z');
    expect(Buffer.from(encodeModel(model, { created })).equals(Buffer.from(encodeModel(model, { created })))).toBe(true);
  });

  it('keeps the preprocessing section verbatim', async () => {
    const model = await trainedModel('float32', 0);
    const preprocessing = { missing: 'mean', means: [1, 2, 3] };
    const { header } = decodeModel(encodeModel(model, { preprocessing }), 'mem');
    expect(header.preprocessing).toEqual(preprocessing);
  });
});

describe('damaged model files are refused', () => {
  let good: Uint8Array;
  const getGood = async (): Promise<Uint8Array> => (good ??= encodeModel(await trainedModel('float32', 1)));

  it('bad magic', async () => {
    const b = (await getGood()).slice();
    b[0] = 0x50;
    expect(refusal(() => decodeModel(b, 'x.dojo'))).toMatch(/^x\.dojo: not a dojo model file/);
    expect(refusal(() => decodeModel(new TextEncoder().encode('fare,1,2\n'), 'data.csv'))).toMatch(/^data\.csv: not a dojo model file/);
  });

  it('every truncation', async () => {
    const g = await getGood();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: g.length - 1 }), (n) => {
        const msg = refusal(() => decodeModel(g.subarray(0, n), 'cut.dojo'));
        expect(msg).toMatch(/^cut\.dojo: (truncated model file|not a dojo model file)/);
      }),
      { numRuns: 300 },
    );
  });

  it('any flipped byte (header, payload or checksum)', async () => {
    const g = await getGood();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: g.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const b = g.slice();
        b[at] ^= x;
        expect(refusal(() => decodeModel(b, 'flip.dojo'))).toMatch(/^flip\.dojo: /);
      }),
      { numRuns: 500 },
    );
    const b = g.slice();
    b[b.length - 40] ^= 1; // inside the payload
    expect(refusal(() => decodeModel(b, 'p.dojo'))).toBe('p.dojo: corrupt model file: SHA-256 checksum mismatch (the file was changed or damaged after it was written)');
  });

  it('trailing bytes', async () => {
    const g = await getGood();
    const b = new Uint8Array(g.length + 3);
    b.set(g);
    expect(refusal(() => decodeModel(b, 't.dojo'))).toMatch(/3 unexpected bytes after the checksum/);
  });

  it('an unknown format version', async () => {
    const b = editHeader(await getGood(), (h) => (h.version = MODEL_FORMAT_VERSION + 1));
    expect(refusal(() => decodeModel(b, 'new.dojo'))).toBe(
      'new.dojo: model format version 2 is not supported: this dojo reads version 1; use a dojo release that writes this version',
    );
  });

  it('a header inconsistent with its layout (checksum valid)', async () => {
    const g = await getGood();
    const shape = editHeader(g, (h) => ((h.tensors as { shape: number[] }[])[2]!.shape = [8, 7]));
    expect(refusal(() => decodeModel(shape, 's.dojo'))).toMatch(/tensor linears\.0\.weight has shape \[8, 7\], expected \[7, 8\]/);
    const dims = editHeader(g, (h) => ((h.layers as { dims: number[] }).dims = [8, 7, 11, 12, 1]));
    expect(refusal(() => decodeModel(dims, 'd.dojo'))).toMatch(/layers .* do not match hparams/);
    const missing = editHeader(g, (h) => (h.tensors = (h.tensors as { name: string }[]).filter((t) => t.name !== 'linears.3.bn.running_var')));
    expect(refusal(() => decodeModel(missing, 'm.dojo'))).toMatch(/tensor linears\.3\.bn\.running_var is missing/);
    const outside = editHeader(g, (h) => ((h.tensors as { offset: number }[])[0]!.offset = 1 << 20));
    expect(refusal(() => decodeModel(outside, 'o.dojo'))).toMatch(/lies outside the/);
    const hp = editHeader(g, (h) => ((h.hparams as { lr: number }).lr = -1));
    expect(refusal(() => decodeModel(hp, 'h.dojo'))).toMatch(/^h\.dojo: header: hparams\.lr: must be > 0/);
    const field = editHeader(g, (h) => (h.extra = 1));
    expect(refusal(() => decodeModel(field, 'f.dojo'))).toMatch(/invalid model header/);
  });

  it('a header dtype that disagrees with the payload size (checksum valid)', async () => {
    for (const [from, to] of [['float64', 'float32'], ['float32', 'float64']] as const) {
      const edited = editHeader(encodeModel(await trainedModel(from, 1)), (h) => (h.dtype = to));
      expect(refusal(() => decodeModel(edited, 'x.dojo'))).toMatch(new RegExp(`^x\\.dojo: invalid model header: dtype ${to} with these tensor shapes makes a \\d+-byte payload, but the file holds \\d+ bytes`));
    }
  });

  it('overlapping tensors (offsets not as laid out, checksum valid)', async () => {
    const g = await getGood();
    const overlap = editHeader(g, (h) => ((h.tensors as { offset: number }[])[1]!.offset = 0));
    expect(refusal(() => decodeModel(overlap, 'v.dojo'))).toMatch(/tensor linears\.0\.bn\.bias at offset 0, expected \d+/);
  });

  it('non-finite weights (checksum valid)', async () => {
    const b = (await getGood()).slice();
    const len = new DataView(b.buffer).getUint32(8, true);
    new DataView(b.buffer).setFloat32(12 + len, NaN, true);
    expect(refusal(() => decodeModel(reseal(b), 'nan.dojo'))).toBe('nan.dojo: tensor linears.0.bn.weight[0] is NaN: the model is not usable');
  });

  it('a missing file names the path', async () => {
    await expect(loadModelFile(join(dir, 'nope.dojo'))).rejects.toThrow(/nope\.dojo: cannot read the model file \(ENOENT\)/);
  });
});
