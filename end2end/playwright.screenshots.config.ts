import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The README's screenshots, taken from the real pages on the suite's own server
// (scripts/screenshots), so they never drift from what users see.
export default defineConfig({
  ...base,
  testDir: './screenshots',
  fullyParallel: false,
  workers: 1,
});
