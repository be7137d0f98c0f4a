import { expect, test } from "@playwright/test";

// An admin manages accounts through the page: adds one user, imports a class list from a
// file, and hands out the generated passwords.

test.beforeEach(async ({ page }) => {
  await page.goto("/login");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByLabel("Username").fill("e2e-admin");
  await page.getByLabel("Password").fill("e2e-admin-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
});

test("an admin adds a user and sees the generated password once", async ({ page }) => {
  const form = page.locator("section", { has: page.getByRole("heading", { name: "Add a user" }) });
  await form.getByLabel("Username").fill("e2e-new");
  await form.getByLabel("Display name").fill("Zoë Ünal");
  await form.getByLabel("Role").selectOption("instructor");
  await form.getByRole("button", { name: "Add user" }).click();

  await expect(form.getByRole("status")).toContainText("shown only once");
  const password = await form.locator("td.password").textContent();
  expect(password).toMatch(/^[A-Za-z0-9]{14}$/);
  await expect(page.locator('tr[data-username="e2e-new"]')).toBeVisible();
});

test("an admin imports a class list file; a bad row imports nothing", async ({ page }) => {
  const form = page.locator("section", { has: page.getByRole("heading", { name: "Import a class list" }) });
  const upload = async (name: string, csv: string) => {
    await form.getByLabel("Class list file").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
    await expect(form.getByLabel("Class list", { exact: true })).toHaveValue(csv);
    await form.getByRole("button", { name: "Import" }).click();
  };

  await upload("bad.csv", "username,display_name,password,role\ne2e-s1,One,,\ne2e-s2,Two,,wizard\n");
  await expect(form.getByRole("alert")).toContainText("Nothing was imported.");
  await expect(form.getByRole("alert")).toContainText("line 3: Unknown role");
  await expect(page.locator('tr[data-username="e2e-s1"]')).toHaveCount(0);

  await upload("class.csv", "username,display_name,password,role\ne2e-s1,One,,\ne2e-s2,Two,,\n");
  await expect(form.getByText("Imported 2 users.")).toBeVisible();
  const download = page.waitForEvent("download");
  await form.getByRole("link", { name: "Download as CSV" }).click();
  const file = await (await download).path();
  const text = require("fs").readFileSync(file, "utf8");
  expect(text.split("\n")[0]).toBe("username,display_name,role,password");
  expect(text).toMatch(/^e2e-s1,One,student,[A-Za-z0-9]{14}$/m);
  await expect(page.locator('tr[data-username="e2e-s2"]')).toBeVisible();
});
