// Prisma 7 for upstream's `prismaAdapter`, offline: the client is generated from the models
// upstream's schema generator writes (`hot-updater db generate` for Prisma), it runs on
// Prisma's query compiler (WebAssembly, no engine binary) over a driver adapter, and the tables
// come from hot-updater-rs's own migrator.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHotUpdater as upstreamCreateHotUpdater } from "@hot-updater/server";
import { prismaAdapter } from "@hot-updater/server/adapters/prisma";
import { generateSchema } from "@hot-updater/server/db";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(import.meta.url);
const clients = new Map();

/** Upstream's Prisma models for `provider` ("sqlite" | "postgresql"). */
export function upstreamPrismaModels(provider) {
  const probe = upstreamCreateHotUpdater({ database: prismaAdapter({ prisma: {}, provider }) });
  return generateSchema(probe, "latest").code;
}

/** The generated PrismaClient class for `provider` (generated once per process). */
export function prismaClientClass(provider) {
  if (!clients.has(provider)) {
    const dir = join(ROOT, "node_modules", ".cache", "hu-prisma", `${provider}-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const schema = join(dir, "schema.prisma");
    const header = `generator client {\n  provider = "prisma-client-js"\n  output   = "./client"\n}\n\ndatasource db {\n  provider = "${provider}"\n}\n\n`;
    writeFileSync(schema, header + upstreamPrismaModels(provider));
    // `prisma generate` needs no schema engine, but the CLI insists on finding one before it
    // starts (and would download it); pointing it at any existing file skips that.
    execFileSync(process.execPath, [require.resolve("prisma/build/index.js"), "generate", "--schema", schema], {
      cwd: ROOT,
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    clients.set(provider, { PrismaClient: require(join(dir, "client")).PrismaClient, dir });
  }
  return clients.get(provider).PrismaClient;
}

/** Removes the generated clients of this process. */
export function removePrismaClients() {
  for (const { dir } of clients.values()) rmSync(dir, { recursive: true, force: true });
  clients.clear();
}
