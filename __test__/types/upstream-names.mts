// Every type name upstream's `@hot-updater/server` and `@hot-updater/server/db` export that this
// package provides, used so a missing or renamed one fails to compile.
import { HOT_UPDATER_SERVER_VERSION, HotUpdaterSchemaMigrationRequiredError } from "hot-updater-rs";
import type {
  Bundle,
  ChannelsResponse,
  CreateHotUpdaterOptions,
  DataResponse,
  HandlerAPI,
  HandlerOptions,
  HandlerRoutes,
  HotUpdaterAPI,
  Paginated,
  PaginatedResult,
  PaginationInfo,
  PaginationOptions,
  RuntimeHotUpdaterAPI,
} from "hot-updater-rs";
import type { HotUpdaterDBTarget, MigrationResult, Migrator, SchemaGenerator } from "hot-updater-rs/db";
import * as db from "hot-updater-rs/db";
import hotUpdaterDefault from "hot-updater-rs";

export type All = [
  Bundle,
  ChannelsResponse,
  CreateHotUpdaterOptions,
  DataResponse<number>,
  HandlerAPI,
  HandlerOptions,
  HandlerRoutes,
  HotUpdaterAPI,
  Paginated<Bundle[]>,
  PaginatedResult,
  PaginationInfo,
  PaginationOptions,
  RuntimeHotUpdaterAPI,
  HotUpdaterDBTarget,
  MigrationResult,
  Migrator,
  SchemaGenerator,
];

const api: HotUpdaterAPI = hotUpdaterDefault.createHotUpdater({ database: hotUpdaterDefault.sqliteDatabase({ path: ":memory:" }) });
// Upstream's createHotUpdater result serves as a HandlerAPI.
export const handlerApi: HandlerAPI = api;
export const version: string = HOT_UPDATER_SERVER_VERSION + db.HOT_UPDATER_SERVER_VERSION;
export const error: Error = new HotUpdaterSchemaMigrationRequiredError();
