import { defineConfig } from "@playwright/test";
import { chromiumArgs, chromiumPath } from "./chromium";

// Runs against a throwaway Viva started by serve.sh, in Debian's Chromium (never a
// browser that Playwright downloads).
const port = "3100";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  // Two servers: the fake engine for quick status tests, the real engines for the whole loop.
  webServer: [
    {
      command: "bash ./serve.sh fake",
      url: `http://127.0.0.1:${port}/favicon.svg`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: "bash ./serve.sh real",
      url: "http://127.0.0.1:3101/favicon.svg",
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
