// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Folder boundaries of house-style 4.3: each entry forbids imports that would cross an architectural seam. */
const forbid = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'data/**',
      '.scratch/**',
      '.bench/**',
      'node_modules/**',
      'web/**',
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
    files: ['src/model/**', 'src/lib/**'],
    rules: forbid(
      [
        '**/store/**',
        '**/api/**',
        '**/cloud/**',
        '**/bus/**',
        '**/applier/**',
        '**/strategies/**',
        '**/simulator/**',
        '**/collectors/**',
        '**/decision-engine/**',
        '**/compose*',
      ],
      'model/ and lib/ stand alone: they import nothing else from src/ but contract/',
    ),
  },
  {
    files: ['src/contract/**'],
    rules: forbid(
      [
        'node:*',
        '**/store/**',
        '**/api/**',
        '**/cloud/**',
        '**/bus/**',
        '**/applier/**',
        '**/strategies/**',
        '**/model/**',
        '**/lib/**',
        '**/simulator/**',
        '**/compose*',
      ],
      'contract/ is isomorphic (also used by web/): no node: modules and nothing else from src/',
    ),
  },
  {
    files: ['src/strategies/**', 'src/planners/**', 'src/goals/**'],
    rules: forbid(
      [
        '**/store/**',
        '**/cloud/**',
        '**/bus/**',
        '**/applier/**',
        '**/api/**',
        '**/simulator/**',
        '**/collectors/**',
        '**/compose*',
        '**/datasources/prometheus*',
        '**/datasources/simulated*',
      ],
      'strategies decide, the applier acts: strategies get only model/, contract/, datasources/metrics-source, goals/, lib/ and errors',
    ),
  },
  {
    files: ['src/applier/actions/**'],
    rules: forbid(
      [
        '**/store/**',
        '**/api/**',
        '**/bus/**',
        '**/strategies/**',
        '**/simulator/**',
        '**/cloud/nova*',
        '**/cloud/placement*',
        '**/cloud/cinder*',
        '**/cloud/keystone*',
        '**/compose*',
      ],
      'actions reach the cloud only through cloud/ports.ts in their context',
    ),
  },
  {
    files: ['src/api/**'],
    rules: forbid(
      ['**/simulator/**', '**/compose*', '**/cloud/nova*', '**/cloud/placement*'],
      'the API reads registries and the store; it never constructs cloud parts',
    ),
  },
  {
    files: ['src/cli/**'],
    ignores: ['src/cli/serve.ts', 'src/cli/simulator.ts'],
    rules: forbid(
      [
        '**/store/**',
        '**/api/**',
        '**/applier/**',
        '**/strategies/**',
        '**/decision-engine/**',
        '**/simulator/**',
        '**/compose*',
      ],
      'resource commands speak HTTP through contract/; only cli/serve.ts composes the service',
    ),
  },
  {
    files: ['src/strategies/kernels/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
