// What the tests do to a page in any test file: audit it with axe-core, and
// run a body in a fresh browser context that fails on any script error.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's violations on the page as it stands, one line each (rule: elements). */
export async function axeViolations(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Fails, naming `label`, when axe-core finds any violation on the page. */
export async function noAxeViolations(page, label) {
  assert.deepEqual(await axeViolations(page), [], `${label}: axe-core violations`);
}

/** Runs `body(page, context)` in a new context of `browser`; fails on any uncaught script error. */
export async function inNewPage(browser, options, body) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await body(page, context);
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await context.close();
  }
}
