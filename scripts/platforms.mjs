// The platform packages under npm/: one per target of package.json's `napi.targets`, published as
// `<name>-<platform>` in lock-step with the main package and wired as its optionalDependencies
// when it is packed (scripts/package.mjs).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The oldest glibc the linux-*-gnu binaries load on (RHEL/CentOS 7, Amazon Linux 2). */
export const GLIBC_BASELINE = process.env.HOT_UPDATER_GLIBC || "2.17";

const ARCH = { x86_64: "x64", aarch64: "arm64" };
const OS = { "unknown-linux-gnu": "linux", "unknown-linux-musl": "linux", "apple-darwin": "darwin", "pc-windows-msvc": "win32" };
const ABI = { "unknown-linux-gnu": "gnu", "unknown-linux-musl": "musl", "pc-windows-msvc": "msvc" };

/** `x86_64-unknown-linux-gnu` → `linux-x64-gnu`, the suffix napi gives `<binaryName>.<suffix>.node`. */
export function platformOf(triple) {
  const [arch, ...rest] = triple.split("-");
  const system = rest.join("-");
  if (!ARCH[arch] || !OS[system]) throw new Error(`unknown napi target ${triple}`);
  return [OS[system], ARCH[arch], ABI[system]].filter(Boolean).join("-");
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Every platform package: its folder, manifest, and the binary file name it ships. */
export function platformPackages(pkg = readJson(join(root, "package.json"))) {
  return pkg.napi.targets.map((triple) => {
    const platform = platformOf(triple);
    const dir = join(root, "npm", platform);
    const manifestPath = join(dir, "package.json");
    return {
      triple,
      platform,
      dir,
      manifest: existsSync(manifestPath) ? readJson(manifestPath) : null,
      binary: `${pkg.napi.binaryName}.${platform}.node`,
    };
  });
}

/** Problems that would publish a broken set: missing folders, names or versions out of step. */
export function lockstepProblems(pkg = readJson(join(root, "package.json"))) {
  const problems = [];
  for (const { platform, manifest, binary } of platformPackages(pkg)) {
    const where = `npm/${platform}/package.json`;
    if (!manifest) {
      problems.push(`${where} is missing`);
      continue;
    }
    const name = `${pkg.name}-${platform}`;
    if (manifest.name !== name) problems.push(`${where}: name is ${manifest.name}, expected ${name}`);
    if (manifest.version !== pkg.version) problems.push(`${where}: version ${manifest.version} differs from ${pkg.name} ${pkg.version}`);
    if (manifest.main !== binary) problems.push(`${where}: main is ${manifest.main}, expected ${binary}`);
    if (!manifest.files?.includes(binary)) problems.push(`${where}: files does not list ${binary}`);
    if (manifest.license !== pkg.license) problems.push(`${where}: license ${manifest.license} differs from ${pkg.license}`);
  }
  return problems;
}
