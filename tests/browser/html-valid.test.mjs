// Every kind of page people get passes the Nu HTML Checker (vnu.jar from
// the vnu-jar package, run with the machine's Java) with no error: each
// page type baked by site-gen in both languages, and intake's answer and
// result pages as it sends them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, root, startStackWithResults } from "./stack.mjs";

const data = join(root, "data");

const vnuJar = String(createRequire(import.meta.url)("vnu-jar"));

/** Nu's errors for `files`, one line each (file: line: message). */
function htmlErrors(files) {
  const run = spawnSync("java", ["-jar", vnuJar, "--errors-only", "--format", "json", "--exit-zero-always", ...files],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, `vnu.jar did not run (is Java 17 installed?): ${run.error ?? run.stderr}`);
  const { messages } = JSON.parse(run.stderr);
  return messages.filter((m) => m.type === "error" || m.subType === "fatal")
    .map((m) => `${m.url.replace(/^file:/, "")}:${m.lastLine ?? "?"}: ${m.message}`);
}

const application = (idNumber, lang, extra = {}) => new URLSearchParams({
  id_type: "mykad", id_number: idNumber,
  birth_date: `19${idNumber.slice(0, 2)}-${idNumber.slice(2, 4)}-${idNumber.slice(4, 6)}`,
  full_name: "Ahmad bin Ali", phone: "012-345 6789", lang, centre: "SGR-0001",
  week1: "any", week2: "any", week3: "any", accept_other_dates: "on", consent: "on", ...extra,
});

test("every baked page type passes the Nu HTML Checker in both languages", () => {
  const dir = mkdtempSync(join(tmpdir(), "temujanji-html-"));
  const site = join(dir, "dist");
  execFileSync(bin("site-gen"), ["build", "--data", data, "--out", site], { stdio: "ignore" });
  const files = ["index.html", "404.html"].map((p) => join(site, p));
  for (const lang of ["en", "ms"]) {
    const state = readdirSync(join(site, lang, "centres")).find((f) => f.endsWith(".html"));
    for (const page of ["index.html", "how-it-works.html", "result/index.html", "change/index.html", "decline/index.html", `centres/${state}`]) {
      files.push(join(site, lang, page));
    }
  }
  assert.equal(files.length, 14);
  assert.deepEqual(htmlErrors(files), []);
});

test("intake's answer and result pages pass the Nu HTML Checker", async () => {
  // Results published from a real allocation, for intake's result page.
  const { stack, reference: allocatedReference, birthDate: allocatedBirth } = await startStackWithResults();
  const dir = mkdtempSync(join(tmpdir(), "temujanji-answers-"));
  const files = [];
  const post = async (name, path, body, status) => {
    const response = await fetch(`${stack.url}${path}`, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    const html = await response.text();
    assert.equal(response.status, status, `${name}: ${html}`);
    assert.match(response.headers.get("content-type"), /^text\/html/, name);
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    files.push(file);
    return html;
  };
  try {
    for (const [lang, id] of [["en", "550101-14-7001"], ["ms", "550101-14-7002"]]) {
      const created = await post(`created-${lang}`, `/api/v1/applications?lang=${lang}`, application(id, lang), 201);
      const reference = /class="reference">([^<]+)</.exec(created)[1];
      await post(`already-${lang}`, "/api/v1/applications", application(id, lang), 200);
      await post(`taken-${lang}`, "/api/v1/applications", application(id, lang, { phone: "013-999 8888" }), 409);
      await post(`invalid-${lang}`, "/api/v1/applications", application(id, lang, { centre: "", phone: "" }), 422);
      await post(`changed-${lang}`, "/api/v1/applications/change", application(id, lang, { reference, centre: "SGR-0002" }), 200);
      await post(`not-found-${lang}`, "/api/v1/applications/change", application(id, lang, { reference: "22222-22222" }), 404);
      await post(`withdrawn-${lang}`, "/api/v1/applications/withdraw", new URLSearchParams({ reference, id_number: id, lang }), 200);
      const lookup = (fields) => new URLSearchParams({ lang, ...fields });
      const result = await post(`result-${lang}`, "/api/v1/results", lookup({ reference: allocatedReference, birth_date: allocatedBirth }), 200);
      assert.ok(result.includes('href="data:text/calendar'), `${lang}: the calendar file is in the page`);
      await post(`result-not-found-${lang}`, "/api/v1/results", lookup({ reference: "22222-22222", birth_date: "1960-01-01" }), 404);
      await post(`result-invalid-${lang}`, "/api/v1/results", lookup({ reference: "x", birth_date: "x" }), 400);
    }
  } finally {
    await stack.stop();
  }
  assert.deepEqual(htmlErrors(files), []);
});
