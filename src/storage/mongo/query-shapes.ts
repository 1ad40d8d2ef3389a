// What each query the MongoDB storage issues asks of the indexes, and whether the declared
// indexes (schemas.ts) give it: FerretDB uses no index, so a test cannot see index use
// there; it can record every query's shape and check it with MongoDB's rules.
//
// The rule (MongoDB's equality-sort-range prefix): the equality fields (any order), then the
// sort fields (in order, all in the index's direction or all reversed), then the range
// fields must be a prefix of some index's keys. Each $or branch is checked on its own,
// with the fields outside the $or added to it. `_id` equality answers anything. $in counts
// as equality; $ne, $nin, $exists, $not, $regex and the like cannot bound a scan and are
// checked on the documents the index range gives ("residual"). An insert needs nothing.
// An empty filter is refused on every collection (a scan of a growing one) except a read
// in index order with a limit (a page, or "the highest"), the db:copy tool's own queries
// (marked with its comment), and sticker_packs (a handful of seeded documents).
import type { IndexKeys } from "./schemas.ts";

export type FieldKind = "eq" | "in" | "range" | "residual";

export interface QueryShape {
  collection: string;
  op: string;
  /** Field uses per $or branch (one branch without $or). */
  branches: { field: string; kind: FieldKind }[][];
  sort: [field: string, direction: 1 | -1][];
  limit: number | null;
  comment: string | null;
}

const NO_FILTER_OPS = new Set(["insertOne", "insertMany", "createIndex", "createIndexes", "listIndexes", "indexes", "createCollection", "estimatedDocumentCount"]);
const FILTER_FIRST = new Set(["find", "findOne", "countDocuments", "updateOne", "updateMany", "deleteOne", "deleteMany", "findOneAndUpdate", "findOneAndDelete", "findOneAndReplace", "replaceOne"]);
const RANGE = new Set(["$gt", "$gte", "$lt", "$lte"]);
const SMALL_COLLECTIONS = new Set(["sticker_packs"]);
export const COPY_COMMENT = "db:copy";

function kindOf(value: unknown): FieldKind {
  if (value === null || typeof value !== "object" || value instanceof Date || Array.isArray(value)) return "eq";
  const ops = Object.keys(value);
  if (ops.length === 0 || !ops.every((k) => k.startsWith("$"))) return "eq"; // a sub-document
  if (ops.includes("$eq")) return "eq";
  if (ops.includes("$in")) return "in";
  if (ops.some((k) => RANGE.has(k))) return "range";
  return "residual";
}

function fieldsOf(filter: Record<string, unknown>): { fields: { field: string; kind: FieldKind }[]; or: Record<string, unknown>[] | null } {
  const fields: { field: string; kind: FieldKind }[] = [];
  let or: Record<string, unknown>[] | null = null;
  for (const [k, v] of Object.entries(filter ?? {})) {
    if (k === "$or") or = v as Record<string, unknown>[];
    else if (k === "$and") for (const part of v as Record<string, unknown>[]) fields.push(...fieldsOf(part).fields);
    else if (k.startsWith("$")) fields.push({ field: k, kind: "residual" });
    else fields.push({ field: k, kind: kindOf(v) });
  }
  return { fields, or };
}

function shape(collection: string, op: string, filter: Record<string, unknown>, options: Record<string, unknown> | undefined): QueryShape {
  const { fields, or } = fieldsOf(filter);
  const branches = or ? or.map((b) => [...fields, ...fieldsOf(b).fields]) : [fields];
  const sort = Object.entries((options?.sort as Record<string, number>) ?? {}).map(([f, d]) => [f, d === -1 ? -1 : 1] as [string, 1 | -1]);
  const limit = typeof options?.limit === "number" ? options.limit : op === "findOne" || op.startsWith("findOneAnd") ? 1 : null;
  return { collection, op, branches, sort, limit, comment: typeof options?.comment === "string" ? options.comment : null };
}

