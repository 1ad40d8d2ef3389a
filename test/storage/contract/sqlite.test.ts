// The storage contract on SQLite (src/storage/sqlite/open.ts).
import { sqlite } from "./implementations.ts";
import { registerContract } from "./suites.ts";

registerContract(sqlite);
