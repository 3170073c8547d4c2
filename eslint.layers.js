// @ts-check
// The layers of dojo (DESIGN.md "Layout": cli → providers → (infra | tracking | hpo); the runtime
// uses the tracking and HPO clients only) as eslint rules: for each group of files, the imports it
// must not make. Static imports are checked by no-restricted-imports, `import()` by
// no-restricted-syntax (no-restricted-imports does not see dynamic imports, which dojo uses for
// lazy loading). A file gets exactly one entry, because a later config object would replace an
// earlier one's options instead of adding to them.

/** Matches an import specifier that reaches into a folder named by one of the segments. */
const into = (...segments) => `(^|/)(${segments.join('|')})(/|$)`;

/** What a layer may be forbidden to import: a regex over the import specifier and why not. */
const T = {
  test: { regex: into('test'), why: 'only tests import from test/ (shared helpers go in testkit/)' },
  testkit: { regex: into('testkit'), why: 'testkit/ is for tests and benchmarks only' },
  bench: { regex: into('bench'), why: 'benchmarks are not a library' },
  cli: { regex: into('cli'), why: 'nothing below the CLI imports it (cli → providers → infra | tracking | hpo)' },
  providers: { regex: into('providers'), why: 'only the CLI drives providers' },
  providerImpl: { regex: `${into('providers')}(local|aws)(/|$)`, why: 'commands ask the Provider interface (and its optional capabilities), never a provider module' },
  local: { regex: into('local'), why: 'the AWS provider and the shared provider code do not know the local provider' },
  aws: { regex: into('aws'), why: 'the local provider and the shared provider code do not know the AWS provider' },
  infra: { regex: into('infra'), why: 'only the AWS provider (and the CDK app) use the infra' },
  runtime: { regex: into('runtime'), why: 'the runtime is the workers\' code; the library layers do not depend on it' },
  hpo: { regex: into('hpo'), why: 'this layer sits below lib/hpo' },
  tracking: { regex: into('tracking'), why: 'this layer sits below lib/tracking' },
  // The browser UI is a study's cockpit: it reads the HPO wire types and the report's pure
  // computations (the same importances and contour as the report), never the service or samplers.
  hpoBeyondPure: {
    regex: '(^|/)hpo/(?!(api|types|space|report/(contour-field|importance|states)|tracking/tags)$)',
    why: "the tracking UI uses only lib/hpo's wire types and the report's pure computations (api, types, space, report/{contour-field,importance,states}, tracking/tags)",
  },
  cdk: { regex: '^(aws-cdk-lib|constructs|cdk-nag|@aws-cdk/)', why: 'CDK belongs to lib/infra' },
  awsSdk: { regex: '^@aws-sdk/', why: 'this layer knows nothing of AWS' },
  // The runtime's window on lib/: errors, the seeded RNG, the job contract, the HPO client and
  // API types, and the client side of tracking (not its server, store, search or UI).
  libBeyondClients: {
    regex: '(^|/)lib/(?!(errors|random/sfc32|jobs/(env|kinds)|hpo/(client|api))$|tracking/(?!(server|store|search|ui)(/|$)))',
    why: 'the runtime uses only lib/errors, lib/random, lib/jobs (the job contract) and the client sides of tracking and HPO',
  },
  // Within the runtime the folders form layers too (data/wasm/collective at the bottom, then
  // optim/prep, then model, then everything that trains or predicts).
  aboveOptim: { regex: into('model', 'model-file', 'train', 'worker', 'predict', 'export'), why: 'optim/ and prep/ sit below model/ (no cycle model ↔ optim/prep)' },
  aboveData: { regex: into('model', 'model-file', 'optim', 'prep', 'train', 'worker', 'predict', 'export'), why: 'data/, wasm/ and collective/ sit at the bottom of the runtime' },
  aboveModel: { regex: into('train', 'worker', 'predict', 'export'), why: 'model/ sits below what trains and predicts with it' },
};

