// TLS to a managed-style PostgreSQL: `sslmode=require` in the connection string encrypts the
// connection (the server on this machine offers TLS with a self-signed certificate).
import { test } from "node:test";
import assert from "node:assert/strict";

import { createHotUpdater, postgresDatabase } from "../index.mjs";
import { pgDatabase, psql } from "./helpers/servers.mjs";

test("postgresDatabase with sslmode=require talks TLS", async (t) => {
  const db = pgDatabase();
  const app = `hu_tls_${process.pid}`;
  const hu = createHotUpdater({
    database: postgresDatabase({ connectionString: `${db.url}?sslmode=require&application_name=${app}`, autoMigrate: true, snapshot: false }),
    basePath: "/",
    routes: { updateCheck: true, bundles: true },
  });
  t.after(async () => {
    await hu.close();
    db.drop();
  });
  const res = await hu.handler(new Request("http://localhost/api/bundles/channels"));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { data: { channels: [] } });
  const ssl = psql(`SELECT DISTINCT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '${app}'`);
  assert.equal(ssl, "t", "every connection of the pool is encrypted");
});
