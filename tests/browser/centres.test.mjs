// Finding the right centre among hundreds, as an applicant on a desktop or a
// cheap phone would: searching a town, a postcode or a Malay abbreviation,
// "nearest to me" from Kuala Lumpur, checking the chosen centre's address,
// and, without JavaScript, reaching every centre through the state pages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inNewPage, noAxeViolations } from "./page.mjs";
import { artefacts, launch, root, startStack } from "./stack.mjs";

const centreCount = readFileSync(join(root, "data", "centres.csv"), "utf8").trim().split("\n").length - 1;
let browser, stack;
before(async () => { browser = await launch(); stack = await startStack(); });
after(async () => { await stack?.stop(); await browser?.close(); });

const viewports = { desktop: { width: 1280, height: 900 }, phone: { width: 360, height: 740 } };
const shot = (page, name) => page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });

const withPage = (options, body) => inNewPage(browser, options, body);

const resultIds = (page) => page.$$eval("#centre-results [role=option]", (os) => os.map((o) => o.id.replace("result-", "")));

async function search(page, text) {
  await page.fill("#centre-search", text);
  await page.waitForSelector("#centre-results [role=option]");
  return resultIds(page);
}

for (const lang of ["en", "ms"]) {
  for (const [size, viewport] of Object.entries(viewports)) {
    test(`${lang}, ${size}: a town, a postcode and Malay abbreviations find their centres; choosing shows the address`, () =>
      withPage({ viewport, bypassCSP: true }, async (page) => {
        await page.goto(`${stack.url}/${lang}/`);
        await page.waitForSelector("#centre-search", { state: "visible" });
        const kluang = await search(page, "KLUANG");
        assert.ok(kluang.includes("JHR-0003"), `a town finds its centres: ${kluang}`);
        const texts = await page.$$eval("#centre-results [role=option]", (os) => os.map((o) => o.textContent));
        assert.ok(texts.every((t) => t.includes("Kluang")), `results show district and address: ${texts}`);
        assert.match(await page.textContent("#centre-results-status"), /\d/, "the number found is announced");
        await noAxeViolations(page, `${lang} ${size} results`);

        assert.deepEqual(await search(page, "81900"), ["JHR-0006"], "a postcode finds its centre");
        assert.ok((await search(page, "jln kg baru kluang")).includes("JHR-0003"), "Jln Kg finds Jalan Kampung");
        const kl = await search(page, "kl wangsa maju");
        assert.ok(kl.length > 0 && kl.every((id) => id.startsWith("KUL-")), `KL finds Kuala Lumpur: ${kl}`);

        await search(page, "81900");
        await page.press("#centre-search", "ArrowDown");
        assert.equal(await page.getAttribute("#centre-search", "aria-activedescendant"), "result-JHR-0006");
        await page.press("#centre-search", "Enter");
        assert.equal(await page.inputValue("#centre"), "JHR-0006", "the keyboard chooses the centre");
        const details = await page.textContent("#centre-details");
        assert.ok(details.includes("Hospital Kota Tinggi") && details.includes("81900 Kota Tinggi"), details);
        // The whole name is readable on a phone: nothing cut off.
        const cut = await page.$eval("#centre-details .centre-name", (n) => n.scrollWidth > n.clientWidth);
        assert.equal(cut, false);
        await shot(page, `centres-${lang}-${size}-chosen`);
        await noAxeViolations(page, `${lang} ${size} chosen`);
      }));
  }

  test(`${lang}: "nearest to me" in Kuala Lumpur lists a Kuala Lumpur centre first, with its distance`, () =>
    withPage({
      viewport: viewports.phone,
      geolocation: { latitude: 3.1478, longitude: 101.7123 },
      permissions: ["geolocation"],
    }, async (page) => {
      await page.goto(`${stack.url}/${lang}/`);
      await page.click("#centre-nearest");
      await page.waitForSelector("#centre-results [role=option]");
      const ids = await resultIds(page);
      assert.ok(ids[0].startsWith("KUL-"), `nearest first: ${ids}`);
      assert.match(await page.textContent("#centre-results [role=option]"), /W\.P\. Kuala Lumpur.*\d+\.\d km/);
      await page.click(`#result-${ids[0]}`);
      assert.equal(await page.inputValue("#centre"), ids[0]);
      assert.match(await page.textContent("#centre-details"), /Kuala Lumpur/);
      await shot(page, `centres-${lang}-nearest`);
    }));

  for (const [size, viewport] of Object.entries(viewports)) {
    test(`${lang}, ${size}: without JavaScript every centre is in the list and on its state's page`, async () => {
      await withPage({ viewport, javaScriptEnabled: false }, async (page) => {
        await page.goto(`${stack.url}/${lang}/`);
        assert.equal(await page.isVisible("#centre-search"), false, "no search box that cannot work");
        const ids = await page.$$eval("#centre option[value]", (os) => os.map((o) => o.value).filter(Boolean));
        assert.equal(new Set(ids).size, centreCount, "every centre can be chosen");
        const links = await page.$$eval("ul.state-pages a", (as) => as.map((a) => a.href));
        assert.equal(links.length, 16);
        let listed = 0;
        for (const link of links) {
          await page.goto(link);
          listed += await page.locator("ul.centres > li").count();
        }
        assert.equal(listed, centreCount, "the state pages list every centre");
        await page.goto(`${stack.url}/${lang}/`);
        await page.click("ul.state-pages a:text('W.P. Kuala Lumpur')");
        assert.match(await page.textContent("#KUL-0003"), /226, Persiaran Dewan, 53320 Wangsa Maju/);
        await shot(page, `centres-${lang}-${size}-state-page`);
      });
      await withPage({ viewport, bypassCSP: true }, async (page) => {
        await page.goto(`${stack.url}/${lang}/centres/kul.html`);
        await noAxeViolations(page, `${lang} ${size} state page`);
      });
    });
  }

  test(`${lang}: when the centre finder cannot load, the list still works`, () =>
    withPage({}, async (page) => {
      await page.route("**/assets/finder-*", (route) => route.abort());
      await page.goto(`${stack.url}/${lang}/`);
      await page.waitForLoadState("load");
      await page.selectOption("#centre", "SGR-0001");
      assert.equal(await page.isVisible("#centre-search"), false, "no search box without its index");
      const closed = await page.$$eval("#week1 option:disabled", (os) => os.map((o) => o.value));
      assert.deepEqual(closed, ["2028-01-16"], "days are still narrowed to the centre's open days");
    }));
}
