import { expect, test } from "@playwright/test";
import { logIn } from "./helpers";

// A browser that gives Viva no camera or microphone (this one has none, and grants nothing):
// the student is told so in words, with what to do, and can still choose a file.

test("a refused or missing camera and microphone get a clear message", async ({ page }) => {
  await logIn(page, "e2e-uploader", "e2e-uploader-password");
  const card = page.locator(".lab-card").first();
  await card.getByRole("button", { name: "Record with camera" }).click();
  const recorder = card.locator(".recorder");
  await expect(recorder).toHaveAttribute("data-state", "refused", { timeout: 15_000 });
  await expect(recorder.getByRole("alert")).toContainText(/camera or microphone/);
  await expect(recorder.getByRole("alert")).toContainText(/choose a file|try again/i);
  await recorder.getByRole("button", { name: "Close" }).click();
  await expect(recorder).toHaveAttribute("data-state", "off");
  await expect(card.locator('input[type="file"]')).toBeAttached();
});