const outside = [T.test, T.testkit, T.bench];
const runtimeBase = [...outside, T.libBeyondClients, T.cdk, T.providers, T.infra, T.cli];

/** Each layer: its files (disjoint from every other layer's) and what it must not import. */
export const LAYERS = [
  { name: 'cli', files: ['lib/cli/**'], forbid: [...outside, T.providerImpl, T.infra] },
  { name: 'provider registry', files: ['lib/providers/registry.ts'], forbid: [...outside, T.cli, T.runtime] },
  { name: 'shared provider code', files: ['lib/providers/*.ts', 'lib/providers/jobs/**'], ignores: ['lib/providers/registry.ts'], forbid: [...outside, T.cli, T.runtime, T.local, T.aws, T.awsSdk, T.cdk] },
  { name: 'local provider', files: ['lib/providers/local/**'], forbid: [...outside, T.cli, T.runtime, T.aws, T.infra, T.awsSdk, T.cdk] },
  { name: 'aws provider', files: ['lib/providers/aws/**'], forbid: [...outside, T.cli, T.runtime, T.local] },
  { name: 'infra', files: ['lib/infra/**'], forbid: [...outside, T.cli, T.providers, T.runtime, T.hpo, T.tracking] },
  { name: 'hpo', files: ['lib/hpo/**'], forbid: [...outside, T.cli, T.providers, T.infra, T.runtime, T.awsSdk, T.cdk] },
  { name: 'tracking', files: ['lib/tracking/**'], ignores: ['lib/tracking/ui/**'], forbid: [...outside, T.cli, T.providers, T.infra, T.runtime, T.hpo, T.awsSdk, T.cdk] },
  { name: 'tracking UI (browser)', files: ['lib/tracking/ui/**'], forbid: [...outside, T.cli, T.providers, T.infra, T.runtime, T.hpoBeyondPure, T.awsSdk, T.cdk] },
  { name: 'leaf modules', files: ['lib/errors/**', 'lib/random/**', 'lib/jobs/**'], forbid: [...outside, T.cli, T.providers, T.infra, T.runtime, T.hpo, T.tracking, T.awsSdk, T.cdk] },
  { name: 'runtime bottom', files: ['runtime/src/data/**', 'runtime/src/wasm/**', 'runtime/src/collective/**'], forbid: [...runtimeBase, T.aboveData] },
  { name: 'runtime optim and prep', files: ['runtime/src/optim/**', 'runtime/src/prep/**'], forbid: [...runtimeBase, T.aboveOptim] },
  { name: 'runtime model', files: ['runtime/src/model/**'], forbid: [...runtimeBase, T.aboveModel] },
  {
    name: 'runtime',
    files: ['runtime/src/**'],
    ignores: ['runtime/src/data/**', 'runtime/src/wasm/**', 'runtime/src/collective/**', 'runtime/src/optim/**', 'runtime/src/prep/**', 'runtime/src/model/**'],
    forbid: runtimeBase,
  },
  { name: 'bin', files: ['bin/**'], forbid: outside },
  { name: 'bench', files: ['bench/**'], forbid: [T.test] },
  { name: 'testkit', files: ['testkit/**'], forbid: [T.test, T.bench] },
];

/** The eslint config objects that enforce LAYERS. */
export function layerConfigs() {
  return LAYERS.map((layer) => {
    const message = (t) => `${layer.name} must not import this: ${t.why}`;
    return {
      files: layer.files,
      ...(layer.ignores ? { ignores: layer.ignores } : {}),
      rules: {
        'no-restricted-imports': ['error', { patterns: layer.forbid.map((t) => ({ regex: t.regex, message: message(t) })) }],
        // The same for `import()`: esquery matches the specifier against the regex.
        'no-restricted-syntax': [
          'error',
          ...layer.forbid.map((t) => ({ selector: `ImportExpression[source.value=/${t.regex.replaceAll('/', '\\/')}/]`, message: message(t) })),
        ],
      },
    };
  });
}
