// The client SDK (client/src), served by the server at /sdk/ as JavaScript (Node's type
// stripping, src/http/client-sdk.ts). This file only gives it a relative module path, which
// the type checker maps to the SDK's own types (sdk.d.ts beside it).
// @ts-expect-error -- a URL path, not a package: tsc cannot resolve it, browsers can.
export * from "/sdk/index.ts";
