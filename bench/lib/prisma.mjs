// `--database prisma`: upstream's prismaAdapter for both servers, on the tables the harness seeds
// (upstream's schema). The client is Prisma 7's, generated offline from the models upstream's
// schema generator writes, running on Prisma's query compiler over a driver adapter
// (better-sqlite3 for SQLite, node-postgres for PostgreSQL): see __test__/helpers/prisma.mjs.
import { pathToFileURL } from "node:url";

/** upstream's prismaAdapter on the benchmark's database of `spec`: { database, close }. */
export async function prismaPlugin(spec) {
  const [{ prismaAdapter }, { prismaClientClass, removePrismaClients }] = await Promise.all([
    import("@hot-updater/server/adapters/prisma"),
    import("../../__test__/helpers/prisma.mjs"),
  ]);
  let prisma;
  let provider;
  if (spec.db === "postgres") {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    provider = "postgresql";
    prisma = new (prismaClientClass(provider))({ adapter: new PrismaPg({ connectionString: spec.url, max: 4 }) });
  } else if (spec.db === "sqlite") {
    const { PrismaBetterSqlite3 } = await import("@prisma/adapter-better-sqlite3");
    provider = "sqlite";
    prisma = new (prismaClientClass(provider))({ adapter: new PrismaBetterSqlite3({ url: pathToFileURL(spec.path).href }) });
  } else {
    throw new Error(`--database prisma runs on SQLite or PostgreSQL, not ${spec.db}`);
  }
  return {
    database: prismaAdapter({ prisma, provider }),
    close: async () => {
      await prisma.$disconnect();
      removePrismaClients();
    },
  };
}

/** upstream's mongoAdapter on the benchmark's MongoDB database of `spec`: { database, close }. */
export async function mongoAdapterPlugin(spec) {
  const [{ MongoClient }, { mongoAdapter }] = await Promise.all([import("mongodb"), import("@hot-updater/server/adapters/mongodb")]);
  const client = new MongoClient(spec.url, { serverSelectionTimeoutMS: 10_000 });
  return { database: mongoAdapter({ client }), close: () => client.close() };
}
