/**
 * A minimal WebAssembly binary emitter: just the opcodes the generated training kernels need
 * (i32 address arithmetic, f64 scalars, 128-bit SIMD, loops). See the WebAssembly core spec,
 * "Binary format", and the SIMD proposal's opcode table.
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
/** A value type byte. */
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Core opcodes used here. */
export const Op = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b, ret: 0x0f,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, f32Load: 0x2a, f64Load: 0x2b, f32Store: 0x38, f64Store: 0x39,
  i32Const: 0x41, f64Const: 0x44,
  i32Eqz: 0x45, i32LtU: 0x49, i32GeU: 0x4f,
  select: 0x1b,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32Shl: 0x74, i32ShrU: 0x76,
  f32Add: 0x92,
  f64Add: 0xa0, f64Sub: 0xa1, f64Mul: 0xa2,
  f32DemoteF64: 0xb6, f64PromoteF32: 0xbb,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const Simd = {
  load: 0x00, load32Splat: 0x09, load64Splat: 0x0a, store: 0x0b, const: 0x0c, shuffle: 0x0d,
  f32x4Splat: 0x13, f64x2Splat: 0x14, f32x4ExtractLane: 0x1f, f64x2ExtractLane: 0x21,
  f32x4Gt: 0x44, f64x2Gt: 0x4a, and: 0x4e,
  f64x2PromoteLowF32x4: 0x5f,
  f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7, f32x4Pmax: 0xeb,
  f64x2Sqrt: 0xef, f64x2Add: 0xf0, f64x2Sub: 0xf1, f64x2Mul: 0xf2, f64x2Div: 0xf3, f64x2Pmax: 0xf7,
  /** Relaxed SIMD: a·b + c, fused where the hardware has FMA. */
  f32x4RelaxedMadd: 0x105, f64x2RelaxedMadd: 0x107,
} as const;

function uleb(out: number[], v: number): void {
  let x = v >>> 0;
  do {
    let byte = x & 0x7f;
    x >>>= 7;
    if (x !== 0) byte |= 0x80;
    out.push(byte);
  } while (x !== 0);
}

