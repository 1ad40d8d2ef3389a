// Types for ./socket.io.js: the same API as the socket.io-client package.
export * from "socket.io-client";
