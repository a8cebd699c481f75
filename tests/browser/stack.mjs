// The real stack for browser tests: the site baked by site-gen, served with
// intake (debug binaries) on a free loopback port, on a fresh SQLite file.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

export const root = resolve(import.meta.dirname, "../..");
// scripts/browser-test says where cargo put the debug build.
const binDir = process.env.TEMUJANJI_BIN_DIR ?? join(root, "target", "debug");
export const bin = (name) => join(binDir, name);

export const artefacts = join(root, "test-artifacts", "browser");
mkdirSync(artefacts, { recursive: true });

/**
 * Starts site-gen + intake on the campaign in `data`; resolves to { url, db, site, stop }.
 * `now` is intake's pretended time (registration open by default); `db` an existing database to serve.
 */
export async function startStack(extraFlags = [], data = join(root, "data"), { now = "2027-06-01T10:00:00+08:00", db: existing } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "temujanji-browser-"));
  const site = join(dir, "dist");
  execFileSync(bin("site-gen"), ["build", "--data", data, "--out", site], { stdio: "ignore" });
  const db = existing ?? join(dir, "browser.db");
  const child = spawn(
    bin("intake"),
    ["serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--log-format", "json", "--data", data,
      "--database-url", `sqlite:${db}`, "--site", site, "--pretend-now", now, ...extraFlags],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const address = await new Promise((resolveAddress, reject) => {
    const timer = setTimeout(() => reject(new Error("intake did not start")), 30000);
    lines.on("line", (line) => {
      try {
        const entry = JSON.parse(line);
        if (entry.message === "listening") { clearTimeout(timer); resolveAddress(entry.address); }
      } catch { /* not JSON */ }
    });
    child.on("exit", (code) => reject(new Error(`intake exited with ${code}`)));
  });
  return {
    url: `http://${address}`,
    db,
    site,
    stop: () => new Promise((done) => { child.on("exit", done); child.kill("SIGTERM"); }),
  };
}

/** Debian's Chromium, headless, with the flags this closed network needs. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** The rows of `sql` (with `params`) in the database `db`, as arrays, read with python's sqlite3 (no npm driver needed). */
export function queryRows(db, sql, params = []) {
  const out = execFileSync("python3", ["-c",
    "import json,sqlite3,sys; print(json.dumps([list(r) for r in " +
    "sqlite3.connect(sys.argv[1]).execute(sys.argv[2], json.loads(sys.argv[3]))]))", db, sql, JSON.stringify(params)]);
  return JSON.parse(out.toString());
}

/** References stored for an identity number. */
export function storedReferences(db, idNumber) {
  return queryRows(db, "select reference from applications where id_number = ?", [idNumber]).map(([reference]) => reference);
}

/** Holds SQLite's write lock from another process for `seconds`; resolves once held. */
export function holdWriteLock(db, seconds) {
  const child = spawn("python3", ["-c",
    "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE');" +
    " print('locked', flush=True); time.sleep(float(sys.argv[2])); c.execute('ROLLBACK')", db, String(seconds)],
    { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((held) => child.stdout.once("data", () => held(child)));
}

/**
 * `count` applicants made up by synth from `seed`, allocated by a real run and
 * published beside the stack's site; resolves to [reference, birth date] of
 * one with an appointment.
 */
export function publishAllocation(stack, data = join(root, "data"), count = 40, seed = 3) {
  const store = ["--database-url", `sqlite:${stack.db}`, "--data", data];
  execFileSync(bin("synth"), [...store, "--count", String(count), "--seed", String(seed)], { stdio: "ignore" });
  execFileSync(bin("allocator"), ["run", ...store, "--pretend-now", "2028-01-01T09:00:00+08:00", "--seed", "browser"], { stdio: "ignore" });
  execFileSync(bin("allocator"), ["publish", ...store, "--out", stack.site, "--kdf-iterations", "1000"], { stdio: "ignore" });
  return queryRows(stack.db,
    "select a.reference, p.birth_date from allocations a join applications p on p.reference = a.reference " +
    "where a.appointment_date is not null limit 1")[0];
}

/**
 * A stack serving the results of another's published allocation; resolves
 * to { stack, reference, birthDate } of one with an appointment.
 */
export async function startStackWithResults() {
  const first = await startStack();
  let reference, birthDate;
  try {
    [reference, birthDate] = publishAllocation(first);
  } finally {
    await first.stop();
  }
  return { stack: await startStack(["--results", first.site]), reference, birthDate };
}
