// Age and identity in the browser, in both languages: the form asks every
// applicant for their date of birth and says why, and refuses a child's card,
// a MyKad typed as a passport, invisible characters in a name and an email
// that is not an address, each with the server's message.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, startStack, storedReferences } from "./stack.mjs";

let browser, stack;
before(async () => { browser = await launch(); stack = await startStack(); });
after(async () => { await stack?.stop(); await browser?.close(); });

const SAYS = {
  en: {
    why: "right place in the queue",
    missing: "Enter your date of birth",
    young: "at least 18 years old",
    mykad: "This is a MyKad number: choose MyKad",
    invisible: "invisible character (U+202E)",
    email: "Enter an email address like",
  },
  ms: {
    why: "tempat yang betul dalam giliran",
    missing: "Masukkan tarikh lahir anda",
    young: "sekurang-kurangnya 18 tahun",
    mykad: "Ini nombor MyKad: pilih MyKad",
    invisible: "tidak kelihatan (U+202E)",
    email: "Masukkan alamat e-mel seperti",
  },
};

async function fill(page, { idType = "mykad", idNumber, birthDate = "", name = "Siti Nurhaliza binti Tarudin", email = "" }) {
  await page.selectOption("#centre", "SGR-0001");
  for (const week of ["#week1", "#week2", "#week3"]) await page.selectOption(week, "any");
  await page.check(`#id_type-${idType}`);
  await page.fill("#id_number", idNumber);
  await page.fill("#birth_date", birthDate);
  await page.fill("#full_name", name);
  await page.fill("#phone", "012-345 6789");
  await page.fill("#email", email);
  await page.check("#consent");
}

async function problems(page) {
  await page.click("#submit");
  await page.waitForSelector("#error-summary:not([hidden])", { timeout: 10000 });
  return (await page.$$eval("#error-summary li", (ls) => ls.map((l) => l.textContent))).join("\n");
}

for (const lang of ["en", "ms"]) {
  test(`${lang}: every applicant gives a birth date, and a child's MyKad is never a centenarian's`, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${stack.url}/${lang}/`);
      assert.ok(await page.getAttribute("#birth_date", "required") !== null, "marked required");
      assert.match(await page.textContent("#birth_date-hint"), new RegExp(SAYS[lang].why));
      await fill(page, { idNumber: "120314-10-5127" });
      assert.match(await problems(page), new RegExp(SAYS[lang].missing));
      await fill(page, { idNumber: "120314-10-5127", birthDate: "2012-03-14" });
      assert.match(await problems(page), new RegExp(SAYS[lang].young));
      assert.deepEqual(storedReferences(stack.db, "120314105127"), [], "nothing stored");
    } finally {
      await context.close();
    }
  });

  test(`${lang}: a MyKad as passport, a hidden direction change and a formula email are refused`, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${stack.url}/${lang}/`);
      await fill(page, { idType: "passport", idNumber: "750808105432", birthDate: "1975-08-08" });
      assert.match(await problems(page), new RegExp(SAYS[lang].mykad));
      await fill(page, { idNumber: "750808-10-5432", birthDate: "1975-08-08", name: "Siti \u202enidraT" });
      assert.match(await problems(page), new RegExp(SAYS[lang].invisible.replace(/[()+]/g, "\\$&")));
      await fill(page, { idNumber: "750808-10-5432", birthDate: "1975-08-08", email: "=HYPERLINK(\"x\")@example.my" });
      assert.match(await problems(page), new RegExp(SAYS[lang].email));
      assert.deepEqual(storedReferences(stack.db, "750808105432"), [], "nothing stored");
    } finally {
      await context.close();
    }
  });
}

test("a centenarian who gives their birth date is accepted", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${stack.url}/en/`);
    await fill(page, { idNumber: "120314-10-5127", birthDate: "1912-03-14" });
    await page.click("#submit");
    await page.waitForSelector("#success:not([hidden])", { timeout: 15000 });
    const reference = (await page.textContent("#success-reference")).trim();
    assert.deepEqual(storedReferences(stack.db, "120314105127"), [reference]);
  } finally {
    await context.close();
  }
});
