// "Check my result" in both languages, on a phone: results published by the
// allocator from a real allocation, served as static files, looked up and
// opened in the browser (allocated, waitlisted, a wrong birth date), the
// reference filled from the SMS link's fragment, without axe-core violations.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { axeViolations } from "./page.mjs";
import { artefacts, launch, publishAllocation, queryRows, root, startStack } from "./stack.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The sample campaign with two centres of one place a day, so that many applicants are waitlisted. */
function smallCampaign() {
  const data = mkdtempSync(join(tmpdir(), "temujanji-results-"));
  copyFileSync(join(root, "data", "campaign.toml"), join(data, "campaign.toml"));
  writeFileSync(join(data, "closures.csv"), "centre_id,date,reason\n");
  const [header, ...rows] = readFileSync(join(root, "data", "centres.csv"), "utf8").trim().split("\n");
  const centres = rows.filter((r) => r.startsWith("SGR-0001,") || r.startsWith("KUL-0001,"));
  const columns = header.split(",");
  const capacity = columns.indexOf("daily_capacity");
  const small = centres.map((row) => {
    // Addresses are quoted and hold commas: count columns from the end.
    const cells = row.split(",");
    cells[cells.length - (columns.length - capacity)] = "1";
    return cells.join(",");
  });
  writeFileSync(join(data, "centres.csv"), [header, ...small].join("\n") + "\n");
  return data;
}

/** Rows of reference, birth date, centre, date and waiting-list position. */
const allocations = (db) => queryRows(db,
  "select a.reference, p.birth_date, a.centre_id, a.appointment_date, a.waitlist_position from allocations a " +
  "join applications p on p.reference = a.reference order by a.priority");

test("a result is looked up from the published files in English and Malay", async () => {
  const data = smallCampaign();
  const stack = await startStack([], data);
  publishAllocation(stack, data, 60, 7);
  const rows = allocations(stack.db);
  const allocated = rows.find((r) => r[3] !== null);
  const waitlisted = rows.find((r) => r[4] !== null);
  assert.ok(allocated && waitlisted, "both outcomes in the allocation");

  const context = await browser.newContext({ viewport: { width: 360, height: 800 }, bypassCSP: true });
  const page = await context.newPage();
  try {
    for (const lang of ["en", "ms"]) {
      // As the SMS links it: the reference in the fragment, in lower case as someone may retype it.
      await page.goto(`${stack.url}/${lang}/result/#ref=${allocated[0]}`);
      assert.equal(await page.getAttribute("html", "lang"), lang);
      assert.equal(await page.inputValue("#reference"), allocated[0], `${lang}: the reference from the fragment`);
      assert.deepEqual(await axeViolations(page), [], `${lang}: axe-core violations on the empty form`);

      await page.fill("#birth_date", allocated[1]);
      await page.click("#result-submit");
      await page.waitForSelector("#result:not([hidden]) h2");
      const shown = await page.textContent("#result");
      assert.ok(shown.includes(allocated[2]), `${lang}: the centre's code: ${shown}`);
      assert.ok(shown.includes(allocated[0]), `${lang}: the reference: ${shown}`);
      assert.ok(await page.isVisible("#result a[download$='.ics']"), `${lang}: a calendar file`);
      const status = await page.textContent("#result-status");
      assert.equal(status, await page.textContent("#result h2"), `${lang}: the live region says the outcome`);
      assert.ok(await page.getAttribute("#result-status", "role") === "status");
      await page.screenshot({ path: join(artefacts, `result-allocated-${lang}.png`), fullPage: true });
      assert.deepEqual(await axeViolations(page), [], `${lang}: axe-core violations on an appointment`);

      await page.fill("#reference", waitlisted[0].toLowerCase().replace("-", " "));
      await page.fill("#birth_date", waitlisted[1]);
      await page.click("#result-submit");
      await page.waitForFunction((p) => document.querySelector("#result:not([hidden])")?.textContent.includes(p), String(waitlisted[4]));
      const waiting = await page.textContent("#result");
      assert.ok(waiting.includes(waitlisted[2]), `${lang}: the centre of the waiting list: ${waiting}`);
      assert.ok(!(await page.isVisible("#result a[download$='.ics']")), `${lang}: no calendar file for the waiting list`);
      assert.deepEqual(await axeViolations(page), [], `${lang}: axe-core violations on the waiting list`);

      const [year, month, day] = waitlisted[1].split("-").map(Number);
      const wrong = new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
      await page.fill("#reference", waitlisted[0]);
      await page.fill("#birth_date", wrong);
      await page.click("#result-submit");
      await page.waitForFunction(() => document.querySelector("#result:not([hidden])") && !document.querySelector("#result dl"));
      const notFound = await page.textContent("#result h2");
      assert.equal(await page.textContent("#result-status"), notFound, `${lang}: "not found" is announced`);
      assert.ok(!(await page.textContent("#result")).includes(waitlisted[2]), `${lang}: nothing of the record shown`);
      await page.screenshot({ path: join(artefacts, `result-not-found-${lang}.png`), fullPage: true });
      assert.deepEqual(await axeViolations(page), [], `${lang}: axe-core violations on "not found"`);

      await page.fill("#reference", "ABCDE-2345");
      await page.click("#result-submit");
      assert.ok(await page.isVisible("#reference-error"), `${lang}: a wrong reference is named`);
    }
  } finally {
    await context.close();
    await stack.stop();
  }
});
