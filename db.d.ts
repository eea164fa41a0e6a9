import type { HotUpdaterAPI } from "./index";
export { HotUpdaterSchemaMigrationRequiredError, HOT_UPDATER_SERVER_VERSION } from "./index";

export interface MigrationResult {
  operations: Array<{ type: string; sql?: string; [key: string]: unknown }>;
  execute(): Promise<void>;
  getSQL?(): string;
}

/** Upstream's migrator interface. */
export interface Migrator {
  getVersion(): Promise<string | undefined>;
  getNameVariants(): undefined;
  next(): Promise<{ version: string } | undefined>;
  previous(): Promise<undefined>;
  up(options?: { mode?: "from-schema"; updateSettings?: boolean; unsafe?: boolean }): Promise<MigrationResult>;
  down(): Promise<never>;
  migrateTo(version: string, options?: { mode?: "from-schema" }): Promise<MigrationResult>;
  migrateToLatest(options?: { mode?: "from-schema"; updateSettings?: boolean; unsafe?: boolean }): Promise<MigrationResult>;
}

/** The migrator of the server's database (native SQL, or a Kysely/MongoDB adapter's own). */
export declare function createMigrator(hotUpdater: HotUpdaterAPI): Migrator;

/** The schema of `version` (`"latest"`, `0.21.0`, `0.29.0`, `0.31.0`): SQL DDL for native databases. */
export declare function generateSchema(hotUpdater: HotUpdaterAPI, version?: string, name?: string): { code: string; path: string } | Promise<{ code: string; path: string }>;
