// The lottery commitment on the "how it works" page, in both languages:
// shown whole, readable on a phone, and without axe-core violations.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noAxeViolations } from "./page.mjs";
import { artefacts, launch, root, startStack } from "./stack.mjs";

const commitment = "sha256:6ae9e4d22c4670b9140fc378214b3274fb3f64d16058717f974515000680b24c";
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The sample campaign, committed to a seed. */
function committedCampaign() {
  const data = mkdtempSync(join(tmpdir(), "temujanji-committed-"));
  for (const file of ["campaign.toml", "centres.csv", "closures.csv"]) copyFileSync(join(root, "data", file), join(data, file));
  // At the top: the file ends in the [helpline] table.
  const toml = join(data, "campaign.toml");
  writeFileSync(toml, `lottery_commitment = "${commitment}"\n${readFileSync(toml, "utf8")}`);
  return data;
}

test("the how-it-works page shows the commitment in English and Malay, on a phone", async () => {
  const stack = await startStack([], committedCampaign());
  const context = await browser.newContext({ viewport: { width: 360, height: 800 }, bypassCSP: true });
  const page = await context.newPage();
  try {
    for (const lang of ["en", "ms"]) {
      await page.goto(`${stack.url}/${lang}/how-it-works.html`);
      assert.equal(await page.getAttribute("html", "lang"), lang);
      assert.equal(await page.textContent("code.commitment"), commitment, `${lang}: the commitment, whole`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${lang}: the page fits a 360px screen (${overflow}px too wide)`);
      await page.screenshot({ path: join(artefacts, `how-commitment-${lang}.png`), fullPage: true });
      await noAxeViolations(page, lang);
    }
  } finally {
    await context.close();
    await stack.stop();
  }
});
