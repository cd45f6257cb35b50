// ESLint: JavaScript's recommended rules and typescript-eslint's recommended type-checked rules over
// everything carelog ships, tests and benchmarks. `npm run lint` runs it (scripts/lint.mjs).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['src/generated/**', 'dist/**', 'node_modules/**', 'data/**', 'demo-out/**', 'appPackage/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // A leading underscore marks a binding kept on purpose: a rest sibling that drops a field
      // (`const { notes: _notes, ...safe } = row`), or an argument an interface requires.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Test doubles implement carelog's async interfaces (stores, messengers, queues) with bodies
    // that have nothing to wait for; vitest types its asymmetric matchers (`expect.stringMatching`,
    // `expect.any`) as `any`, which every `toMatchObject({ … })` would otherwise trip.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off', '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  // Plain JavaScript (scripts, tool configs) is not in a tsconfig: the untyped rules only.
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
);
