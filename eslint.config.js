// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', 'tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use `as const` objects, not enums.' }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Only the HTTP layer may import express, or the browser view (src/web/).
    files: ['src/**/*.ts'],
    ignores: ['src/http/**', 'src/app.ts', 'src/server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'express', message: 'express stays in src/http/.' }], patterns: [{ group: ['**/web/*'], message: 'The browser view (src/web/) is called by the HTTP layer only.' }] },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The browser view's script runs in the browser.
    files: ['src/web/static/*.js'],
    languageOptions: { globals: { document: 'readonly', location: 'readonly', fetch: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
);
