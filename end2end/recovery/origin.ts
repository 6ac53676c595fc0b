// Where playwright.config.ts runs its servers: the suite's (instant sign-up) on
// LATCH_E2E_PORT, and one that requires mail confirmation, as production does, on the next
// port. Imported by the config as well as the specs, so it must not import the test runner.
export const mainPort = Number(process.env.LATCH_E2E_PORT ?? 3107);
export const recoveryPort = mainPort + 1;
export const recoveryOrigin = `http://localhost:${recoveryPort}`;
// The worked example's second service (server/examples/second_service), which the main
// server's pages call across origins: another port, and another name for this machine.
export const servicePort = mainPort + 2;
export const serviceOrigin = `http://127.0.0.1:${servicePort}`;
// The development outbox answers only this machine; ask it by address, not by name.
export const recoveryOutbox = `http://127.0.0.1:${recoveryPort}/dev/outbox/latest.json`;
