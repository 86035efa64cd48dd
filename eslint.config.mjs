// ESLint 9 flat config: typescript-eslint recommended for all TS/JS in the repo.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "artifacts/**",
      "cache/**",
      "cache_forge/**",
      "typechain-types/**",
      "coverage/**",
      ".coverage_*/**",
      "out/**",
      "reports/**",
      "broadcast/**",
      "packages/sdk/dist/**",
      "packages/sdk/build/**",
      "packages/sdk/src/generated/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node, ...globals.mocha },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "warn",
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
      // chai assertions like `expect(x).to.be.true` are expressions
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
  {
    // CommonJS files (tools/solc-shim.cjs)
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
