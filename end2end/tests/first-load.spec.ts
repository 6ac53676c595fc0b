import { test, expect } from '@playwright/test';
import { newEmail, signUpThroughTheForm } from './fixtures';

// Figures the test command prints: the WASM a first visit transfers, and how long a reload
// takes until the protected content is on screen. Reported, not asserted (the machine's
// speed is not the product's behaviour); what is asserted is that the content does arrive,
// and that the WASM comes brotli-compressed under a content-hashed name, cached for a year.

test('first visit: the WASM arrives brotli-compressed and its bytes on the wire are printed', async ({
  page,
  request,
}) => {
  // The server precompresses its files (brotli at quality 11) just after it starts, and until
  // then compresses per request at a lower quality. The figure is for the precompressed file,
  // which says so by its length: a response compressed per request is streamed without one.
  const html = await (await request.get('/login')).text();
  const wasmPath = html.match(/href="([^"]+\.wasm)"/)?.[1];
  expect(wasmPath, 'the page preloads its WASM').toBeTruthy();
  await expect
    .poll(
      async () => {
        const head = await request.head(wasmPath!, { headers: { 'accept-encoding': 'br' } });
        return head.headers()['content-encoding'] === 'br' && 'content-length' in head.headers();
      },
      { timeout: 60_000, intervals: [250] },
    )
    .toBe(true);

  const wasm = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('.wasm'));
  await page.goto('/login');
  const response = await wasm;
  expect(response.status()).toBe(200);
  const headers = await response.allHeaders();
  // Chromium sends `Accept-Encoding: gzip, deflate, br, zstd`; brotli is the smallest.
  expect(headers['content-encoding']).toBe('br');
  expect(new URL(response.url()).pathname).toMatch(/^\/pkg\/latch\.[A-Za-z0-9_-]{22}\.wasm$/);
  expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
  const { responseBodySize } = await response.request().sizes();
  expect(responseBodySize).toBeGreaterThan(0);
  console.log(
    `[figure] WASM transferred on a first visit: ${(responseBodySize / 1024).toFixed(1)} KiB ` +
      `(${responseBodySize.toLocaleString('en')} bytes, Content-Encoding: ${headers['content-encoding']})`,
  );
});

test('reload → protected content visible: the median of 20 reloads is printed', async ({ page }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  // When the account's email first shows, and when the whole card does (the email comes with
  // the silent refresh, "member since" from /api/me), in ms since the navigation began (the
  // page's clock).
  await page.addInitScript(() => {
    const seen = () => {
      const shown = document.querySelector('[data-testid="account-email"]')?.textContent ?? '';
      if (shown.includes('@') && !(window as any).__visibleAt) {
        (window as any).__visibleAt = performance.now();
      }
      if (document.querySelector('.details time') && !(window as any).__completeAt) {
        (window as any).__completeAt = performance.now();
      }
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true, characterData: true });
  });
  const times: number[] = [];
  const complete: number[] = [];
  for (let i = 0; i < 20; i++) {
    await page.reload();
    await expect(page.getByTestId('account-email')).toHaveText(email);
    await expect(page.locator('.details time')).toBeVisible();
    times.push(await page.evaluate(() => (window as any).__visibleAt as number));
    complete.push(await page.evaluate(() => (window as any).__completeAt as number));
  }
  const median = (values: number[]) => {
    values.sort((a, b) => a - b);
    return (values[9] + values[10]) / 2;
  };
  console.log(
    `[figure] reload → account email on screen: median ${median(times).toFixed(0)} ms ` +
      `(fastest ${times[0].toFixed(0)}, slowest ${times[19].toFixed(0)}; 20 reloads); ` +
      `whole account card (with /api/me): median ${median(complete).toFixed(0)} ms`,
  );
});
