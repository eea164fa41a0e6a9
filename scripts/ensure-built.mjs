// `npm start` on a fresh clone: build the native addon once if no binary can be loaded.
import { execSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
try {
  require("../lib/binding.js");
} catch (error) {
  if (error.code !== "ERR_HOT_UPDATER_NO_BINARY") throw error;
  console.log("hot-updater-rs: no native binary yet, building it from source (needs cargo; takes a few minutes)…");
  execSync("npm run build", { stdio: "inherit" });
}
