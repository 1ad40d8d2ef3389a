// The cryptography the push stand-ins (push-service.ts, fcm-service.ts) check with: what a
// browser does to read a Web Push message (RFC 8291 over RFC 8188 "aes128gcm"), what a push
// service does to check a VAPID JWT (RFC 8292, ES256), the RS256 JWT check behind Google's
// OAuth2 JWT bearer grant, and a self-signed TLS certificate (web-push only speaks HTTPS).
// Also the plumbing both stand-ins share: per-key behaviours, waits on arrivals, listening.
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createDecipheriv, createECDH, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, sign, verify, type ECDH, type KeyObject } from "node:crypto";

/** A refusal the stand-in answers with: HTTP status and the reason it gives. */
export class Refusal extends Error {
  readonly status: number;
  constructor(status: number, reason: string) {
    super(reason);
    this.status = status;
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** Strict base64url (no padding, no stray characters: Buffer.from would skip them silently). */
export function fromBase64url(s: string, what: string, status = 400): Buffer {
  if (!BASE64URL.test(s)) throw new Refusal(status, `${what} is not base64url`);
  return Buffer.from(s, "base64url");
}

// ---- RFC 8291 / RFC 8188: the user agent's side ----

/** What a browser keeps for one subscription: its P-256 key pair and the 16-byte auth secret. */
export interface UserAgentKeys {
  ecdh: ECDH;
  publicKey: Buffer; // 65 bytes, uncompressed point
  authSecret: Buffer; // 16 bytes
}

export function newUserAgentKeys(): UserAgentKeys {
  const ecdh = createECDH("prime256v1");
  const publicKey = ecdh.generateKeys();
  return { ecdh, publicKey, authSecret: randomBytes(16) };
}

const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number) => Buffer.from(hkdfSync("sha256", ikm, salt, info, length));

/**
 * Decrypts an "aes128gcm" Web Push body as a browser does, records of `rs` octets each, and
 * strips each record's padding delimiter (0x01, or 0x02 for the last one) and zero padding.
 * Throws a Refusal(400) saying what is wrong.
 */
export function decryptWebPush(body: Buffer, ua: UserAgentKeys): Buffer {
  if (body.length < 21) throw new Refusal(400, "aes128gcm body shorter than its header");
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  if (rs < 18) throw new Refusal(400, `aes128gcm record size ${rs} < 18`);
  if (idlen !== 65) throw new Refusal(400, `aes128gcm keyid is ${idlen} octets, RFC 8291 wants the 65-octet sender key`);
  const asPublic = body.subarray(21, 21 + idlen);
  if (asPublic.length !== 65 || asPublic[0] !== 0x04) throw new Refusal(400, "aes128gcm keyid is not an uncompressed P-256 point");
  let secret: Buffer;
  try {
    secret = ua.ecdh.computeSecret(asPublic);
  } catch {
    throw new Refusal(400, "sender public key is not on P-256");
  }
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), ua.publicKey, asPublic]);
  const ikm = hkdf(secret, ua.authSecret, keyInfo, 32);
  const cek = hkdf(ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16);
  const baseNonce = hkdf(ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12);
  const content = body.subarray(21 + idlen);
  if (content.length === 0) throw new Refusal(400, "aes128gcm body has no record");
  const out: Buffer[] = [];
  for (let seq = 0, start = 0; start < content.length; seq++, start += rs) {
    const record = content.subarray(start, start + rs);
    const last = start + rs >= content.length;
    if (record.length < 18) throw new Refusal(400, `record ${seq} too short (${record.length} octets)`);
    const nonce = Buffer.from(baseNonce);
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8); // NONCE XOR SEQ (96-bit, SEQ < 2^32)
    const gcm = createDecipheriv("aes-128-gcm", cek, nonce);
    gcm.setAuthTag(record.subarray(record.length - 16));
    let plain: Buffer;
    try {
      plain = Buffer.concat([gcm.update(record.subarray(0, record.length - 16)), gcm.final()]);
    } catch {
      throw new Refusal(400, `record ${seq} does not decrypt (bad key, auth secret or tampered body)`);
    }
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    const delimiter = plain[end];
    if (delimiter !== (last ? 2 : 1)) throw new Refusal(400, `record ${seq} padding delimiter is ${delimiter}, want ${last ? 2 : 1}`);
    out.push(plain.subarray(0, end));
  }
  return Buffer.concat(out);
}

// ---- JWTs ----

export interface Jwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

