// `npm run size:client`: what the SDK costs an app, minified and gzipped, bundled by
// esbuild for browsers: with socket.io-client left to the app (external) and included.
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const entry = join(dirname(fileURLToPath(import.meta.url)), "../src/index.ts");

async function measure(external: string[]) {
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022", write: false, external, logLevel: "error" });
  const code = out.outputFiles[0]!.contents;
  return { min: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
for (const [label, external] of [["SDK alone (socket.io-client external)", ["socket.io-client"]], ["SDK with socket.io-client bundled", []]] as const) {
  const s = await measure([...external]);
  console.log(`${label}: ${kb(s.min)} minified, ${kb(s.gzip)} gzipped (${s.min} / ${s.gzip} bytes)`);
}
