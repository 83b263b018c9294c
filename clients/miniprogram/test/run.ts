// `npm test`: one live `tanbi serve --demo` for the run (pay-codes living 5 s, so a test sees one renewed), then
// Node's test runner over the bundled page tests, one file at a time, then the server is stopped.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "../../typescript/test/harness.js";
import { SERVER_ENV } from "./session.js";

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((name) => name.endsWith(".test.mjs"))
  .sort()
  .map((name) => join(here, name));

const started = Date.now();
const server = await startServer({ env: SERVER_ENV });
console.log(`tanbi serve --demo ready at ${server.baseUrl} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
let code = 1;
try {
  code = await new Promise<number>((resolveCode) => {
    const child = spawn(process.execPath, ["--test", "--test-concurrency=1", ...process.argv.slice(2), ...files], {
      stdio: "inherit",
      env: { ...process.env, TANBI_TEST_BASE_URL: server.baseUrl, TANBI_TEST_DATA_DIR: server.dataDir },
    });
    child.once("exit", (status) => resolveCode(status ?? 1));
  });
} finally {
  await server.stop();
}
process.exit(code);
