#!/usr/bin/env node
// `npm run package`: the tarballs users install, in dist/ —
//   hot-updater-rs-<version>.tgz             the JS, the types and the CLI; every platform package
//                                             as an optionalDependency (added here, at pack time, so
//                                             the repository's own `npm ci` never asks the registry
//                                             for packages that are published later)
//   hot-updater-rs-<platform>-<version>.tgz  each platform whose binary is present (this machine's,
//                                             built by `npm run build` if missing; CI's from
//                                             `napi artifacts` into npm/<platform>/)
//   node scripts/package.mjs [--out <dir>]   (default dist/; prints the tarball paths as JSON last)
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { lockstepProblems, platformPackages, readJson, root } from "./platforms.mjs";

const { values } = parseArgs({ options: { out: { type: "string" } } });
const dist = resolve(values.out ?? join(root, "dist"));
const stage = join(dist, "stage");
const pkg = readJson(join(root, "package.json"));

const problems = lockstepProblems(pkg);
if (problems.length) {
  for (const problem of problems) console.error(`package: ${problem}`);
  process.exit(1);
}

function hostPlatform() {
  const { platform, arch } = process;
  if (platform === "linux") return `linux-${arch}-${process.report?.getReport()?.header?.glibcVersionRuntime ? "gnu" : "musl"}`;
  return platform === "win32" ? `win32-${arch}-msvc` : `${platform}-${arch}`;
}

const platforms = platformPackages(pkg);
const host = platforms.find((p) => p.platform === hostPlatform());
if (host && !existsSync(join(root, host.binary)) && !existsSync(join(host.dir, host.binary))) {
  console.log(`package: ${host.binary} is missing, building it`);
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

function pack(dir) {
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dist], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  return join(dist, JSON.parse(out.toString())[0].filename);
}

const tarballs = [];
for (const { platform, dir, manifest, binary } of platforms) {
  const source = [join(dir, binary), join(root, binary)].find((file) => existsSync(file));
  if (!source) continue;
  const target = join(stage, platform);
  mkdirSync(target);
  writeFileSync(join(target, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(source, join(target, binary));
  copyFileSync(join(root, "LICENSE"), join(target, "LICENSE"));
  writeFileSync(join(target, "README.md"), `# ${manifest.name}\n\nThe ${platform} binary of [${pkg.name}](https://www.npmjs.com/package/${pkg.name}); install \`${pkg.name}\`, not this package.\n`);
  tarballs.push(pack(target));
}

// The main package: what `files` lists, with the optionalDependencies that pull the binary and
// without what only the repository needs (scripts, devDependencies).
const main = join(stage, pkg.name);
mkdirSync(main);
for (const entry of [...pkg.files, "README.md", "LICENSE"]) cpSync(join(root, entry), join(main, entry), { recursive: true });
const { scripts: _scripts, devDependencies: _dev, allowScripts: _allow, ...published } = pkg;
published.optionalDependencies = Object.fromEntries(platforms.map((p) => [p.manifest.name, pkg.version]));
writeFileSync(join(main, "package.json"), `${JSON.stringify(published, null, 2)}\n`);
tarballs.unshift(pack(main));

rmSync(stage, { recursive: true, force: true });
for (const file of tarballs) console.log(`package: ${file}`);
console.log(JSON.stringify(tarballs));
