import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export async function logIn(page: Page, username: string, password: string) {
  await page.goto("/login");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
}

export function scratch(): string {
  return mkdtempSync(join(tmpdir(), "viva-e2e-"));
}

/** An MP4 of a coloured picture with `text` spoken by espeak-ng. */
export function spokenVideo(text: string, colour = "navy"): string {
  const dir = scratch();
  const speech = join(dir, "speech.wav");
  const video = join(dir, "talk.mp4");
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "130", "-w", speech, text]);
  execFileSync("ffmpeg", [
    "-nostdin", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", `color=c=${colour}:s=160x120:r=10`, "-i", speech,
    "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", video,
  ]);
  return video;
}

/** axe-core finds no serious or critical violation on the page as it is now. */
export async function expectAccessible(page: Page, name: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, name).toEqual([]);
}
