import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";

// The live status on a student's home page follows the GPU queue without a reload: waiting
// behind another student's batch, then processing, then done. The server runs the scripted
// fake engine (serve.sh); submissions are queued with `viva submit`, like an upload.

const config = join(__dirname, "..", "..", "target", "e2e-data-fake", "viva.toml");

function submit(student: string, video: string) {
  execFileSync(process.env.E2E_VIVA_BIN!, [
    "--config", config, "submit", "--student", student, "--lab-session", "1", video,
  ]);
}

function makeVideo(): string {
  const video = join(mkdtempSync(join(tmpdir(), "viva-e2e-")), "talk.mp4");
  execFileSync("ffmpeg", [
    "-nostdin", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", "color=c=blue:s=160x120:r=10:d=2",
    "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
    "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", video,
  ]);
  return video;
}

test("a student's status moves from waiting to processing to done without a reload", async ({ page }) => {
  // The student allowed notifications; the page's notifications are recorded as they are made.
  await page.context().grantPermissions(["notifications"]);
  await page.addInitScript(() => {
    const Real = window.Notification;
    (window as any).notified = [];
    (window as any).Notification = class extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        (window as any).notified.push(`${title}: ${options?.body ?? ""}`);
      }
    };
  });
  await page.goto("/login");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByLabel("Username").fill("e2e-student");
  await page.getByLabel("Password").fill("e2e-student-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByText("No submission of yours is in the queue.")).toBeVisible();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.evaluate(() => ((window as any).notReloaded = true));

  const video = makeVideo();
  submit("e2e-other", video);
  submit("e2e-student", video);

  const mine = page.locator(".status-mine .status-item");
  await expect(mine).toHaveAttribute("data-stage", "waiting", { timeout: 20_000 });
  await expect(mine.locator(".status-headline")).toHaveText("Your video uploaded successfully");
  await expect(mine).toContainText("Waiting for the STT phase");
  await expect(mine).toContainText(/Your position: Batch \d+, student 1\/1/);
  await expect(mine).toContainText(/Estimated wait: .+ until your batch starts/);
  // Once the stream runs, the estimate is a time of day too, on the browser's clock.
  await expect(mine).toContainText(/\(around \d\d:\d\d\)/);
  await expect(mine.locator('.steps li[aria-current="step"]')).toContainText("Transcription (STT)");
  await page.screenshot({ path: "screenshots/student-waiting.png", fullPage: true });
  await expect(mine).toHaveAttribute("data-stage", "processing", { timeout: 20_000 });
  await expect(mine).toContainText(/Current: (STT|evaluation) phase \(\d+\/1 students complete\)/);
  await expect(mine.locator(".status-headline")).toHaveText("Your video is being processed");
  await expect(mine.locator("progress.batch-progress")).toHaveAttribute("max", "1");
  await page.screenshot({ path: "screenshots/student-processing.png", fullPage: true });
  await expect(mine).toHaveAttribute("data-stage", "done", { timeout: 20_000 });
  await expect(page.locator(".status-gpu")).toHaveText("GPU: idle");
  // The student is told, in the page (a live region) and in the tab's title.
  await expect(page.locator(".result-notice")).toContainText("Your result is ready.");
  await expect(page).toHaveTitle(/^✓ Your result is ready/);
  await expect(mine.locator(".status-headline")).toHaveText("Your result is ready");

  expect(await page.evaluate(() => (window as any).notified)).toEqual(["Viva: Your result is ready."]);
  // With notifications already allowed, nothing asks for them again.
  await expect(page.getByRole("button", { name: "Notify me when my results are ready" })).toHaveCount(0);

  expect(await page.evaluate(() => (window as any).notReloaded)).toBe(true);
  // Only the student's own submission was ever listed.
  await expect(mine).toHaveCount(1);

  // Coming back later shows where things stand at once: the server's first paint has it.
  const html = await (await page.request.get("/")).text();
  expect(html).toMatch(/<li(?=[^>]*class="status-item")(?=[^>]*data-stage="done")/);
  expect(html).toContain("Your result is ready");
});

test("a student who has not decided about notifications is offered them, once", async ({ page }) => {
  // A browser that has not asked yet, whose question the student answers with "allow".
  await page.addInitScript(() => {
    let answer: NotificationPermission = "default";
    Object.defineProperty(Notification, "permission", { get: () => answer });
    Notification.requestPermission = async () => (answer = "granted");
  });
  await page.goto("/login");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByLabel("Username").fill("e2e-student");
  await page.getByLabel("Password").fill("e2e-student-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  // e2e-student has a submission (the test above), so there is something to be told about.
  const offer = page.getByRole("button", { name: "Notify me when my results are ready" });
  await offer.click();
  await expect(offer).toHaveCount(0);
});
