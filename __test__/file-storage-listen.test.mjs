// The fileStorage suite (__test__/file-storage.test.mjs) against the built-in `listen()`: the same
// requests and assertions as under Hono, so the listener's own file routes (downloads, readText,
// delete, served from disk natively) and the forwarded uploads answer as `handler` does.
//
// Run: node --test __test__/file-storage-listen.test.mjs
process.env.HOT_UPDATER_TEST_HOST = "listen";
await import("./file-storage.test.mjs");
