import { defineConfig } from '@playwright/test';
import base from './playwright.config';
import { recoveryOrigin } from './recovery/origin';

// The README's screenshots, taken from the real pages on the suite's own server
// (scripts/screenshots), so they never drift from what users see.
export default defineConfig({
  ...base,
  testDir: './screenshots',
  // One project, of this folder (the suite's projects name folders of their own).
  projects: [{ name: 'screenshots' }],
  // The server that confirms addresses by mail, as production does.
  use: { ...base.use, baseURL: recoveryOrigin },
  fullyParallel: false,
  workers: 1,
});
