// The official Socket.IO browser client, served by the Socket.IO server itself (so its
// version always matches the server's). This file only gives it a relative module path,
// which the type checker maps to socket.io-client's types (socket.io.d.ts beside it).
// @ts-expect-error -- a URL path, not a package: tsc cannot resolve it, browsers can.
export * from "/socket.io/socket.io.esm.min.js";
