// The training step of bench/train/train.ts written with TensorFlow.js (wasm SIMD and cpu backends), next to
// ours, to decide whether the runtime should use tfjs (issue 3). float32 only: tfjs has no float64.
// Usage: npx tsx bench/train/tfjs.ts [--backends wasm,cpu] [--seconds S] [--repeat N] [--only SUBSTR]
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createModel, parseHParams, WEIGHT_DECAY, CLIP_NORM, type Model } from '../../runtime/src/model';
import { trainStep } from '../../runtime/src/train/step';
import { CONFIGS, arg, bestRate, makeBatches } from './common';

const require = createRequire(import.meta.url);
// tfjs-core's entry point registers no gradients (the @tensorflow/tfjs union package does); the registry is
// global, so loading this file through require fills the one the engine reads.
require('@tensorflow/tfjs-core/dist/register_all_gradients');

const LR = 0.001;
const EPS = 1e-5;
const MOMENTUM = 0.1;

const defined = <T>(v: T | undefined): v is T => v !== undefined;

/** One Linear (with the BatchNorm1d before it) as tfjs variables. */
interface TfLayer {
  gamma?: tf.Variable<tf.Rank.R1>;
  beta?: tf.Variable<tf.Rank.R1>;
  runMean?: tf.Variable<tf.Rank.R1>;
  runVar?: tf.Variable<tf.Rank.R1>;
  /** `[in, out]`: the transpose of PyTorch's weight, so the forward is x·W. */
  w: tf.Variable<tf.Rank.R2>;
  b: tf.Variable<tf.Rank.R1>;
  relu: boolean;
}

/** The tfjs copy of `model`, starting from the same initial parameters. */
function tfLayers(model: Model): TfLayer[] {
  const p = model.params;
  return model.layout.linears.map((s) => {
    const wt = new Float32Array(s.in * s.out);
    for (let o = 0; o < s.out; o++) for (let i = 0; i < s.in; i++) wt[i * s.out + o] = p[s.weight + o * s.in + i];
    const layer: TfLayer = {
      w: tf.variable(tf.tensor2d(wt, [s.in, s.out])),
      b: tf.variable(tf.tensor1d(p.slice(s.bias, s.bias + s.out) as Float32Array)),
      relu: s.relu,
    };
    if (s.gamma >= 0) {
      layer.gamma = tf.variable(tf.tensor1d(p.slice(s.gamma, s.gamma + s.in) as Float32Array));
      layer.beta = tf.variable(tf.tensor1d(p.slice(s.beta, s.beta + s.in) as Float32Array));
      layer.runMean = tf.variable(tf.zeros([s.in]), false);
      layer.runVar = tf.variable(tf.ones([s.in]), false);
    }
    return layer;
  });
}

/** A training step as trainStep does it: forward (BN in train mode) + backward + clip 0.5 + AdamW; returns [mse, grad norm]. */
function tfStepper(layers: TfLayer[]): (x: tf.Tensor2D, y: tf.Tensor2D) => [number, number] {
  const opt = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  const trainable: tf.Variable[] = layers.flatMap((l) => [l.gamma, l.beta, l.w, l.b].filter(defined));
  return (x, y) => {
    const moments: { mean: tf.Tensor1D; variance: tf.Tensor1D }[] = [];
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        let h: tf.Tensor2D = x;
        for (const l of layers) {
          if (l.gamma && l.beta) {
            const m = tf.moments(h, 0) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
            moments.push({ mean: tf.keep(m.mean), variance: tf.keep(m.variance) });
            h = tf.batchNorm2d(h, m.mean, m.variance, l.beta, l.gamma, EPS);
          }
          h = tf.add(tf.matMul(h, l.w), l.b);
          if (l.relu) h = tf.relu(h);
        }
        return tf.mean(tf.squaredDifference(h, y));
      }, trainable);
      // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is < 1.
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[k])))));
      const normV = norm.dataSync()[0];
      const coef = Math.min(1, CLIP_NORM / (normV + 1e-6));
      const clipped = names.map((name) => ({ name, tensor: coef < 1 ? tf.mul(grads[name], coef) : grads[name] }));
      // AdamW's decoupled decay p ← p·(1 − lr·wd) before the Adam update, as torch.optim.AdamW.
      for (const v of trainable) v.assign(tf.mul(v, 1 - LR * WEIGHT_DECAY));
      opt.applyGradients(clipped);
      const n = x.shape[0];
      moments.forEach((m, i) => {
        const l = layers.filter((q) => q.runMean)[i];
        l.runMean?.assign(tf.add(tf.mul(l.runMean, 1 - MOMENTUM), tf.mul(m.mean, MOMENTUM)));
        l.runVar?.assign(tf.add(tf.mul(l.runVar, 1 - MOMENTUM), tf.mul(m.variance, (MOMENTUM * n) / (n - 1))));
      });
      return [value.dataSync()[0], normV] as [number, number];
    });
    for (const m of moments) tf.dispose([m.mean, m.variance]);
    return out;
  };
}