function sleb(out: number[], v: number): void {
  let x = v | 0;
  for (;;) {
    const byte = x & 0x7f;
    x >>= 7;
    if ((x === 0 && (byte & 0x40) === 0) || (x === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** The body of one function being emitted. */
export class FunctionBuilder {
  readonly bytes: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(
    readonly name: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  /** Declares a local; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  op(code: number): this {
    this.bytes.push(code);
    return this;
  }
  get(i: number): this {
    this.bytes.push(Op.localGet);
    uleb(this.bytes, i);
    return this;
  }
  set(i: number): this {
    this.bytes.push(Op.localSet);
    uleb(this.bytes, i);
    return this;
  }
  tee(i: number): this {
    this.bytes.push(Op.localTee);
    uleb(this.bytes, i);
    return this;
  }
  i32(v: number): this {
    this.bytes.push(Op.i32Const);
    sleb(this.bytes, v);
    return this;
  }
  f64(v: number): this {
    this.bytes.push(Op.f64Const);
    const b = new Uint8Array(new Float64Array([v]).buffer);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  /** A load or store with a constant byte offset (alignment hint log2). */
  mem(code: number, align: number, offset: number): this {
    this.bytes.push(code);
    uleb(this.bytes, align);
    uleb(this.bytes, offset);
    return this;
  }
  simd(code: number): this {
    this.bytes.push(0xfd);
    uleb(this.bytes, code);
    return this;
  }
  /** A SIMD load or store with a constant byte offset. */
  simdMem(code: number, align: number, offset: number): this {
    this.simd(code);
    uleb(this.bytes, align);
    uleb(this.bytes, offset);
    return this;
  }
  lane(code: number, lane: number): this {
    this.simd(code);
    this.bytes.push(lane);
    return this;
  }
  shuffle(lanes: readonly number[]): this {
    this.simd(Simd.shuffle);
    for (const l of lanes) this.bytes.push(l);
    return this;
  }
  v128Zero(): this {
    this.simd(Simd.const);
    for (let k = 0; k < 16; k++) this.bytes.push(0);
    return this;
  }
  /** block with no result. */
  block(): this {
    this.bytes.push(Op.block, 0x40);
    return this;
  }
  loop(): this {
    this.bytes.push(Op.loop, 0x40);
    return this;
  }
  brIf(depth: number): this {
    this.bytes.push(Op.brIf);
    uleb(this.bytes, depth);
    return this;
  }
  br(depth: number): this {
    this.bytes.push(Op.br);
    uleb(this.bytes, depth);
    return this;
  }
  end(): this {
    this.bytes.push(Op.end);
    return this;
  }

  /** The encoded code-section entry (locals + body). */
  encode(): Uint8Array {
    const head: number[] = [];
    // Run-length encode consecutive locals of one type.
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(head, groups.length);
    for (const [n, t] of groups) {
      uleb(head, n);
      head.push(t);
    }
    // Body bytes copied in bulk (a typed array made from a packed array of small integers is one
    // native copy): byte-by-byte pushes cost a worker ~0.1 s per model before the JIT warms up.
    const bodyLength = head.length + this.bytes.length + 1;
    const size: number[] = [];
    uleb(size, bodyLength);
    const out = new Uint8Array(size.length + bodyLength);
    out.set(size, 0);
    out.set(head, size.length);
    out.set(new Uint8Array(this.bytes), size.length + head.length);
    out[out.length - 1] = Op.end;
    return out;
  }
}

/** A section: its id, its content's length and the content, as one byte array. */
function section(id: number, content: ArrayLike<number>): Uint8Array {
  const head = [id];
  uleb(head, content.length);
  const out = new Uint8Array(head.length + content.length);
  out.set(head, 0);
  out.set(content, head.length);
  return out;
}

/** The concatenation of byte arrays. */
function concat(parts: readonly ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Encodes a module that imports its memory as `env.memory` (so that typed-array views made by JS stay
 * valid) and exports every function by name.
 */
export function encodeModule(funcs: readonly FunctionBuilder[], memoryPages: number): Uint8Array<ArrayBuffer> {
  const sections: ArrayLike<number>[] = [[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]];
  const sigs: string[] = [];
  const typeIdx = funcs.map((f) => {
    const key = `${f.params.join(',')}>${f.results.join(',')}`;
    let i = sigs.indexOf(key);
    if (i < 0) i = sigs.push(key) - 1;
    return i;
  });
  const types: number[] = [];
  uleb(types, sigs.length);
  for (const key of sigs) {
    const [ps, rs] = key.split('>');
    const p = ps ? ps.split(',').map(Number) : [];
    const r = rs ? rs.split(',').map(Number) : [];
    types.push(0x60);
    uleb(types, p.length);
    types.push(...p);
    uleb(types, r.length);
    types.push(...r);
  }
  sections.push(section(1, types));
  const imports: number[] = [];
  uleb(imports, 1);
  for (const s of ['env', 'memory']) {
    uleb(imports, s.length);
    for (const c of s) imports.push(c.charCodeAt(0));
  }
  imports.push(0x02, 0x00);
  uleb(imports, memoryPages);
  sections.push(section(2, imports));
  const fsec: number[] = [];
  uleb(fsec, funcs.length);
  for (const t of typeIdx) uleb(fsec, t);
  sections.push(section(3, fsec));
  const exp: number[] = [];
  uleb(exp, funcs.length);
  funcs.forEach((f, i) => {
    uleb(exp, f.name.length);
    for (const c of f.name) exp.push(c.charCodeAt(0));
    exp.push(0x00);
    uleb(exp, i);
  });
  sections.push(section(7, exp));
  const count: number[] = [];
  uleb(count, funcs.length);
  sections.push(section(10, concat([count, ...funcs.map((f) => f.encode())])));
  return concat(sections);
}
