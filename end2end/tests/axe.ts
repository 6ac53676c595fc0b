import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { hydrated } from './fixtures';

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/** Fails with every WCAG 2.2 A/AA violation axe-core finds on the page as it is now. */
export async function expectNoViolations(page: Page, what: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const found = violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(found, `axe on ${what}`).toEqual([]);
}

/** Ready to look at: hydrated, and no "Loading…" or "Checking…" left on the page. */
export async function settled(page: Page) {
  await hydrated(page);
  await expect(page.getByText(/Loading|Checking/)).toHaveCount(0);
}
