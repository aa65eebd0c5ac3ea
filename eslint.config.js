// The linter for the pages' JavaScript (roleplay/web/static/, not vendor/) and its unit
// tests (tests/js/): ESLint's recommended rules; run by scripts/test.sh.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["roleplay/web/static/vendor/**", "node_modules/**", ".venv/**", "test-artifacts/**"] },
  js.configs.recommended,
  {
    files: ["roleplay/web/static/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
    rules: { "no-unused-vars": ["error", { caughtErrors: "none" }] },
  },
  {
    // standalone pages' scripts, loaded as classic scripts (each an IIFE)
    files: ["roleplay/web/static/join.js", "roleplay/web/static/present.js", "roleplay/web/static/results.js"],
    languageOptions: { sourceType: "script" },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
  {
    files: ["tests/js/**/*.cjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: { ...globals.node } },
  },
];
