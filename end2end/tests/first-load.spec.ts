import { test, expect } from '@playwright/test';
import { newEmail, signUpThroughTheForm } from './fixtures';

// Figures the test command prints: the WASM a first visit transfers, and how long a reload
// takes until the protected content is on screen. Reported, not asserted (the machine's
// speed is not the product's behaviour); what is asserted is that the content does arrive.

test('first visit: the WASM bytes on the wire are printed', async ({ page }) => {
  const wasm = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('.wasm'));
  await page.goto('/login');
  const response = await wasm;
  expect(response.status()).toBe(200);
  const { responseBodySize } = await response.request().sizes();
  expect(responseBodySize).toBeGreaterThan(0);
  const encoding = (await response.allHeaders())['content-encoding'] ?? 'none';
  console.log(
    `[figure] WASM transferred on a first visit: ${(responseBodySize / 1024).toFixed(1)} KiB ` +
      `(Content-Encoding: ${encoding})`,
  );
});

test('reload → protected content visible: the median of 20 reloads is printed', async ({ page }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  // When the account's email first shows, in ms since the navigation began (the page's clock).
  await page.addInitScript(() => {
    const seen = () => {
      const shown = document.querySelector('[data-testid="account-email"]')?.textContent ?? '';
      if (shown.includes('@') && !(window as any).__visibleAt) {
        (window as any).__visibleAt = performance.now();
      }
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true, characterData: true });
  });
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    await page.reload();
    await expect(page.getByTestId('account-email')).toHaveText(email);
    times.push(await page.evaluate(() => (window as any).__visibleAt as number));
  }
  times.sort((a, b) => a - b);
  const median = (times[9] + times[10]) / 2;
  console.log(
    `[figure] reload → account email on screen: median ${median.toFixed(0)} ms ` +
      `(fastest ${times[0].toFixed(0)}, slowest ${times[19].toFixed(0)}; 20 reloads)`,
  );
});
