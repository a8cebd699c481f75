// Giving back an appointment on the "I cannot come" page, in both
// languages, with and without JavaScript (the page has no script: the same
// plain form posts either way and intake answers with a page); a wrong
// identity number gets "not found" and changes nothing. axe-core checks the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { noAxeViolations } from "./page.mjs";
import { artefacts, launch, publishAllocation, queryRows, root, startStack } from "./stack.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const texts = {
  en: { declined: "Appointment declined", rejoined: "you are back on the waiting list", notFound: "No application found" },
  ms: { declined: "Temujanji dibatalkan", rejoined: "anda kembali dalam senarai menunggu", notFound: "Permohonan tidak dijumpai" },
};

/** Holders of an appointment: [reference, id number]. */
const holders = (db) => queryRows(db,
  "select a.reference, p.id_number from allocations a join applications p on p.reference = a.reference " +
  "where a.status = 'allocated' order by a.reference limit 4");

/** The allocation status and whether the person rejoined (`allocated 0`). */
function status(db, reference) {
  const [[state]] = queryRows(db, "select status from allocations where reference = ?", [reference]);
  const [[rejoined]] = queryRows(db, "select count(*) from declines where reference = ? and rejoined_at is not null", [reference]);
  return `${state} ${rejoined}`;
}

test("give back an appointment, with and without JavaScript, in both languages", async () => {
  // An allocation made while registration was open in the stack's clock, then
  // intake serving the same database after registration closed, before the campaign.
  const first = await startStack();
  await first.stop();
  publishAllocation(first, join(root, "data"), 40);
  const stack = await startStack([], join(root, "data"), { now: "2028-01-02T10:00:00+08:00", db: first.db });
  const people = holders(first.db);
  assert.equal(people.length, 4, "four people hold an appointment");
  try {
    let n = 0;
    for (const javaScriptEnabled of [true, false]) {
      for (const lang of ["en", "ms"]) {
        const [reference, idNumber] = people[n];
        const rejoin = n % 2 === 0;
        n += 1;
        const context = await browser.newContext({ viewport: { width: 412, height: 900 }, javaScriptEnabled, bypassCSP: true });
        const page = await context.newPage();
        const label = `${lang}, ${javaScriptEnabled ? "with" : "without"} JavaScript`;

        // The result page leads to it.
        await page.goto(`${stack.url}/${lang}/result/`);
        await page.click(`a[href="/${lang}/decline/"]`);
        await page.waitForURL(`**/${lang}/decline/`);
        assert.equal(await page.getAttribute("html", "lang"), lang);
        if (javaScriptEnabled) await noAxeViolations(page, `${label}: the decline page`);

        // Someone else's number: not found, nothing changes.
        await page.fill("#reference", reference.toLowerCase());
        await page.fill("#id_number", "700101-14-9999");
        await Promise.all([page.waitForNavigation(), page.click("#decline-submit")]);
        assert.ok((await page.textContent("main")).includes(texts[lang].notFound), `${label}: not found`);
        assert.equal(status(first.db, reference), "allocated 0", `${label}: untouched`);

        await page.goBack();
        await page.fill("#reference", reference);
        await page.fill("#id_number", idNumber);
        if (rejoin) await page.check("#rejoin");
        await page.screenshot({ path: join(artefacts, `decline-${lang}-${javaScriptEnabled ? "js" : "nojs"}.png`), fullPage: true });
        await Promise.all([page.waitForNavigation(), page.click("#decline-submit")]);
        const answer = await page.textContent("main");
        assert.ok(answer.includes(texts[lang].declined), `${label}: ${answer}`);
        assert.equal(answer.includes(texts[lang].rejoined), rejoin, `${label}: rejoin as asked`);
        assert.equal(await page.getAttribute("html", "lang"), lang, `${label}: answered in the person's language`);
        assert.equal(status(first.db, reference), `declined ${rejoin ? 1 : 0}`, `${label}: stored`);
        await context.close();
      }
    }
  } finally {
    await stack.stop();
  }
});
