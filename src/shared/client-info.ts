// Where a request came from, as the session list and the audit log record it: the client's
// address as Express sees it (TRUST_PROXY applied) and a short device label made from its
// User-Agent (src/auth/device-label.ts). Either may be unknown.
export interface ClientInfo {
  ip: string | null;
  device: string | null;
}

/** For calls that no request caused (a background job, a test, an operator). */
export const NO_CLIENT: ClientInfo = Object.freeze({ ip: null, device: null });
