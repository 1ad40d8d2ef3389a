// The server's numbers that clients must know to behave like it (the SDK imports this file at
// run time, so it holds constants only: no imports, nothing that needs the server).

/**
 * A new or deleted message sends `unread_update` to every other member only in a
 * conversation of at most this many members; in a larger group, only to the members it
 * mentions (docs/DECISIONS.md: each update reads the recipient's total over all their
 * conversations and is an emit of its own, so a 500-member group would cost 500 of each per
 * message). Reads and mutes always update the member's devices. Clients count the new
 * messages of larger groups themselves (client/src/unread.ts).
 */
export const UNREAD_FANOUT_MAX_MEMBERS = 25;