export function parseJwt(jwt: string, status: number): Jwt {
  const parts = jwt.split(".");
  if (parts.length !== 3) throw new Refusal(status, "JWT is not three dot-separated parts");
  const [h, p, s] = parts as [string, string, string];
  const json = (part: string, what: string) => {
    try {
      const v: unknown = JSON.parse(fromBase64url(part, `JWT ${what}`, status).toString("utf8"));
      if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch (e) {
      if (e instanceof Refusal) throw e;
    }
    throw new Refusal(status, `JWT ${what} is not a JSON object`);
  };
  return { header: json(h, "header"), claims: json(p, "payload"), signingInput: Buffer.from(`${h}.${p}`), signature: fromBase64url(s, "JWT signature", status) };
}

/** A P-256 public key from its 65-octet uncompressed point, as a VAPID `k=` or p256dh gives it. */
export function p256PublicKey(raw: Buffer): KeyObject {
  if (raw.length !== 65 || raw[0] !== 0x04) throw new Error("not a 65-octet uncompressed P-256 point");
  return createPublicKey({ format: "jwk", key: { kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33).toString("base64url") } });
}

/** ES256 (JWS): the signature is r||s, 64 octets, not DER. */
export function verifyEs256(jwt: Jwt, key: KeyObject): boolean {
  return jwt.signature.length === 64 && verify("sha256", jwt.signingInput, { key, dsaEncoding: "ieee-p1363" }, jwt.signature);
}

export function verifyRs256(jwt: Jwt, key: KeyObject): boolean {
  return verify("sha256", jwt.signingInput, key, jwt.signature);
}

// ---- a self-signed certificate for 127.0.0.1, DER by hand (node has no X.509 writer) ----

const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const oid = (dotted: string) => {
  const [a, b, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
};
const utcTime = (d: Date) => tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z"));
const pem = (label: string, der: Buffer) => `-----BEGIN ${label}-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").trimEnd()}\n-----END ${label}-----\n`;

/** A P-256 key and a self-signed certificate (CA:TRUE, SAN 127.0.0.1 and localhost), PEM. */
export function selfSignedCertificate(commonName: string): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ecdsaSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const name = seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(commonName)))));
  const serial = randomBytes(16);
  // A DER INTEGER is positive (top bit clear) and minimal (no leading zero byte): OpenSSL
  // refuses a certificate whose serial starts with 0x00 ("illegal padding").
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const san = seq(tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x82, Buffer.from("localhost")));
  const basicConstraints = seq(tlv(0x01, Buffer.from([0xff])));
  const extensions = tlv(0xa3, seq(seq(oid("2.5.29.17"), tlv(0x04, san)), seq(oid("2.5.29.19"), tlv(0x01, Buffer.from([0xff])), tlv(0x04, basicConstraints))));
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    ecdsaSha256,
    name,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    extensions,
  );
  const signature = sign("sha256", tbs, privateKey);
  const cert = seq(tbs, ecdsaSha256, tlv(0x03, Buffer.from([0]), signature));
  return { key: privateKey.export({ type: "pkcs8", format: "pem" }) as string, cert: pem("CERTIFICATE", cert) };
}

// ---- shared plumbing ----

/** Per-key behaviours ("*" for all), each for `times` requests or until replaced. */
export class Behaviours<B extends { times?: number }> {
  private readonly table = new Map<string, { b: B; left: number }>();
  set(key: string, b: B | null): void {
    if (b) this.table.set(key, { b, left: b.times ?? Infinity });
    else this.table.delete(key);
  }
  /** The behaviour for this request, if any, counting it against `times`. */
  take(key: string): B | undefined {
    const k = this.table.has(key) ? key : "*";
    const entry = this.table.get(k);
    if (!entry) return undefined;
    if (--entry.left <= 0) this.table.delete(k);
    return entry.b;
  }
  clear(): void {
    this.table.clear();
  }
}

/** A growing list that can be waited on ("n items arrived"), without polling. */
export class Arrivals<T> {
  readonly items: T[] = [];
  private waiters: { n: number; resolve: (v: T[]) => void }[] = [];
  push(item: T): void {
    this.items.push(item);
    const ready = this.waiters.filter((w) => this.items.length >= w.n);
    this.waiters = this.waiters.filter((w) => this.items.length < w.n);
    for (const w of ready) w.resolve(this.items.slice());
  }
  wait(n: number, timeoutMs: number, explain: () => string): Promise<T[]> {
    if (this.items.length >= n) return Promise.resolve(this.items.slice());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${n}, got ${this.items.length}; ${explain()}`));
      }, timeoutMs).unref(); // the server keeps the process alive while it runs
      const waiter = { n, resolve: (v: T[]) => (clearTimeout(timer), resolve(v)) };
      this.waiters.push(waiter);
    });
  }
  clear(): void {
    this.items.length = 0;
  }
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Listens on 127.0.0.1:0; the returned stop() also ends keep-alive and hanging requests. */
export async function listen(server: Server): Promise<{ port: number; stop: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
