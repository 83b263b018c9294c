// Starts the real service (`tanbi serve --demo`) on a free port with a throwaway data directory and waits for
// /readyz. `run.ts` starts one for the whole run and hands it to the test files through the environment
// (TANBI_TEST_BASE_URL, TANBI_TEST_DATA_DIR); a test file run on its own starts its own.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository (the folder with pyproject.toml above this file), wherever this file was compiled or bundled to. */
function findRepoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "pyproject.toml"))) return dir;
  }
  throw new Error(`no pyproject.toml above ${from}`);
}

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** The five demo residents with wallets (`tanbi serve --demo`). */
export const DEMO_PHONES = ["13800000001", "13800000002", "13800000003", "13800000004", "13800000005"] as const;

export interface Server {
  baseUrl: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Lets this process exit while the server runs, killing it (synchronously) when this process exits. */
  stopOnExit(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

export interface ServerOptions {
  /** Extra environment for `tanbi serve` (settings such as TANBI_WECHAT__BASE_URL). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function startServer({ env = {}, timeoutMs = 180_000 }: ServerOptions = {}): Promise<Server> {
  const tanbi = process.env.TANBI_BIN ?? join(repoRoot, ".venv/bin/tanbi");
  const dataDir = mkdtempSync(join(tmpdir(), "tanbi-ts-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // The log goes to a file descriptor, not a pipe, so no handle of ours keeps this process alive.
  const log = openSync(join(dataDir, "serve.log"), "a");
  const child: ChildProcess = spawn(tanbi, ["serve", "--demo", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: dataDir,
    env: {
      ...process.env,
      TANBI_DATA_DIR: dataDir,
      TANBI_DEMO_RESIDENTS: process.env.TANBI_DEMO_RESIDENTS ?? "100",
      ...env,
    },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const stop = async () => {
    if (!exited) {
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await done;
      clearTimeout(timer);
    }
    if (!process.env.TANBI_TEST_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  };
  const stopOnExit = () => {
    child.unref();
    process.once("exit", () => {
      if (!exited) child.kill("SIGTERM");
      if (!process.env.TANBI_TEST_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      const text = readFileSync(join(dataDir, "serve.log"), "utf8");
      await stop();
      throw new Error(`tanbi serve exited before it was ready:\n${text.slice(-3000)}`);
    }
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      if (response.ok) return { baseUrl, dataDir, stop, stopOnExit };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`tanbi serve was not ready within ${timeoutMs} ms`);
}

let shared: Promise<Server> | null = null;

/** The run's server (from the environment), or one started for this file and stopped when it ends. */
export function server(): Promise<Server> {
  if (!shared) {
    const baseUrl = process.env.TANBI_TEST_BASE_URL;
    const dataDir = process.env.TANBI_TEST_DATA_DIR;
    if (baseUrl && dataDir) {
      shared = Promise.resolve({ baseUrl, dataDir, stop: async () => {}, stopOnExit: () => {} });
    } else {
      shared = startServer().then((s) => (s.stopOnExit(), s));
    }
  }
  return shared;
}

/** The demo's partner credentials (`demo-partners.json` in the data directory), by methodology id. */
export function demoPartners(dataDir: string): Record<string, { id: number; secret: string; name: string }> {
  return JSON.parse(readFileSync(join(dataDir, "demo-partners.json"), "utf8"));
}

/** A Standard Webhooks-signed POST as a partner sends it (webhook-id, webhook-timestamp, webhook-signature). */
export async function signedPost(baseUrl: string, path: string, partner: { secret: string }, payload: unknown) {
  const body = JSON.stringify(payload);
  const id = `msg_${randomUUID().replaceAll("-", "")}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(partner.secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": timestamp,
      "webhook-signature": `v1,${signature}`,
    },
    body,
  });
}

/** A link token, as a partner's QR would carry it: POST /v1/partners/{id}/link-tokens. */
export async function createLinkToken(baseUrl: string, partner: { id: number; secret: string }, subject: string) {
  const response = await signedPost(baseUrl, `/v1/partners/${partner.id}/link-tokens`, partner, { subject });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`link-token: ${response.status} ${await response.text()}`);
  }
  return (await response.json()) as { token: string; [key: string]: unknown };
}

/** A partner's batch of events (POST /v1/partners/{id}/events), as docs/partners.md shows them. */
export async function postEvents(baseUrl: string, partner: { id: number; secret: string }, events: unknown[]) {
  const response = await signedPost(baseUrl, `/v1/partners/${partner.id}/events`, partner, { events });
  if (response.status >= 300) throw new Error(`events: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * An access token for the same resident that expired `agoSeconds` ago: signed with the service's own key
 * (`keys.json` in its data directory), so the service refuses it only for its age, as it would after 15 minutes.
 */
export function expiredCopy(accessToken: string, dataDir: string, agoSeconds = 60): string {
  const keys = JSON.parse(readFileSync(join(dataDir, "keys.json"), "utf8")) as { kid: string; jwt_secret: string };
  const [header, payload] = accessToken.split(".");
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  claims.iat = now - 900 - agoSeconds;
  claims.exp = now - agoSeconds;
  claims.jti = randomUUID().replaceAll("-", "");
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = createHmac("sha256", keys.jwt_secret).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${signature}`;
}
