// A person applying in Debian's Chromium, as they would: with JavaScript in
// Malay, without JavaScript, and through a moment when intake answers 503.
// axe-core checks the pages; screenshots of each step go to test-artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { noAxeViolations } from "./page.mjs";
import { artefacts, holdWriteLock, launch, startStack, storedReferences } from "./stack.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const shot = (page, name) => page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });

async function fillApplication(page, idNumber) {
  await page.selectOption("#centre", "SGR-0001");
  for (const week of ["#week1", "#week2", "#week3"]) await page.selectOption(week, { index: 1 });
  await page.fill("#id_number", idNumber);
  // The form asks every applicant for the full date; these cards are all from the 1950s.
  await page.fill("#birth_date", `19${idNumber.slice(0, 2)}-${idNumber.slice(2, 4)}-${idNumber.slice(4, 6)}`);
  await page.fill("#full_name", "Ahmad bin Ali @ Abu");
  await page.fill("#phone", "012-345 6789");
  await page.check("#consent");
}

test("with JavaScript, in Malay: state, centre, days, identity, reference", async () => {
  const stack = await startStack();
  // CSP stays on: the page must work under intake's strict policy; axe is
  // injected only after the flow, in a second context that bypasses it.
  const context = await browser.newContext({ viewport: { width: 412, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(`${stack.url}/en/`);
    await page.click("header a[hreflang=ms]");
    assert.equal(await page.getAttribute("html", "lang"), "ms");
    await shot(page, "js-1-malay-form");
    await page.selectOption("#state", "sgr");
    const offered = await page.$$eval("#centre option[value]", (os) => os.map((o) => o.value).filter(Boolean));
    assert.ok(offered.every((id) => id.startsWith("SGR-")), "the state narrows the centres");
    await page.selectOption("#centre", "SGR-0001");
    const closed = await page.$$eval("#week1 option:disabled", (os) => os.map((o) => o.value));
    assert.deepEqual(closed, ["2028-01-16"], "the centre's rest day (Sunday) is not offered");
    await page.click("#submit");
    const problems = await page.$$eval("#error-summary li", (ls) => ls.map((l) => l.textContent));
    assert.ok(problems.some((p) => p.includes("Masukkan nombor telefon bimbit")), `errors in Malay: ${problems}`);
    await shot(page, "js-2-errors");
    await page.selectOption("#week1", "2028-01-11");
    await page.selectOption("#week2", "any");
    await page.selectOption("#week3", "2028-01-24");
    await page.fill("#id_number", "520101-01-1111");
    await page.fill("#birth_date", "1952-01-01");
    await page.fill("#full_name", "Siti Nurhaliza binti Tarudin");
    await page.fill("#phone", "012-345 6789");
    await page.check("#consent");
    await page.click("#submit");
    await page.waitForSelector("#success:not([hidden])", { timeout: 15000 });
    const reference = (await page.textContent("#success-reference")).trim();
    assert.match(reference, /^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);
    assert.deepEqual(storedReferences(stack.db, "520101011111"), [reference], "stored once, under that reference");
    await shot(page, "js-3-success");
    assert.deepEqual(errors, [], "no script errors");

    const audit = await browser.newContext({ bypassCSP: true });
    const auditPage = await audit.newPage();
    await auditPage.goto(`${stack.url}/ms/`);
    await noAxeViolations(auditPage, "form");
    await auditPage.setContent(await page.content(), { waitUntil: "load" });
    await noAxeViolations(auditPage, "success view");
    await audit.close();
  } finally {
    await context.close();
    await stack.stop();
  }
});

test("without JavaScript: the plain form posts and intake answers with the reference", async () => {
  const stack = await startStack();
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(`${stack.url}/en/`);
    assert.equal(await page.isVisible("#state"), false, "the state filter needs scripts");
    await fillApplication(page, "530101-01-2222");
    await page.selectOption("#week1", "2028-01-16"); // a Sunday: SGR-0001 rests
    await page.click("#submit");
    assert.match(await page.textContent("main"), /The centre you chose is closed on Sun 16 Jan 2028/);
    await shot(page, "nojs-1-closed-day");
    await page.goBack();
    await fillApplication(page, "530101-01-2222");
    await page.click("#submit");
    const reference = (await page.textContent(".reference")).trim();
    assert.deepEqual(storedReferences(stack.db, "530101012222"), [reference]);
    await shot(page, "nojs-2-success");
  } finally {
    await context.close();
    await stack.stop();
  }
});

test("while intake answers 503 the page retries by itself and succeeds, nothing retyped", async () => {
  const stack = await startStack(["--commit-timeout", "1", "--retry-after", "1"]);
  const context = await browser.newContext();
  const page = await context.newPage();
  const statuses = [];
  page.on("response", (r) => { if (new URL(r.url()).pathname === "/api/v1/applications") statuses.push(r.status()); });
  try {
    await page.goto(`${stack.url}/en/`);
    await fillApplication(page, "540101-01-3333");
    const lock = await holdWriteLock(stack.db, 4);
    await page.click("#submit");
    await page.waitForFunction(() => document.querySelector("#status").textContent.includes("busy"), null, { timeout: 10000 });
    await shot(page, "busy-1-retrying");
    await page.waitForSelector("#success:not([hidden])", { timeout: 30000 });
    lock.kill();
    assert.ok(statuses.includes(503), `intake refused first: ${statuses}`);
    assert.ok([200, 201].includes(statuses.at(-1)), `then accepted: ${statuses}`);
    const reference = (await page.textContent("#success-reference")).trim();
    assert.deepEqual(storedReferences(stack.db, "540101013333"), [reference], "exactly one application, the one shown");
    await shot(page, "busy-2-success");
  } finally {
    await context.close();
    await stack.stop();
  }
});
