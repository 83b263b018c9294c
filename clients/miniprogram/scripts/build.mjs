// Builds the mini-program into dist/ (WeChat DevTools' miniprogramRoot): src/lib/index.ts and what it imports
// (@tanbi/client, qrcode-generator) become one CommonJS module, dist/lib/index.js, which app.js and every page
// require, so the whole app shares one client, one token refresh and one sign-in. Pages and app.ts are bundled
// with that import left as a require. .wxml, .wxss and .json files are copied as they are.
// `--tests` instead bundles test/*.test.ts and test/run.ts into dist-test/ for Node's test runner.
import { build } from "esbuild";
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// The WeChat runtime is ES2018-era JavaScript (iOS JavaScriptCore, Android V8): async generators, no newer syntax.
const common = { bundle: true, format: "cjs", target: "es2018", platform: "neutral", logLevel: "warning", charset: "utf8" };

/** Leaves `import ... from "<...>/lib/index"` as a runtime require of the one shared module. */
const sharedLib = {
  name: "shared-lib",
  setup(b) {
    b.onResolve({ filter: /(^|\/)lib\/index$/ }, (args) =>
      args.importer.startsWith(join(src, "lib")) ? undefined : { path: `${args.path}.js`, external: true },
    );
  },
};

async function buildApp() {
  const out = join(root, "dist");
  rmSync(out, { recursive: true, force: true });
  const files = walk(src);
  await build({ ...common, entryPoints: [join(src, "lib/index.ts")], outfile: join(out, "lib/index.js"), mainFields: ["main", "module"] });
  const entries = files.filter((f) => f.endsWith(".ts") && !f.startsWith(join(src, "lib")) && f !== join(src, "config.ts"));
  for (const entry of entries) {
    await build({ ...common, entryPoints: [entry], outfile: join(out, relative(src, entry).replace(/\.ts$/, ".js")), plugins: [sharedLib] });
  }
  for (const file of files.filter((f) => /\.(wxml|wxss|json)$/.test(f))) {
    const target = join(out, relative(src, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }
  console.log(`built ${entries.length} entries and the shared lib into ${relative(process.cwd(), out) || "."}`);
}

async function buildTests() {
  const out = join(root, "dist-test");
  rmSync(out, { recursive: true, force: true });
  const tests = join(root, "test");
  const entries = readdirSync(tests)
    .filter((name) => name.endsWith(".test.ts") || name === "run.ts")
    .map((name) => join(tests, name));
  await build({
    entryPoints: entries,
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
}

await (process.argv.includes("--tests") ? buildTests() : buildApp());
