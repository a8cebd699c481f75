// Changing and withdrawing an application on the "Change or withdraw my
// application" page, in both languages: with JavaScript (the answer shown in
// the page; a wrong identity number gets "not found") and without it (the
// forms post, intake answers with a page). axe-core checks the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { noAxeViolations } from "./page.mjs";
import { artefacts, launch, queryRows, startStack } from "./stack.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const texts = {
  en: { saved: "Your application is up to date", changed: "Application changed", withdrawn: "Application withdrawn", notFound: "No application found" },
  ms: { saved: "Permohonan anda dikemas kini", changed: "Permohonan diubah", withdrawn: "Permohonan ditarik balik", notFound: "Permohonan tidak dijumpai" },
};

/** Applies through the API as the form's script does; resolves to the reference. */
async function apply(stack, idNumber, lang) {
  const response = await fetch(`${stack.url}/api/v1/applications`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id_type: "mykad", id_number: idNumber, birth_date: birthDate(idNumber), full_name: "Siti binti Ali",
      phone: "012-345 6789", lang, centre: "SGR-0001", week1: "any", week2: "any", week3: "any", accept_other_dates: true, consent: true }),
  });
  assert.equal(response.status, 201);
  return (await response.json()).reference;
}

const birthDate = (id) => `19${id.slice(0, 2)}-${id.slice(2, 4)}-${id.slice(4, 6)}`;

/** The application's centre, or "" once it no longer stands. */
function stored(db, reference) {
  const [row] = queryRows(db, "select centre_id from applications where reference = ?", [reference]);
  return row ? row[0] : "";
}

/** Fills the change form (the form, without a reference): every answer again, as a person would. */
async function fillChange(page, reference, idNumber, centre) {
  if (reference) await page.fill("#reference", reference.toLowerCase().replace("-", " "));
  await page.selectOption("#centre", centre);
  for (const week of ["#week1", "#week2", "#week3"]) await page.selectOption(week, "any");
  await page.fill("#id_number", idNumber);
  await page.fill("#birth_date", birthDate(idNumber));
  await page.fill("#full_name", "Siti binti Ali");
  await page.fill("#phone", "012-345 6789");
  await page.check("#consent");
}

test("with JavaScript: change a centre, a stranger is not found, withdraw, in both languages", async () => {
  const stack = await startStack();
  const context = await browser.newContext({ viewport: { width: 412, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST") posts.push(new URL(r.url()).pathname); });
  try {
    for (const [lang, id] of [["en", "560101-14-8001"], ["ms", "560101-14-8002"]]) {
      const reference = await apply(stack, id, lang);
      await page.goto(`${stack.url}/${lang}/change/`);
      assert.equal(await page.getAttribute("html", "lang"), lang);
      await noAxeViolations(page, `${lang}: the empty change page`);

      // A wrong reference is named before anything is sent.
      await page.fill("#reference", "ABCDE-2345");
      await page.click("#submit");
      assert.ok(await page.isVisible("#reference-error"), `${lang}: the reference is checked`);

      // Someone else's identity number on a real reference: "not found", and nothing changes.
      await fillChange(page, reference, "700101-14-8003", "KUL-0001");
      await page.click("#submit");
      await page.waitForSelector("#error-summary:not([hidden])");
      assert.equal(await page.textContent("#error-summary h2"), texts[lang].notFound);
      assert.equal(stored(stack.db, reference), "SGR-0001");
      await noAxeViolations(page, `${lang}: not found`);

      await fillChange(page, reference, id, "KUL-0001");
      await page.click("#submit");
      await page.waitForSelector("#success:not([hidden])");
      assert.equal(await page.textContent("#success-title"), texts[lang].saved);
      assert.equal(await page.textContent("#success-reference"), reference);
      assert.equal(stored(stack.db, reference), "KUL-0001", `${lang}: the centre is changed`);
      assert.equal(posts.at(-1), `/api/v1/applications/${reference}`, "with scripts, to the application's own address");
      await page.screenshot({ path: join(artefacts, `change-js-${lang}.png`), fullPage: true });
      await noAxeViolations(page, `${lang}: changed`);

      await page.fill("#withdraw-reference", reference);
      await page.click("#withdraw-submit");
      assert.ok(await page.isVisible("#withdraw-id_number-error"), `${lang}: the identity number is asked for`);
      await page.fill("#withdraw-id_number", id);
      await page.click("#withdraw-submit");
      await page.waitForSelector("#withdraw-answer:not([hidden])");
      assert.equal(await page.textContent("#withdraw-answer h3"), texts[lang].withdrawn);
      assert.equal(stored(stack.db, reference), "", `${lang}: withdrawn`);
      await noAxeViolations(page, `${lang}: withdrawn`);
    }
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await context.close();
    await stack.stop();
  }
});

test("without JavaScript: the forms post and intake answers with a page, in both languages", async () => {
  const stack = await startStack();
  const context = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    for (const [lang, id] of [["en", "570101-14-8004"], ["ms", "570101-14-8005"]]) {
      const reference = await apply(stack, id, lang);
      await page.goto(`${stack.url}/${lang}/change/`);
      await fillChange(page, reference, id, "KUL-0001");
      await Promise.all([page.waitForNavigation(), page.click("#submit")]);
      assert.equal(await page.textContent("h1"), texts[lang].changed);
      assert.equal(await page.getAttribute("html", "lang"), lang);
      assert.equal(stored(stack.db, reference), "KUL-0001");
      await page.screenshot({ path: join(artefacts, `change-nojs-${lang}.png`), fullPage: true });

      await page.goto(`${stack.url}/${lang}/change/`);
      await page.fill("#withdraw-reference", reference);
      await page.fill("#withdraw-id_number", id);
      await Promise.all([page.waitForNavigation(), page.click("#withdraw-submit")]);
      assert.equal(await page.textContent("h1"), texts[lang].withdrawn);
      assert.equal(stored(stack.db, reference), "");
    }
  } finally {
    await context.close();
    await stack.stop();
  }
});

test("the success answer and the 'already applied' answer link to the change page, with JavaScript", async () => {
  const stack = await startStack();
  const context = await browser.newContext({ viewport: { width: 412, height: 900 } });
  const page = await context.newPage();
  try {
    for (const [lang, id] of [["en", "580101-14-8006"], ["ms", "580101-14-8007"]]) {
      await page.goto(`${stack.url}/${lang}/`);
      await fillChange(page, null, id, "SGR-0001");
      await page.click("#submit");
      await page.waitForSelector("#success:not([hidden])");
      assert.ok(await page.isVisible(`#success a[href='/${lang}/change/']`), `${lang}: the success panel links to the change page`);
      await page.click("#start-again");
      await page.fill("#id_number", id);
      await page.fill("#birth_date", birthDate(id));
      await page.fill("#full_name", "Siti binti Ali");
      await page.fill("#phone", "013-999 8888");
      await page.check("#consent");
      await page.click("#submit");
      await page.waitForSelector("#error-summary:not([hidden])");
      const link = `#error-summary a[href='/${lang}/change/']`;
      assert.ok(await page.isVisible(link), `${lang}: "already applied" links to the change page`);
      await Promise.all([page.waitForNavigation(), page.click(link)]);
      assert.equal(new URL(page.url()).pathname, `/${lang}/change/`);
    }
  } finally {
    await context.close();
    await stack.stop();
  }
});
