// What the form says and keeps, in both languages, with and without
// JavaScript: consent per person, drafts on a shared device, honest promises
// about what is kept, a repeated submission, and a day removed by a new centre.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { inNewPage, noAxeViolations } from "./page.mjs";
import { launch, startStack, storedReferences } from "./stack.mjs";

let browser;
let stack;
before(async () => {
  browser = await launch();
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
  await browser?.close();
});

// The texts each test looks for, as the applicant reads them.
const say = {
  en: {
    consentMissing: "Tick the box to agree",
    cleared: "The form is cleared",
    draftNote: /keeps your answers on this device for at most 2 hours/,
    deviceClaim: /on this device/,
    backHint: /document number may be empty\. Check it and type it again/,
    received: "Application received",
    already: "Application already received",
    dayCleared: "The centre you chose is closed on Sun 16 Jan 2028, so that day was removed.",
  },
  ms: {
    consentMissing: "Tandakan kotak",
    cleared: "Borang telah dikosongkan",
    draftNote: /menyimpan jawapan anda pada peranti ini paling lama 2 jam/,
    deviceClaim: /pada peranti ini/,
    backHint: /nombor dokumen mungkin kosong\. Semak dan taip semula/,
    received: "Permohonan diterima",
    already: "Permohonan telah diterima sebelum ini",
    dayCleared: "Pusat yang anda pilih ditutup pada Ahd 16 Jan 2028, jadi hari itu telah dibuang.",
  },
};

// One MyKad per test and language, so the tests share one stack without clashing.
let serial = 10;
function person() {
  serial += 1;
  return { mykad: `6001${serial}-01-4444`, digits: `6001${serial}014444`, birth: `1960-01-${serial}` };
}

async function fill(page, who) {
  await page.selectOption("#centre", "SGR-0001");
  await page.selectOption("#week1", "2028-01-11");
  await page.selectOption("#week2", "any");
  await page.selectOption("#week3", "2028-01-24");
  await page.fill("#id_number", who.mykad);
  await page.fill("#birth_date", who.birth);
  await page.fill("#full_name", "Ahmad bin Ali @ Abu");
  await page.fill("#phone", "012-345 6789");
  await page.check("#consent");
}

const draft = (page) => page.evaluate(() =>
  Object.keys(localStorage).filter((k) => k.startsWith("temujanji-draft")).map((k) => localStorage.getItem(k)).join());

const withPage = (options, body) => inNewPage(browser, { bypassCSP: true, ...options }, body);

