// Debian's Chromium (never a browser that Playwright downloads), and the flags every test
// browser runs with. Specs that need more (fake camera and microphone) add to these.
export const chromiumPath = "/usr/bin/chromium";

export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
