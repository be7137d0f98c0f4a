import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { logIn, scratch } from "./helpers";

// A large upload over a slowed-down connection: the progress bar moves with percent and
// speed, and cancel stops it and leaves nothing on the server.

const media = join(__dirname, "..", "..", "target", "e2e-data-fake", "media");
const stored = () => (existsSync(media) ? readdirSync(media).length : 0);

test("a large upload shows moving progress, and cancel leaves nothing behind", async ({ page }) => {
  await logIn(page, "e2e-uploader", "e2e-uploader-password");
  const filesBefore = stored();
  const big = join(scratch(), "big.mp4");
  writeFileSync(big, Buffer.alloc(24 * 1024 * 1024, 7));

  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2 * 1024 * 1024,
  });

  const card = page.locator(".lab-card").first();
  await card.locator('input[type="file"]').setInputFiles(big);
  const bar = card.locator(".upload-progress progress");
  await expect(bar).toBeVisible();
  await expect.poll(async () => Number(await bar.getAttribute("value")), { timeout: 20_000 }).toBeGreaterThan(5);
  const first = Number(await bar.getAttribute("value"));
  await expect.poll(async () => Number(await bar.getAttribute("value")), { timeout: 20_000 }).toBeGreaterThan(first);
  await expect(card.locator(".upload-numbers")).toContainText(/\d+% · \d+\.\d MB\/s/);
  await page.screenshot({ path: "screenshots/upload-progress.png", fullPage: true });

  await card.getByRole("button", { name: "Cancel" }).click();
  await expect(card.getByRole("alert")).toHaveText("Upload cancelled. Nothing was kept.");
  // The server removes the partial file once the connection drops.
  await expect.poll(stored, { timeout: 10_000 }).toBe(filesBefore);
  await page.reload();
  await expect(page.locator(".lab-card .attempt")).toHaveCount(0);
});
