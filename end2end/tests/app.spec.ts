import { test, expect, hydrated } from './fixtures';

test('the home page is rendered on the server, before any script runs', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1, name: 'Latch' })).toBeVisible();
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  await context.close();
});

test('the page hydrates and a click works, with no console errors', async ({ page, consoleErrors }) => {
  await page.goto('/');
  await hydrated(page);

  const button = page.getByRole('button', { name: 'How it works' });
  const detail = page.locator('#how-it-works-detail');
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(detail).toBeHidden();

  await button.click();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await expect(detail).toBeVisible();

  await button.click();
  await expect(detail).toBeHidden();
  expect(consoleErrors).toEqual([]);
});

test('an unknown page answers 404 with a helpful page', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page).toHaveURL('/');
});
