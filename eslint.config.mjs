// Linting as Nest projects set it up: typescript-eslint's recommended rules, Prettier for layout.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // What .gitignore lists (built output, the sample's build among it) is not ours to lint.
  {
    ignores: [
      'dist/**',
      'dist-check/**',
      'dist-sample/**',
      '.tmp/**',
      'bench/.lib/**',
      'bench/.lib-src/**',
      'bench/.lib.tmp/**',
      'bench/.profiles/**',
      'node_modules/**',
      'coverage/**',
      '**/*.d.ts',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Dynamic payloads (Dramatiq args, amqplib frames) are typed `any` on purpose in a few places.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // The library itself: a promise nobody awaits is a lost error (type-aware rule).
    files: ['lib/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    // CommonJS fixtures (a NestJS 11 app installed from the packed tarball).
    files: ['**/*.cjs', 'test/**/fixtures/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
