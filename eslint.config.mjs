// ESLint for the canvas JavaScript (components/canvas/*.js, *.jsx). `make lint-js`
// installs the packages pinned in tools/eslint/ (package.json and its lock file) into
// .tools/eslint with `npm ci`, then runs, from the project root:
//   .tools/eslint/node_modules/.bin/eslint --max-warnings 0 components eslint.config.mjs
//
// The files are ES modules with JSX that Reflex links into its frontend
// (.web/public/external/...) and bundles with Vite for the browser, with React 19
// (Reflex 0.9.3 pins 19.2): "react", "@xyflow/react" and "lucide-react" resolve in
// .web/node_modules, so imports are not resolved here. Nothing is injected as a
// global: each file imports React itself.
import { createRequire } from "node:module";

// The plugins live in .tools/eslint (installed there, out of the source tree).
const require = createRequire(new URL("./.tools/eslint/", import.meta.url));
const js = require("@eslint/js");
const react = require("eslint-plugin-react");
const reactHooks = require("eslint-plugin-react-hooks");
const globals = require("globals");

export default [
  {
    // Generated, installed or copied code, never ours to lint.
    ignores: [".web/", ".venv/", ".tools/", ".data/", "assets/external/", "**/node_modules/"],
  },
  {
    files: ["eslint.config.mjs"],
    languageOptions: { globals: { ...globals.node } },
  },
  { settings: { react: { version: "19.2" } } },
  js.configs.recommended,
  react.configs.flat.recommended,
  reactHooks.configs.flat.recommended,
  {
    files: ["components/**/*.{js,jsx}"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      parserOptions: { ecmaFeatures: { jsx: true } },
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // The two classic hooks rules, as errors (the preset has exhaustive-deps as
      // a warning); the preset's React Compiler rules (refs, immutability, purity...)
      // stay on as errors too, except the one below.
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      // The components mirror what Reflex pushes (a graph, a patch, a comparison, a
      // field's value), each guarded by its revision or key, into state that is then
      // edited locally, so an effect that sets state is the design here, not
      // something to derive during render.
      "react-hooks/set-state-in-effect": "off",
      // React 19 ignores propTypes; the props are typed on the Python side
      // (components/canvas/__init__.py).
      "react/prop-types": "off",
    },
  },
];