/** The shapes of one driver call, as mongoose's debug hook reports it (insert: none). */
export function shapesOf(collection: string, op: string, args: unknown[]): QueryShape[] {
  if (NO_FILTER_OPS.has(op)) return [];
  if (FILTER_FIRST.has(op)) return [shape(collection, op, (args[0] as Record<string, unknown>) ?? {}, args[op.startsWith("find") || op === "countDocuments" ? 1 : 2] as Record<string, unknown>)];
  if (op === "aggregate") {
    const match = ((args[0] as Record<string, unknown>[]) ?? [])[0]?.$match as Record<string, unknown> | undefined;
    return [shape(collection, op, match ?? {}, args[1] as Record<string, unknown>)];
  }
  if (op === "bulkWrite") {
    return (args[0] as Record<string, { filter?: Record<string, unknown> }>[]).flatMap((w) => {
      const [kind, body] = Object.entries(w)[0]!;
      return kind === "insertOne" ? [] : [shape(collection, kind, body.filter ?? {}, args[1] as Record<string, unknown>)];
    });
  }
  // Anything else is a query kind this checker does not know: it must be taught, not skipped.
  return [{ collection, op: `unknown:${op}`, branches: [[{ field: "?", kind: "residual" }]], sort: [], limit: null, comment: null }];
}

export function describe(s: QueryShape): string {
  const b = s.branches.map((fs) => `{${fs.map((f) => `${f.field}:${f.kind}`).join(", ")}}`).join(" | ");
  const sort = s.sort.length ? ` sort {${s.sort.map(([f, d]) => `${f}:${d}`).join(", ")}}` : "";
  return `${s.collection}.${s.op} ${b}${sort}${s.limit !== null ? ` limit ${s.limit}` : ""}${s.comment ? ` /* ${s.comment} */` : ""}`;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Whether `keys` starts with eq (any order), then sort (one direction), then range (any order). */
function serves(keys: IndexKeys, eq: string[], sort: [string, 1 | -1][], range: string[]): boolean {
  const want = eq.length + sort.length + range.length;
  if (keys.length < want) return false;
  if (!sameSet(keys.slice(0, eq.length).map(([f]) => f), eq)) return false;
  const sortKeys = keys.slice(eq.length, eq.length + sort.length);
  const flip = sort.length > 0 && sortKeys[0]![1] !== sort[0]![1];
  for (let i = 0; i < sort.length; i++) {
    const [f, d] = sortKeys[i]!;
    if (f !== sort[i]![0] || (d === sort[i]![1]) === flip) return false;
  }
  return sameSet(keys.slice(eq.length + sort.length, want).map(([f]) => f), range);
}

/** Why no declared index serves this query; null when one does. */
export function unindexedReason(s: QueryShape, indexes: Map<string, IndexKeys[]>): string | null {
  if (s.op.startsWith("unknown:")) return `${describe(s)}: a query kind the shape checker does not know`;
  const list = indexes.get(s.collection);
  if (!list) return `${describe(s)}: no indexes declared for collection ${s.collection}`;
  const exempt = s.comment === COPY_COMMENT || SMALL_COLLECTIONS.has(s.collection);
  for (const branch of s.branches) {
    const eq = [...new Set(branch.filter((f) => f.kind === "eq" || f.kind === "in").map((f) => f.field))];
    if (eq.includes("_id")) continue;
    const sort = s.sort.filter(([f]) => !eq.includes(f));
    const range = [...new Set(branch.filter((f) => f.kind === "range" && !sort.some(([sf]) => sf === f.field)).map((f) => f.field))];
    if (eq.length === 0 && range.length === 0) {
      if (exempt) continue;
      if (sort.length === 0 || s.limit === null) return `${describe(s)}: an empty filter reads the whole collection`;
    }
    if (!list.some((keys) => serves(keys, eq, sort, range))) {
      const wanted = [...eq.map((f) => `${f}:1`), ...sort.map(([f, d]) => `${f}:${d}`), ...range.map((f) => `${f}:1`)].join(", ");
      return `${describe(s)}: no index of ${s.collection} starts with {${wanted}}`;
    }
  }
  return null;
}
