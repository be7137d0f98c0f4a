import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { chromiumArgs, chromiumPath } from "../chromium";
import { expectAccessible, logIn, scratch } from "./helpers";

// Recording in the browser, on the real engines (port 3101). Chromium's fake camera, and a fake
// microphone that plays speech made by espeak-ng, in a loop: what the student "says".

const speech = join(scratch(), "speech.wav");
execFileSync("espeak-ng", ["-v", "en-us", "-s", "130", "-w", speech,
  "The pendulum swings slowly. I timed the pendulum ten times."]);

test.use({
  baseURL: "http://127.0.0.1:3101",
  launchOptions: {
    executablePath: chromiumPath,
    args: [
      ...chromiumArgs,
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${speech}`,
    ],
  },
});

const level = async (page: import("@playwright/test").Page) =>
  Number(await page.locator(".mic-level meter").getAttribute("value"));

test("a student records with the camera, plays it back, submits, and the transcript has the words", async ({ page }) => {
  test.setTimeout(240_000);
  await logIn(page, "e2e-uploader", "e2e-uploader-password");
  const card = page.locator(".lab-card", { hasText: "E2E lab" });
  const recorder = card.locator(".recorder");
  await card.getByRole("button", { name: "Record with camera" }).click();
  await expect(recorder).toHaveAttribute("data-state", "ready");
  await expect(card.getByLabel("Camera preview")).toBeVisible();
  // The fake microphone speaks: the level meter moves before anything is recorded.
  await expect.poll(() => level(page), { timeout: 10_000 }).toBeGreaterThan(0.05);
  await expect(card.locator(".timer .time")).toHaveText(/^0:00 \/ 0:12$/);
  await expectAccessible(page, "recorder, ready");

  await card.getByRole("button", { name: "Start recording" }).click();
  await expect(recorder).toHaveAttribute("data-state", "recording");
  // While it records, the one thing to do is stop.
  await expect(recorder.locator("button:visible")).toHaveText(["Stop recording"]);
  await expect(card.locator(".timer .time")).toHaveText(/^0:0[6-9] \//, { timeout: 20_000 });
  await page.screenshot({ path: "screenshots/student-recording.png", fullPage: true });
  await expectAccessible(page, "recorder, recording");
  // Keyboard focus stays on the button while the timer runs.
  await card.getByRole("button", { name: "Stop recording" }).focus();
  const shown = (await card.locator(".timer .time").textContent()) ?? "";
  await expect(card.locator(".timer .time")).not.toHaveText(shown, { timeout: 5_000 });
  await expect(card.getByRole("button", { name: "Stop recording" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(recorder).toHaveAttribute("data-state", "recorded");
  await expect(card.getByLabel("Camera preview")).toBeHidden();
  await expectAccessible(page, "recorder, recorded");
  const playback = card.getByLabel("Your recording");
  await expect(playback).toHaveAttribute("src", /^blob:/);
  // What the browser recorded plays back: it has data and a picture.
  await expect.poll(() => playback.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 10_000 })
    .toBeGreaterThanOrEqual(1);
  expect(await playback.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);

  await card.getByRole("button", { name: "Submit recording" }).click();
  const uploaded = card.getByRole("status");
  await expect(uploaded).toContainText("Uploaded. Your video is in the queue.", { timeout: 30_000 });
  await uploaded.getByRole("link", { name: "See it" }).click();
  await expect(page.locator(".hint").first()).toContainText("recording.webm");
  // The real engines transcribe it; the page shows the transcript once it is there.
  await expect.poll(async () => {
    await page.reload();
    return (await page.locator(".segments").count()) ? await page.locator(".segments").innerText() : "";
  }, { timeout: 180_000, intervals: [3_000] }).toMatch(/pendulum/i);
});

test("audio only: no camera preview, the level meter still moves, and a take can be discarded", async ({ page }) => {
  await logIn(page, "e2e-uploader", "e2e-uploader-password");
  const card = page.locator(".lab-card", { hasText: "E2E lab" });
  const recorder = card.locator(".recorder");
  await card.getByRole("button", { name: "Record audio only" }).click();
  await expect(recorder).toHaveAttribute("data-state", "ready");
  await expect(card.getByLabel("Camera preview")).toBeHidden();
  await expect.poll(() => level(page), { timeout: 10_000 }).toBeGreaterThan(0.05);
  await card.getByRole("button", { name: "Start recording" }).click();
  await expect(card.locator(".timer .time")).toHaveText(/^0:0[2-9] \//, { timeout: 15_000 });
  await card.getByRole("button", { name: "Stop recording" }).click();
  await expect(recorder).toHaveAttribute("data-state", "recorded");
  const first = await card.getByLabel("Your recording").getAttribute("src");
  expect(first).toMatch(/^blob:/);

  // Record again: a new take replaces the first.
  await card.getByRole("button", { name: "Record again" }).click();
  await expect(recorder).toHaveAttribute("data-state", "ready");
  await card.getByRole("button", { name: "Start recording" }).click();
  await expect(card.locator(".timer .time")).toHaveText(/^0:0[1-9] \//, { timeout: 15_000 });
  await card.getByRole("button", { name: "Stop recording" }).click();
  await expect(recorder).toHaveAttribute("data-state", "recorded");
  const second = await card.getByLabel("Your recording").getAttribute("src");
  expect(second).toMatch(/^blob:/);
  expect(second).not.toBe(first);
  await card.getByRole("button", { name: "Discard" }).click();
  await expect(recorder).toHaveAttribute("data-state", "off");
});

test("a recording stops by itself just before the lab's limit, and the server takes it", async ({ page }) => {
  test.setTimeout(60_000);
  await logIn(page, "e2e-uploader", "e2e-uploader-password");
  const card = page.locator(".lab-card", { hasText: "E2E lab" });
  const recorder = card.locator(".recorder");
  await card.getByRole("button", { name: "Record audio only" }).click();
  await card.getByRole("button", { name: "Start recording" }).click();
  // serve.sh gives the real server a 12 s limit.
  await expect(recorder).toHaveAttribute("data-state", "recorded", { timeout: 20_000 });
  await expect(recorder).toContainText("It stopped at the longest recording this lab takes.");
  await expect(recorder).toContainText(/Your recording \(0:1[01]\)/);
  await card.getByRole("button", { name: "Submit recording" }).click();
  await expect(card.getByRole("status")).toContainText("Uploaded. Your video is in the queue.", { timeout: 30_000 });
  // Once the server has it, the recorder lets it go.
  await expect(recorder).toHaveAttribute("data-state", "off");
});
