import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, logIn, scratch } from "./helpers";

// Every page, for every role, at a phone's width (360 px) and a desktop's (1280 px): axe-core
// finds no serious or critical violation, nothing is wider than the screen, and a screenshot
// of each goes to end2end/screenshots/. Runs on the fake-engine server (port 3100).

const config = join(__dirname, "..", "..", "target", "e2e-data-fake", "viva.toml");
const widths = [360, 1280];

/** Opens `path` and waits for the page to hydrate; if it never does, says what the server sent. */
async function open(page: Page, path: string) {
  const response = await page.goto(path);
  try {
    await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 30_000 });
  } catch {
    const policy = response?.headers()["content-security-policy"];
    throw new Error(`${path} never hydrated (its Content-Security-Policy: ${policy})`);
  }
}

/** The page as it is, at each width: the layout follows the window, no reload needed. */
async function check(page: Page, name: string) {
  for (const width of widths) {
    await page.setViewportSize({ width, height: 800 });
    await expectAccessible(page, `${name} at ${width} px`);
    await page.screenshot({ path: `screenshots/${name}-${width}.png`, fullPage: true });
    // What sticks out past the screen's right edge (outside anything that scrolls sideways).
    const wide = await page.evaluate(() => [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !e.closest(".table-scroll"))
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`).slice(0, 5));
    expect(wide, `${name} at ${width} px is wider than the screen`).toEqual([]);
  }
}

async function visit(page: Page, path: string, name: string) {
  await open(page, path);
  await check(page, name);
}

/** A graded submission of e2e-other's, through the fake engine; its page's path. */
async function gradedSubmission(page: Page): Promise<string> {
  const video = join(scratch(), "talk.mp4");
  execFileSync("ffmpeg", [
    "-nostdin", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", "color=c=teal:s=160x120:r=10:d=2",
    "-f", "lavfi", "-i", "sine=frequency=300:duration=2",
    "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", video,
  ]);
  execFileSync(process.env.E2E_VIVA_BIN!, [
    "--config", config, "submit", "--student", "e2e-other", "--lab-session", "1", video,
  ]);
  await logIn(page, "e2e-other", "e2e-other-password");
  await expect(page.locator(".status-item").first()).toHaveAttribute("data-stage", "done", { timeout: 30_000 });
  const link = page.locator(".lab-card .attempt a");
  const path = await link.getAttribute("href");
  expect(path).toMatch(/^\/submissions\/\d+$/);
  return path!;
}

test("every page for every role: no serious or critical axe violations, at 360 px and 1280 px", async ({ page }) => {
  test.setTimeout(180_000);
  page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && console.log(`console: ${m.text()}`));
  await visit(page, "/login", "login");
  await visit(page, "/no-such-page", "not-found");

  const submission = await gradedSubmission(page);
  await visit(page, "/", "student-home");
  await page.locator(".lab-card").first().getByRole("button", { name: "Record audio only" }).click();
  // This browser has no camera or microphone: the refusal, as the student sees it. The
  // recorder with devices is checked in record.spec.ts.
  await expect(page.locator(".recorder").first()).toHaveAttribute("data-state", "refused");
  await check(page, "student-home-recorder-refused");
  await visit(page, submission, "student-submission");
  await page.context().clearCookies();

  await logIn(page, "e2e-instructor", "e2e-instructor-password");
  await check(page, "instructor-home");
  await visit(page, "/lab-sessions/1", "instructor-lab-board");
  await visit(page, "/lab-sessions/1/settings", "instructor-lab-settings");
  await visit(page, "/lab-sessions/new", "instructor-new-lab");
  await visit(page, submission, "instructor-submission");
  await page.context().clearCookies();

  await logIn(page, "e2e-admin", "e2e-admin-password");
  await check(page, "admin-home");
});

test("the student's controls are all reachable with the keyboard", async ({ page }) => {
  await logIn(page, "e2e-student", "e2e-student-password");
  const reached = new Set<string>();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    reached.add(await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return "";
      const label = el.getAttribute("aria-label") ?? (el as HTMLInputElement).labels?.[0]?.innerText ?? el.innerText;
      return `${el.tagName.toLowerCase()}:${(label ?? "").trim().split("\n")[0]}`;
    }));
  }
  const seen = [...reached];
  for (const wanted of [/^button:E2E Student/, /^input:Drop your video here/, /^button:Record with camera$/,
    /^button:Record audio only$/, /^input:Join code/, /^button:Join$/]) {
    expect(seen.some((s) => wanted.test(s)), `${wanted} in ${seen.join(" | ")}`).toBe(true);
  }
});
