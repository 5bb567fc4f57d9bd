// @ts-check
import path from 'node:path';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * Folder boundaries of house-style 4.3, as allow-lists: each part of src/ names the parts (folders, or single
 * files without extension) it may import besides itself; anything else in src/ is an error, and so is a file in a
 * folder that has no entry here, so every new folder starts bounded. Test files and contract fixtures
 * (`*.test.ts`, `*.fixture.ts`) may also import test/ helpers and the in-process implementations they run against.
 */
const DECIDING = ['model', 'contract', 'datasources/metrics-source', 'goals', 'lib', 'errors'];
const OBSERVABLE = ['errors', 'lib', 'observability'];
const BOUNDARIES = {
  contract: { allow: [], node: false },
  lib: { allow: ['contract'] },
  model: { allow: ['contract'] },
  config: { allow: [] },
  // The logger knows a modelled failure (StewardError) from a bug, and whether the terminal takes colour.
  observability: { allow: ['errors', 'lib'] },
  errors: { allow: ['contract'] },
  'service-ports': { allow: ['contract'] },
  main: { allow: ['cli'] },
  compose: { allow: ['*'] },
  // Checks before anything is created; only `cli/serve` runs them.
  preflight: { allow: ['config'] },
  goals: { allow: DECIDING },
  scoring: { allow: DECIDING },
  strategies: { allow: [...DECIDING, 'scoring'] },
  planners: { allow: [...DECIDING, 'strategies/solution-builder'] },
  datasources: { allow: [...OBSERVABLE, 'contract', 'model'] },
  store: { allow: ['contract', 'errors', 'lib'] },
  bus: { allow: OBSERVABLE },
  cloud: { allow: [...OBSERVABLE, 'contract'] },
  simulator: {
    allow: [
      ...OBSERVABLE,
      'contract',
      'bus/bus',
      'bus/oslo-envelope',
      'cloud/ports',
      'datasources/queries',
      // The simulated cloud builds from the shared scenario files; it reads the format, not Steward's model.
      'scenarios/scenario-file',
    ],
  },
  // Recorded and generated clusters for tests and benchmarks: the scenario format, its model and metrics, lower
  // bounds, and the replay of a plan with the same Nova rules and action effects the solution builder uses.
  scenarios: {
    allow: [
      ...OBSERVABLE,
      'contract',
      'model',
      'datasources/metrics-source',
      'datasources/constant',
      'strategies/action-effects',
      'strategies/nova-rules',
      'strategies/plan-validator',
    ],
  },
  collectors: {
    allow: [
      ...OBSERVABLE,
      'contract',
      'model',
      'cloud/ports',
      'bus/bus',
      'bus/oslo-envelope',
      'service-ports',
    ],
  },
  'applier/actions': { allow: ['contract', 'cloud/ports', 'model', 'lib', 'errors', 'applier/action-type'] },
  applier: {
    allow: [
      ...OBSERVABLE,
      'contract',
      'model',
      'cloud/ports',
      'bus/bus',
      'store/store',
      'store/records',
      'service-ports',
    ],
  },
  'decision-engine': {
    allow: [
      ...OBSERVABLE,
      'contract',
      'model',
      'goals',
      'strategies',
      'planners',
      'scoring',
      'datasources/metrics-source',
      'datasources/index',
      'bus/bus',
      'store/store',
      'store/records',
      'service-ports',
      'applier/actions/index',
      'applier/plan-states',
      'applier/action-states',
    ],
  },
  // Utilisation dashboards: fixed panels over the metrics port and the compute model; no cloud, store or bus.
  // Its tests run the real Prometheus datasource on a scripted fetch, to see the PromQL tenancy injects.
  dashboards: {
    allow: ['errors', 'lib', 'contract', 'model', 'datasources/metrics-source'],
    testAllow: ['datasources/prometheus'],
  },
  api: {
    allow: [
      ...OBSERVABLE,
      'contract',
      'dashboards/index',
      'store/store',
      'store/records',
      'store/listing',
      'service-ports',
      'decision-engine/audit-states',
      'decision-engine/schedule',
      'applier/plan-states',
      'applier/action-states',
    ],
  },
  'cli/serve': { allow: ['*'] },
  'cli/serve-run': { allow: ['*'] },
  'cli/simulator': { allow: ['*'] },
  'cli/simulator-run': { allow: ['*'] },
  // Talks to Keystone, not to Steward: the Keystone client and its catalog registration.
  'cli/keystone': { allow: ['cloud/http', 'cloud/keystone', 'cloud/keystone-catalog', 'errors'] },
  cli: { allow: ['contract', 'errors', 'lib', 'observability/logger'] },
};
const TEST_ALLOW = ['bus/in-process-bus', 'lib', 'observability', 'planners', 'config'];

const stripExtension = (file) => file.replace(/\.(js|ts|mjs|cjs)$/, '');
const within = (target, entry) => target === entry || target.startsWith(`${entry}/`);
const boundaryOf = (file) =>
  Object.keys(BOUNDARIES)
    .filter((part) => within(file, part))
    .sort((a, b) => b.length - a.length)[0];

/** @type {import('eslint').Rule.RuleModule} */
const allowedImports = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const src = path.join(import.meta.dirname, 'src');
    const relativeFile = path.relative(src, context.filename);
    if (relativeFile.startsWith('..')) return {};
    const file = stripExtension(relativeFile.split(path.sep).join('/'));
    const isTest = /\.(test|fixture)$/.test(file);
    const part = boundaryOf(file.replace(/\.(test|fixture)$/, ''));
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      if (part === undefined) {
        context.report({
          node,
          message: `src/${path.dirname(file)}/ has no boundary: add its part and what it may import to BOUNDARIES in eslint.config.js`,
        });
        return;
      }
      const rule = BOUNDARIES[part];
      if (specifier.startsWith('node:')) {
        if (rule.node === false)
          context.report({ node, message: `${part}/ is isomorphic: no node: modules (house-style 4.3)` });
        return;
      }
      if (!specifier.startsWith('.')) return;
      const resolved = path.relative(src, path.resolve(path.dirname(context.filename), specifier));
      if (resolved.startsWith('..')) {
        if (!isTest) context.report({ node, message: `src/ imports ${specifier}, which is outside src/` });
        return;
      }
      const target = stripExtension(resolved.split(path.sep).join('/'));
      const allowed = [part, ...rule.allow, ...(isTest ? [...TEST_ALLOW, ...(rule.testAllow ?? [])] : [])];
      if (allowed.includes('*') || allowed.some((entry) => within(target, entry))) return;
      context.report({
        node,
        message: `${part} may import only ${allowed.join(', ')} (house-style 4.3), not ${target}; widen BOUNDARIES in eslint.config.js only with a reason`,
      });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'data/**',
      '.scratch/**',
      '.bench/**',
      'node_modules/**',
      'web/dist/**',
      'coverage/**',
      'bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  { files: ['src/**/*.ts'], rules: { 'no-console': 'error' } },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['src/**/*.ts'],
    plugins: { steward: { rules: { 'allowed-imports': allowedImports } } },
    rules: { 'steward/allowed-imports': 'error' },
  },
  // The dashboard speaks HTTP like any client: it reaches Steward's code only through the contract (house-style 4.3).
  {
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+src/', message: 'web/ imports Steward only as @steward/contract/*.' },
            {
              regex: '^@steward/contract/(?!(client|resources|states|efficacy|error-body|actions)\\.js$)',
              message: 'Only the contract modules are shared with web/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/strategies/kernels/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
