// A minimal ustar writer (no tar library is installed): regular files only, each written as
// a 512-byte header, its bytes, and zero padding to a block; two zero blocks end the archive.
// Every write waits for the destination to drain (backpressure), and fails if it closes.
import { once } from "node:events";
import type { Writable } from "node:stream";

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

/** The 512-byte ustar header of a regular file. Names are ASCII paths the server makes, at most 255 bytes (prefix + name). */
export function tarHeader(name: string, size: number, mtime: Date): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = "";
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: name too long: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, "utf8");
  h.write(octal(0o644, 8), 100, 8, "ascii");
  h.write(octal(0, 8), 108, 8, "ascii");
  h.write(octal(0, 8), 116, 8, "ascii");
  h.write(octal(size, 12), 124, 12, "ascii");
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 12, "ascii");
  h.write("        ", 148, 8, "ascii"); // the checksum counts itself as spaces
  h.write("0", 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148, 8, "ascii");
  return h;
}

export class TarWriter {
  bytes = 0;
  private readonly out: Writable;
  constructor(out: Writable) {
    this.out = out;
  }

  /** Writes, waiting for the destination to drain; rejects when it closed (the client went away). */
  async write(chunk: Buffer): Promise<void> {
    if (this.out.destroyed || this.out.writableEnded) throw new Error("the archive's destination closed");
    this.bytes += chunk.length;
    if (this.out.write(chunk)) return;
    const ac = new AbortController();
    try {
      await Promise.race([
        once(this.out, "drain", { signal: ac.signal }),
        once(this.out, "close", { signal: ac.signal }).then(() => {
          throw new Error("the archive's destination closed");
        }),
      ]);
    } finally {
      ac.abort();
    }
  }

  /** One file of `size` bytes from `body`, which must yield exactly that many. */
  async file(name: string, size: number, mtime: Date, body: AsyncIterable<Buffer> | Buffer): Promise<void> {
    await this.write(tarHeader(name, size, mtime));
    let written = 0;
    if (Buffer.isBuffer(body)) {
      await this.write(body);
      written = body.length;
    } else {
      for await (const chunk of body) {
        await this.write(chunk);
        written += chunk.length;
      }
    }
    if (written !== size) throw new Error(`tar: ${name} changed while archived (${written} bytes, header said ${size})`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await this.write(Buffer.alloc(pad));
  }

  async end(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
  }
}