for (const lang of ["en", "ms"]) {
  const t = say[lang];

  test(`${lang}: "apply for someone else" asks for consent again`, () => withPage({}, async (page) => {
    await page.goto(`${stack.url}/${lang}/`);
    await fill(page, person());
    await page.click("#submit");
    await page.waitForSelector("#success:not([hidden])", { timeout: 15000 });
    await page.click("#start-again");
    assert.equal(await page.isChecked("#consent"), false, "consent is not carried over to the next person");
    const next = person();
    await page.fill("#id_number", next.mykad);
    await page.fill("#birth_date", next.birth);
    await page.fill("#full_name", "Aminah binti Ahmad");
    await page.click("#submit");
    assert.match(await page.textContent("#consent-error"), new RegExp(t.consentMissing));
    assert.deepEqual(storedReferences(stack.db, next.digits), [], "nothing sent without the person's own consent");
  }));

  test(`${lang}: a draft is cleared on request, once stored, and when it expires`, () => withPage({}, async (page, context) => {
    const start = new Date("2027-06-01T10:00:00+08:00");
    await context.clock.setFixedTime(start);
    await page.goto(`${stack.url}/${lang}/`);
    assert.match(await page.textContent("#draft-note"), t.draftNote, "the page says how long it keeps answers");
    const first = person();
    await fill(page, first);
    await page.reload();
    assert.equal(await page.inputValue("#id_number"), first.mykad, "a reload keeps the answers");

    await page.click("#clear-form");
    assert.match(await page.textContent("#status"), new RegExp(t.cleared), "the clearing is announced");
    assert.equal(await page.inputValue("#id_number"), "");
    assert.equal(await page.inputValue("#centre"), "");
    assert.equal(await page.isChecked("#consent"), false);
    assert.equal(await draft(page), "", "nothing left on the device");
    await noAxeViolations(page, "form after clearing");
    await page.reload();
    assert.equal(await page.inputValue("#id_number"), "", "nothing comes back after a reload");

    await fill(page, first);
    await page.click("#submit");
    await page.waitForSelector("#success:not([hidden])", { timeout: 15000 });
    assert.equal(await draft(page), "", "the draft is gone once the application is stored");
    await page.click("#start-again");
    assert.ok(!(await draft(page)).includes(first.mykad), "the next person's draft holds no earlier identity");

    const second = person();
    await page.fill("#id_number", second.mykad);
    await context.clock.setFixedTime(new Date(start.getTime() + 90 * 60000));
    await page.reload();
    assert.equal(await page.inputValue("#id_number"), second.mykad, "a draft lasts through a short break");
    await page.fill("#full_name", "Aminah binti Ahmad");
    await context.clock.setFixedTime(new Date(start.getTime() + (90 + 121) * 60000));
    await page.reload();
    assert.equal(await page.inputValue("#id_number"), "", "an old draft is not restored");
    assert.equal(await page.inputValue("#full_name"), "");
    assert.equal(await draft(page), "", "an old draft is removed from the device");
  }));

  test(`${lang}: without JavaScript the page promises only what it does`, () => withPage({ javaScriptEnabled: false }, async (page) => {
    await page.goto(`${stack.url}/${lang}/`);
    const visible = await page.innerText("main");
    assert.doesNotMatch(visible, t.deviceClaim, "nothing is kept on the device without scripts");
    const who = person();
    await fill(page, who);
    await page.selectOption("#week1", "2028-01-16"); // SGR-0001 rests on Sundays
    await page.click("#submit");
    assert.match(await page.textContent("main"), t.backHint, "the answer page says what Back gives back");
    await page.goBack();
    assert.equal(await page.inputValue("#centre"), "SGR-0001");
    assert.equal(await page.inputValue("#week3"), "2028-01-24");
    assert.equal(await page.inputValue("#full_name"), "Ahmad bin Ali @ Abu");
    assert.equal(await page.inputValue("#phone"), "012-345 6789");
    assert.ok(["", who.mykad].includes(await page.inputValue("#id_number")));
    await page.fill("#id_number", who.mykad);
    await page.selectOption("#week1", "2028-01-11");
    await page.click("#submit");
    assert.equal(storedReferences(stack.db, who.digits).length, 1, "sent after the correction");
  }));

  test(`${lang}: with JavaScript the page says how long it keeps answers`, () => withPage({}, async (page) => {
    await page.goto(`${stack.url}/${lang}/`);
    assert.match(await page.innerText("main"), t.draftNote);
    await noAxeViolations(page, "form with scripts");
  }));

  test(`${lang}: a repeated submission is "already received" with and without JavaScript`, async () => {
    const who = person();
    let reference;
    await withPage({}, async (page) => {
      await page.goto(`${stack.url}/${lang}/`);
      await fill(page, who);
      await page.click("#submit");
      await page.waitForSelector("#success:not([hidden])", { timeout: 15000 });
      assert.equal((await page.textContent("#success-title")).trim(), t.received);
      reference = (await page.textContent("#success-reference")).trim();
      await page.goto(`${stack.url}/${lang}/`);
      await fill(page, who);
      await page.click("#submit");
      await page.waitForSelector("#success:not([hidden])", { timeout: 15000 });
      assert.equal((await page.textContent("#success-title")).trim(), t.already);
      assert.equal((await page.textContent("#success-reference")).trim(), reference, "the original reference");
    });
    await withPage({ javaScriptEnabled: false }, async (page) => {
      await page.goto(`${stack.url}/${lang}/`);
      await fill(page, who);
      await page.click("#submit");
      assert.equal((await page.textContent("h1")).trim(), t.already, "the plain form says the same");
      assert.equal((await page.textContent(".reference")).trim(), reference);
    });
    assert.deepEqual(storedReferences(stack.db, who.digits), [reference], "stored once");
  });

  test(`${lang}: a day closed at the newly chosen centre is removed, and the page says so`, () => withPage({}, async (page) => {
    await page.goto(`${stack.url}/${lang}/`);
    await page.selectOption("#state", "jhr");
    await page.selectOption("#centre", "JHR-0003"); // open every day
    await page.selectOption("#week1", "2028-01-16");
    await page.selectOption("#week2", "2028-01-18");
    await page.selectOption("#state", "sgr");
    await page.selectOption("#centre", "SGR-0001"); // rests on Sundays
    assert.equal(await page.inputValue("#week1"), "", "the closed day is no longer chosen");
    assert.equal(await page.inputValue("#week2"), "2028-01-18", "an open day stays chosen");
    assert.ok((await page.textContent("#week1-note")).startsWith(t.dayCleared), "said next to the field");
    assert.equal(await page.getAttribute("#week1-note", "aria-live"), "polite", "and read out");
    assert.ok((await page.getAttribute("#week1", "aria-describedby")).split(" ").includes("week1-note"));
    assert.equal((await page.textContent("#week2-note")).trim(), "");
    await noAxeViolations(page, "form with a removed day");
    await page.selectOption("#week1", "any");
    assert.equal((await page.textContent("#week1-note")).trim(), "", "the note goes once a new day is chosen");
  }));
}
