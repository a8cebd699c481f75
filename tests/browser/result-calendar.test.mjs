// "Check my result" without JavaScript: intake's page offers the calendar
// file too, embedded in the page, and Chromium saves it as a .ics file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { artefacts, launch, startStackWithResults } from "./stack.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("without JavaScript, an appointment's page downloads its calendar file", async () => {
  const { stack, reference, birthDate } = await startStackWithResults();
  const context = await browser.newContext({ javaScriptEnabled: false, acceptDownloads: true });
  const page = await context.newPage();
  try {
    for (const lang of ["en", "ms"]) {
      await page.goto(`${stack.url}/${lang}/result/`);
      await page.fill("#reference", reference);
      await page.fill("#birth_date", birthDate);
      await Promise.all([page.waitForNavigation(), page.click("#result-submit")]);
      assert.equal(new URL(page.url()).search, `?lang=${lang}`, "nothing personal in the address");
      await page.screenshot({ path: join(artefacts, `result-nojs-calendar-${lang}.png`), fullPage: true });
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#calendar")]);
      assert.equal(download.suggestedFilename(), `vaccination-${reference}.ics`);
      const ics = readFileSync(await download.path(), "utf8");
      assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
      assert.match(ics, new RegExp(`DESCRIPTION:.*${reference}`));
      assert.match(ics, /\r\nDTSTART:2028\d{4}T\d{6}Z\r\nDTEND:2028\d{4}T\d{6}Z\r\n/);
      assert.match(ics, new RegExp(`PRODID:-//Temujanji//Result//${lang.toUpperCase()}`));
    }
  } finally {
    await context.close();
    await stack.stop();
  }
});
