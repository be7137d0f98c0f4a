import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, logIn, spokenVideo } from "./helpers";

// The admin's tools on the fake engine (port 3100): the history shows a finished batch with
// both phases; a re-run of one submission adds a new AI run, runs no STT for it, and the
// diff compares the two; a batch size saved in the settings applies to the next batch; a
// pause shows in the live status; /metrics answers.

test.setTimeout(120_000);

const config = join(__dirname, "..", "..", "target", "e2e-data-fake", "viva.toml");

function submit(student: string, video: string) {
  execFileSync(process.env.E2E_VIVA_BIN!, [
    "--config", config, "submit", "--student", student, "--lab-session", "1", video,
  ]);
}

/** The history row of `student`'s newest submission, once it reached `state`. */
async function historyRow(page: Page, student: string, state: string) {
  const row = page.locator("table.history tbody tr", { hasText: student }).first();
  await expect(async () => {
    await page.goto("/admin/history");
    await expect(row).toHaveAttribute("data-state", state, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  return row;
}

async function saveSettings(page: Page, batchSize: string, linger: string) {
  await page.goto("/admin/settings");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByLabel("Batch size").fill(batchSize);
  await page.getByLabel("Linger (seconds)").fill(linger);
  await page.getByRole("button", { name: "Check the models and save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
}

test("history, a re-run with its diff, settings for the next batch, pause, metrics", async ({ page }) => {
  const video = spokenVideo("I timed the pendulum ten times and plotted the period.");
  submit("e2e-historian", video);
  await logIn(page, "e2e-admin", "e2e-admin-password");

  // The history: the finished batch with both its phases, on the timeline too.
  const row = await historyRow(page, "E2E Historian", "evaluated");
  await expect(row.locator("td.timeline")).toContainText("STT start");
  await expect(row.locator("td.timeline")).toContainText("evaluated");
  const batch = Number(await row.locator("td").nth(5).textContent());
  const section = page.locator(`section.batch-history[data-batch="${batch}"]`);
  await expect(section.locator('tr[data-phase="STT"] td').nth(3)).toHaveText(/\d+\.\d s/);
  await expect(section.locator('tr[data-phase="Evaluation"] td').nth(3)).toHaveText(/\d+\.\d s/);
  await expect(page.locator(`.gpu-timeline rect.band-stt[data-batch="${batch}"]`)).toHaveCount(1);
  await expect(page.locator(`.gpu-timeline rect.band-evaluation[data-batch="${batch}"]`)).toHaveCount(1);
  await expectAccessible(page, "admin-history");
  await page.screenshot({ path: "screenshots/admin-history.png", fullPage: true });

  // The filters name lab sessions (and instructors): another lab session's filter leaves the
  // row out, its own brings it back.
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  const labFilter = page.locator('form.filters select[name="lab_session"]');
  const labOption = (title: string) =>
    labFilter.locator("option", { hasText: new RegExp(`^${title} · E2E Instructor \\(#\\d+\\)$`) });
  await labFilter.selectOption(await labOption("E2E review lab").getAttribute("value"));
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.locator("table.history tbody tr", { hasText: "E2E Historian" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: /^Submissions \(\d+\)$/ })).toBeVisible();
  await labFilter.selectOption(await labOption("E2E lab").getAttribute("value"));
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(row).toBeVisible();

  // A re-run of that submission: a second AI run, made without STT, and the diff.
  await row.getByRole("link").first().click();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.locator("table.evaluation-runs tbody tr")).toHaveCount(1);
  // The LLM is picked from the models folder; the configured one is the default.
  await expect(page.getByLabel("LLM").locator("option").first()).toHaveText(/^The configured one \(.+\)$/);
  await expect(page.getByLabel("LLM")).toHaveValue("");
  await page.getByLabel("Reason").fill("second opinion");
  await page.getByRole("button", { name: "Queue the re-run" }).click();
  await expect(page.getByRole("status").filter({ hasText: "1 queued for a re-run." })).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(page.locator("table.evaluation-runs tbody tr")).toHaveCount(2, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  const runs = page.locator("table.engine-runs tbody tr");
  await expect(runs.and(page.locator('[data-phase="stt"]'))).toHaveCount(1);
  await expect(runs.and(page.locator('[data-phase="evaluation"]'))).toHaveCount(2);
  await expect(page.locator("table.run-diff tbody tr")).not.toHaveCount(0);
  await expect(page.locator("table.evaluation-runs tbody tr").nth(1)).toContainText("second opinion");
  await expectAccessible(page, "admin-runs");
  await page.screenshot({ path: "screenshots/admin-runs.png", fullPage: true });

  try {
    // Batch size 2 with a linger long enough for two uploads: the next batch holds both.
    await saveSettings(page, "2", "60");
    await expectAccessible(page, "admin-settings");
    submit("e2e-historian", video);
    submit("e2e-other", video);
    const next = await historyRow(page, "E2E Historian", "evaluated");
    const seq = Number(await next.locator("td").nth(5).textContent());
    expect(seq).toBeGreaterThan(batch);
    await expect(page.locator(`section.batch-history[data-batch="${seq}"] h3`)).toContainText("2 items");

    // A pause shows in everyone's live status, and goes away on resume.
    await page.goto("/admin/settings");
    await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
    await page.getByRole("button", { name: "Pause after the running batch" }).click();
    await expect(page.locator(".status-paused")).toBeVisible({ timeout: 15_000 });
    await page.screenshot({ path: "screenshots/admin-settings.png", fullPage: true });
    await page.getByRole("button", { name: "Resume" }).click();
    await expect(page.locator(".status-paused")).toHaveCount(0, { timeout: 15_000 });
  } finally {
    // The other tests expect one submission a batch, at once.
    await saveSettings(page, "1", "0");
  }

  const metrics = await page.request.get("/metrics");
  expect(metrics.status()).toBe(200);
  const text = await metrics.text();
  expect(text).toContain('viva_queue_depth{state="evaluated"}');
  expect(text).toContain("viva_phase_seconds_bucket");
});
