import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'dist-*/', 'coverage/', 'node_modules/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly',
        clearTimeout: 'readonly', Buffer: 'readonly', AbortController: 'readonly', fetch: 'readonly',
        Request: 'readonly', Headers: 'readonly', Response: 'readonly', setImmediate: 'readonly',
      },
    },
    rules: {
      'no-var': 'error',
      'prefer-const': 'error',
      'no-nested-ternary': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // the build's minifier drops the name of a function expression that nothing inside it calls,
      // and with it the name a stack trace shows and `fn.name`: a named function is a declaration
      'func-names': ['error', 'never'],
    },
  },
)
