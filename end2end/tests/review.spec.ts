import { expect, test, type Browser, type Page } from "@playwright/test";
import { expectAccessible, logIn, spokenVideo } from "./helpers";

// The instructor's review on the fake engine (server on port 3100), in "E2E review lab",
// which releases after review: two students upload; the instructor reviews one with the
// keyboard, changes a criterion and releases; its student sees nothing before release and
// the adjusted grade after, asks for a second look, and gets the instructor's answer.

test.setTimeout(120_000);

async function newPage(browser: Browser) {
  return (await browser.newContext()).newPage();
}

async function upload(page: Page, text: string) {
  const card = page.locator(".lab-card", { hasText: "E2E review lab" });
  await card.locator('input[type="file"]').setInputFiles(spokenVideo(text));
  await expect(card.getByRole("status")).toContainText("Uploaded", { timeout: 30_000 });
  const mine = page.locator(".status-mine .status-item");
  // Awaiting review, not a result: the live status says so.
  await expect(mine.first()).toHaveAttribute("data-stage", "review", { timeout: 60_000 });
}

test("review with the keyboard, release, regrade; evidence seeks the video", async ({ browser }) => {
  const student = await newPage(browser);
  await logIn(student, "e2e-reviewee", "e2e-reviewee-password");
  await upload(student, "I timed the pendulum ten times and found g.");
  const other = await newPage(browser);
  await logIn(other, "e2e-other", "e2e-other-password");
  await upload(other, "My pendulum gave nine point seven.");

  // Before release: no grade on the student's page.
  await student.reload();
  await student.locator(".lab-card", { hasText: "E2E review lab" }).getByRole("link", { name: "See it" }).click();
  await expect(student.locator("main")).toContainText("waiting for your instructor's review");
  await expect(student.locator(".result")).toHaveCount(0);
  const submissionUrl = student.url();

  const teacher = await newPage(browser);
  await logIn(teacher, "e2e-instructor", "e2e-instructor-password");
  await teacher.getByRole("link", { name: "E2E review lab" }).click();
  const row = teacher.locator(".results tbody tr", { hasText: "E2E Reviewee" });
  await expect(row).toHaveAttribute("data-grade-state", "ai_draft", { timeout: 15_000 });
  await expect(teacher.locator(".chart svg").first()).toBeVisible();
  await teacher.screenshot({ path: "screenshots/instructor-review-list.png", fullPage: true });
  await row.getByRole("link", { name: "E2E Reviewee" }).click();
  await expect(teacher.getByRole("heading", { level: 1 })).toHaveText("Review: E2E Reviewee");
  await teacher.locator("body[data-hydrated]").waitFor({ state: "attached" });

  // Clicking the evidence moves the video to where it was said.
  const evidence = teacher.locator("button.evidence").first();
  const at = Number(await evidence.getAttribute("data-evidence-ms"));
  expect(at).toBeGreaterThan(0);
  await evidence.click();
  await expect
    .poll(() => teacher.locator("video").evaluate((v: HTMLVideoElement) => v.currentTime))
    .toBeCloseTo(at / 1000, 2);
  await expect(teacher.locator(".segments mark").first()).toBeVisible();

  // Next and previous follow the review list.
  const here = teacher.url();
  const [forward, back] = (await teacher.locator('a[rel="next"]').count()) > 0 ? ["j", "k"] : ["k", "j"];
  await teacher.keyboard.press(forward);
  await expect(teacher).not.toHaveURL(here);
  await expect(teacher.getByRole("heading", { level: 1 })).toHaveText("Review: E2E Other");
  await teacher.keyboard.press(back);
  await expect(teacher).toHaveURL(here);
  await expect(teacher.getByRole("heading", { level: 1 })).toHaveText("Review: E2E Reviewee");

  // "1" focuses the first criterion's points; the instructor gives full points and saves.
  await teacher.keyboard.press("1");
  const points = teacher.locator("#points-0");
  await expect(points).toBeFocused();
  const max = await points.getAttribute("max");
  await teacher.keyboard.type(max ?? "");
  await teacher.keyboard.press("Control+Enter");
  const state = teacher.locator(".review-nav .badge");
  await expect(state).toHaveAttribute("data-state", "reviewed");
  await expect(teacher.locator(".history")).toContainText("points");
  await expect(student.locator(".result")).toHaveCount(0);
  await expectAccessible(teacher, "review page");
  await teacher.screenshot({ path: "screenshots/instructor-review.png", fullPage: true });
  await teacher.keyboard.press("Escape");
  await teacher.keyboard.press("r");
  await expect(state).toHaveAttribute("data-state", "released");

  // After release: the instructor's points.
  await student.goto(submissionUrl);
  const first = student.locator(".result tbody tr").first();
  await expect(first.locator(".points")).toHaveText(`${max} / ${max}`);
  await student.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await student.getByLabel("What should your instructor look at again?").fill("I explained the timing in detail.");
  await student.getByRole("button", { name: "Ask for a second look" }).click();
  await expect(student.locator(".regrades")).toContainText("Waiting for your instructor's answer.");
  await student.screenshot({ path: "screenshots/student-released-grade.png", fullPage: true });

  // The instructor sees the request in the review list and answers it.
  await teacher.getByRole("link", { name: "← E2E review lab: review list" }).click();
  const asked = teacher.locator(".results tbody tr", { hasText: "E2E Reviewee" });
  await expect(asked.locator(".badge.regrade")).toContainText("1 regrade request", { timeout: 15_000 });
  // One reviewed submission, its first criterion raised: the agreement table shows it.
  const method = teacher.locator(".agreement tbody tr").first();
  await expect(method.locator("td").nth(1)).toHaveText("1");
  await expect(method.locator("td").nth(3)).toContainText("AI too harsh");
  await teacher.locator(".charts").screenshot({ path: "screenshots/instructor-charts.png" });
  await asked.getByRole("link", { name: "E2E Reviewee" }).click();
  await teacher.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await teacher.getByLabel("Your answer").fill("Agreed: the timing is well explained.");
  await teacher.getByRole("button", { name: "Send answer" }).click();
  await expect(teacher.locator(".regrade")).toContainText("Answered: Agreed");
  await student.reload();
  await expect(student.locator(".regrades")).toContainText("Answer: Agreed: the timing is well explained.");
});
