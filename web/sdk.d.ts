// Types for ./sdk.js: the SDK's public API, from its source.
export * from "../client/src/index.ts";
