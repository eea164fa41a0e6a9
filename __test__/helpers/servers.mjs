// Per-test databases on the machine's PostgreSQL and MariaDB servers, created and dropped with
// their command-line clients.
import { execFileSync } from "node:child_process";

const PSQL = ["-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc"];
const MYSQL = ["-h", "127.0.0.1", "-u", "root", "-N", "-e"];

export const psql = (sql, db = "postgres") => execFileSync("psql", ["-d", db, ...PSQL, sql], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
export const mysql = (sql) => execFileSync("mysql", [...MYSQL, sql], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

let counter = 0;
const unique = (prefix) => `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;

/** A fresh PostgreSQL database: `{ name, url, drop() }`. */
export function pgDatabase() {
  const name = unique("hu_test");
  psql(`CREATE DATABASE ${name}`);
  return { name, url: `postgres://postgres@127.0.0.1:5432/${name}`, drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A fresh MariaDB database: `{ name, url, drop() }`. */
export function mysqlDatabase() {
  const name = unique("hu_test");
  mysql(`CREATE DATABASE ${name}`);
  return { name, url: `mysql://root@127.0.0.1:3306/${name}`, drop: () => mysql(`DROP DATABASE IF EXISTS ${name}`) };
}
