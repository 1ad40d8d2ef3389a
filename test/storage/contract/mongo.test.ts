// The storage contract on MongoDB (src/storage/mongo/open.ts), on a FerretDB started for
// this file; the copy suite also copies SQLite → MongoDB → SQLite when SQLite exists.
import { mongo, sqlite } from "./implementations.ts";
import { registerContract } from "./suites.ts";

registerContract(mongo, [sqlite]);
