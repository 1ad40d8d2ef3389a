// SSRF guard for Web Push: the endpoint is a URL a client chose and the server POSTs to, so
// it must never reach the server's own network. Two layers:
//  - at registration, the URL's shape (push.schemas.ts): https, a DNS name, no port but 443,
//    no credentials, RFC 3986 characters, bounded length;
//  - at send time, every address the name resolves to, checked inside the connection's own
//    DNS lookup (`guardedLookup`, given to the https.Agent), so a name that resolves to a
//    public address when registered and to 127.0.0.1 when sent (DNS rebinding) is still
//    refused: the connection is made to exactly the addresses that were checked.
// PUSH_ALLOW_PRIVATE_ENDPOINTS (tests only) lifts both, and also allows http: on loopback.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { BlockList, isIP } from "node:net";

const blocked = new BlockList();
// IPv4: "this network", private, carrier-grade NAT, loopback, link-local, IETF protocol
// assignments, documentation (TEST-NET-1..3), benchmarking, multicast, reserved, broadcast.
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) blocked.addSubnet(net, prefix, "ipv4");
// IPv6: unspecified, loopback, discard-only, documentation, unique-local, link-local,
// site-local (deprecated), multicast. IPv4-mapped and NAT64 addresses are unwrapped below.
for (const [net, prefix] of [
  ["::", 128], ["::1", 128], ["100::", 64], ["2001:db8::", 32], ["fc00::", 7], ["fe80::", 10], ["fec0::", 10], ["ff00::", 8],
] as const) blocked.addSubnet(net, prefix, "ipv6");

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4(v6: string): string | null {
  const m = /^(?:::ffff:(?:0:)?|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(v6);
  if (m) return m[1]!;
  const hex = /^(?:::ffff:(?:0:)?|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(v6);
  if (!hex) return null;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
}

/** True for an address a push must never go to: private, loopback, link-local, multicast, reserved. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    const v6 = address.replace(/^\[|\]$/g, "").split("%")[0]!;
    const v4 = embeddedIpv4(v6);
    if (v4) return blocked.check(v4, "ipv4");
    return blocked.check(v6, "ipv6");
  }
  return true; // not an address at all
}

export const isLoopbackAddress = (address: string) => /^127\./.test(address) || address === "::1" || /^::ffff:127\./i.test(address);

export class ForbiddenEndpointError extends Error {
  override name = "ForbiddenEndpointError";
}

export interface EndpointPolicy {
  /** Tests only: private and loopback addresses, and http: on loopback. */
  allowPrivate: boolean;
}

/**
 * Checks an endpoint URL right before a send (registration checked its shape already; the
 * setting may have changed since, and an IP literal never goes through the DNS lookup).
 * Returns the parsed URL; throws ForbiddenEndpointError.
 */
export function checkEndpointUrl(raw: string, policy: EndpointPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ForbiddenEndpointError("not a valid URL");
  }
  if (url.username || url.password) throw new ForbiddenEndpointError("credentials in the URL");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const literal = isIP(host) !== 0;
  if (url.protocol === "http:") {
    if (!(policy.allowPrivate && (host === "localhost" || (literal && isLoopbackAddress(host))))) throw new ForbiddenEndpointError("http: is refused (https only)");
  } else if (url.protocol !== "https:") {
    throw new ForbiddenEndpointError(`${url.protocol} is refused (https only)`);
  }
  if (literal && !policy.allowPrivate && isForbiddenAddress(host)) throw new ForbiddenEndpointError(`${host} is a private, loopback, link-local or reserved address`);
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).Agent that resolves as usual, then refuses the connection when any
 * address of the name is forbidden (one bad address is enough: a name that mixes public and
 * private answers is an attack, not a push service). Handles both calling conventions of
 * net.connect: one address, or `all: true` (happy eyeballs, on by default since Node 20).
 */
export function guardedLookup(policy: EndpointPolicy) {
  return (hostname: string, options: { all?: boolean } & Omit<LookupAllOptions, "all">, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (err) return callback(err, options.all ? [] : "");
      const list = addresses;
      const bad = policy.allowPrivate ? undefined : list.find((a) => isForbiddenAddress(a.address));
      if (bad || list.length === 0) {
        const refusal = Object.assign(new ForbiddenEndpointError(`${hostname} resolves to ${bad?.address ?? "nothing"}, a forbidden address`), { code: "EPUSHFORBIDDEN" });
        return callback(refusal, options.all ? [] : "");
      }
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
