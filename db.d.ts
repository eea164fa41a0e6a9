export { HotUpdaterSchemaMigrationRequiredError, HOT_UPDATER_SERVER_VERSION } from "./index";

/** Upstream's `MigrateOptions`. */
export interface MigrateOptions {
  mode?: "from-schema" | "from-database";
  updateSettings?: boolean;
  unsafe?: boolean;
}

/** Upstream's `MigrationOperation`. */
export type MigrationOperation =
  | { type: "create-table"; value: { ormName: string; columns: Record<string, { ormName: string; type: string }> } }
  | { type: "custom"; sql: string }
  | { type: "custom"; key: string; value: unknown };

/** Upstream's `MigrationResult`. */
export interface MigrationResult {
  operations: MigrationOperation[];
  execute: () => Promise<void>;
  getSQL?: () => string;
}

/** Upstream's migrator interface. */
export interface Migrator {
  getVersion: () => Promise<string | undefined>;
  getNameVariants: () => Promise<unknown>;
  next: () => Promise<{ version: string } | undefined>;
  previous: () => Promise<{ version: string } | undefined>;
  up: (options?: MigrateOptions) => Promise<MigrationResult>;
  down: (options?: MigrateOptions) => Promise<MigrationResult>;
  migrateTo: (version: string, options?: MigrateOptions) => Promise<MigrationResult>;
  migrateToLatest: (options?: MigrateOptions) => Promise<MigrationResult>;
}

/** Upstream's `SchemaGenerator`. */
export type SchemaGenerator = (version: string | "latest", name?: string) => { code: string; path: string };

/** What the database tooling takes: a server made by `createHotUpdater`. */
export type HotUpdaterDBTarget = { readonly adapterName: string };

/** The migrator of the server's database (native SQL, or a Kysely/MongoDB adapter's own). */
export declare function createMigrator(hotUpdater: HotUpdaterDBTarget): Migrator;

/** The schema of `version` (`"latest"`, `0.21.0`, `0.29.0`, `0.31.0`): SQL DDL for native databases. */
export declare function generateSchema(hotUpdater: HotUpdaterDBTarget, version?: string, name?: string): { code: string; path: string } | Promise<{ code: string; path: string }>;
