// The linter of `npm run lint` (and so of npm test): ESLint's recommended rules and typescript-eslint's, over
// lib/, test/, scripts/ and examples/. Formatting is Prettier's (.prettierrc.json), not the linter's.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'prebuilds/', 'node_modules/', 'test/.build/', '.package/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // An argument or binding kept for its name (a destructured rest, an unused callback parameter) starts with _.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests load the CommonJS fixtures and the JSON the scripts share, and test what require() gives a consumer.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Deno's global, in the one fixture that runs under Deno as well.
    files: ['test/fixtures/runtime-check.mjs'],
    languageOptions: { globals: { Deno: 'readonly' } },
  },
  {
    // CommonJS: the package is compiled to it, and the fixtures and examples are written in it.
    files: ['**/*.cjs', 'examples/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
)
