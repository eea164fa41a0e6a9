// The platform packages under npm/: one per target of package.json's `napi.targets`, published as
// `<name>-<platform>` in lock-step with the main package and wired as its optionalDependencies
// when it is packed (scripts/package.mjs).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The oldest glibc the linux-*-gnu binaries load on (RHEL/CentOS 7, Amazon Linux 2). */
export const GLIBC_BASELINE = process.env.HOT_UPDATER_GLIBC || "2.17";

/** Puts the project's zig toolchain (cargo-zigbuild, zig; installed once by zig-env.sh) on `env.PATH`. */
export function useZig(env) {
  const bin = execFileSync("bash", [join(root, "scripts", "zig-env.sh")], { cwd: root, stdio: ["ignore", "pipe", "inherit"] })
    .toString()
    .trim();
  env.PATH = `${bin}${delimiter}${env.PATH}`;
}

/**
 * The cargo target (with its glibc suffix) that `npm run build` compiles this machine's own addon
 * for through zig, or null when it builds for the host as it is. On x86_64 glibc Linux it is
 * x86_64-unknown-linux-gnu.<GLIBC_BASELINE>, so that the binary the tests load is the one the
 * linux-x64-gnu package ships; `HOT_UPDATER_NO_ZIG=1` builds for this machine's glibc only.
 */
export function hostZigTarget() {
  const glibc = Boolean(process.report?.getReport()?.header?.glibcVersionRuntime);
  if (process.platform !== "linux" || process.arch !== "x64" || !glibc || process.env.HOT_UPDATER_NO_ZIG === "1") return null;
  return `x86_64-unknown-linux-gnu.${GLIBC_BASELINE}`;
}

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
