// Lint the TypeScript sources with the recommended rules; the type checker does the rest.
// The architecture rule (docs/ARCHITECTURE.md): src/ never imports handlers/ (the transport
// depends on the domain; main.ts alone composes them). Import cycles, type-only ones
// included, are refused by `npm run check:cycles` (dpdm), which eslint's rules cannot see.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", ".cache/", "public/vendor/", "web/dist/", "client/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/handlers/**", "**/handlers"], message: "src/ never imports handlers/: the transport depends on the domain; main.ts composes them." }] },
      ],
    },
  },
  // Tests read JSON bodies whose shape they assert; typing every response would only restate the asserts.
  { files: ["test/**/*.ts", "bench/**/*.ts"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
  // The browser client is type-checked by tsc (checkJs), which knows the DOM globals.
  { files: ["web/**/*.js"], rules: { "no-undef": "off" } },
);
