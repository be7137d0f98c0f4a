import { expect, test, type Page } from "@playwright/test";

// What a person does: open Viva, log in through the real form, land on their home page,
// use a control that only works once the page is hydrated, log out.

const accounts = [
  { role: "student", heading: "My lab sessions", name: "E2E Student" },
  { role: "instructor", heading: "My lab sessions", name: "E2E Instructor" },
  { role: "admin", heading: "Users", name: "E2E Admin" },
];

function collectBrowserErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}

async function logIn(page: Page, username: string, password: string) {
  const response = await page.goto("/");
  // Hydration below proves the page's scripts run under its Content-Security-Policy; a
  // violation would be a console error.
  expect(response?.headers()["content-security-policy"]).toContain("'nonce-");
  await expect(page).toHaveURL(/\/login$/);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

for (const { role, heading, name } of accounts) {
  test(`${role} logs in, lands on their home page, and logs out`, async ({ page }) => {
    const errors = collectBrowserErrors(page);
    await logIn(page, `e2e-${role}`, `e2e-${role}-password`);

    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
    await page.locator("body[data-hydrated]").waitFor({ state: "attached" });

    // The user menu opens only if WASM attached its click handler: proof of hydration.
    await page.getByRole("button", { name: new RegExp(name) }).click();
    await expect(page.getByRole("menu")).toBeVisible();
    await expect(page.getByRole("menu")).toContainText(`e2e-${role}`);
    await page.screenshot({ path: `screenshots/${role}-home.png`, fullPage: true });

    await page.getByRole("menuitem", { name: "Log out", exact: true }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login$/);
    expect(errors).toEqual([]);
  });
}

test("a wrong password shows the same clear message as an unknown user", async ({ page }) => {
  await logIn(page, "e2e-student", "not-the-password");
  const wrongPassword = await page.getByRole("alert").textContent();
  await logIn(page, "nobody-by-this-name", "not-the-password");
  await expect(page.getByRole("alert")).toHaveText(wrongPassword ?? "(none)");
  expect(wrongPassword).toContain("Unknown username or wrong password");
});

test("the admin's role filter narrows the user list without a reload", async ({ page }) => {
  await logIn(page, "e2e-admin", "e2e-admin-password");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  const row = (name: string) => page.locator(`table.users tr[data-username="${name}"]`);
  await expect(row("e2e-admin")).toBeVisible();
  await page.getByLabel("Filter by role").selectOption("student");
  await expect(row("e2e-admin")).toHaveCount(0);
  await expect(row("e2e-student")).toBeVisible();
  const roles = await page.locator("table.users tbody select").evaluateAll((s) => s.map((e) => (e as HTMLSelectElement).value));
  expect(new Set(roles)).toEqual(new Set(["student"]));
  await page.getByLabel("Search users").fill("nobody");
  await expect(page.getByText("No users match.")).toBeVisible();
});