const backends = arg('--backends', 'wasm,cpu').split(',');
const seconds = Number(arg('--seconds', '0.5'));
const repeat = Number(arg('--repeat', '6'));
const only = arg('--only', '');
if (backends.includes('wasm')) {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  console.log(`tfjs ${tf.version_core} wasm: SIMD ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')}, threads off`);
}
console.log(`float32, window=${seconds}s best of ${repeat}, node ${process.version}; first-step loss and grad norm of tfjs vs ours as a check that both compute the same step`);
console.log(`| hidden layers | batch | dojo krows/s | ${backends.map((b) => `tfjs-${b} krows/s | dojo/tfjs-${b}`).join(' | ')} | PyTorch krows/s | step-1 loss dojo / tfjs | grad norm dojo / tfjs |`);
console.log(`|---|---|---|${backends.map(() => '---|---|').join('')}---|---|---|`);
for (const c of CONFIGS) {
  const label = `${JSON.stringify(c.hidden)}${c.bn ? ' + BN' : ' no BN'}`;
  if (only && !`${label} ${c.batch}`.includes(only)) continue;
  const hp = parseHParams({ num_hidden_neurons: c.hidden, batch_norm_linear_layers: c.bn, batch_size: c.batch, lr: LR });
  const batches = makeBatches(c.batch, 4, 'float32');
  const cells: string[] = [];
  let check = ['', ''];
  // Each tfjs model starts from a fresh dojo model's initial parameters; the dojo model then takes the same first step.
  for (const b of backends) {
    await tf.setBackend(b);
    const ours = createModel(hp, 'float32');
    const layers = tfLayers(ours);
    const xs = batches.map((q) => tf.tensor2d(q.x as Float32Array, [c.batch, 8]));
    const ys = batches.map((q) => tf.tensor2d(q.y as Float32Array, [c.batch, 1]));
    const step = tfStepper(layers);
    const [loss, norm] = step(xs[0], ys[0]);
    const r = await trainStep(ours, batches[0]);
    check = [`${(r.sse / c.batch).toPrecision(6)} / ${loss.toPrecision(6)}`, `${r.gradNorm.toPrecision(6)} / ${norm.toPrecision(6)}`];
    const rate = (await bestRate((i) => step(xs[i % 4], ys[i % 4]), c.batch, seconds, repeat)).wall;
    cells.push(`${(rate / 1000).toFixed(0)}`);
    tf.dispose([...xs, ...ys]);
    for (const l of layers) tf.dispose([l.w, l.b, l.gamma, l.beta, l.runMean, l.runVar].filter(defined));
  }
  const ours = createModel(hp, 'float32');
  const mine = (await bestRate((i) => trainStep(ours, batches[i % 4]), c.batch, seconds, repeat)).wall;
  const k = mine / 1000;
  const tfCells = cells.map((t) => `${t} | ${(k / Number(t)).toFixed(1)}×`).join(' | ');
  console.log(`| ${label} | ${c.batch} | ${k.toFixed(0)} | ${tfCells} | ${c.torch.float32} | ${check[0]} | ${check[1]} |`);
}
