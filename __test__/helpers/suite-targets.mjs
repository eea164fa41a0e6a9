// Adapters from a server (`{ hotUpdater, close }`) to what each shared suite in ../suites expects.

async function wipe(hotUpdater) {
  for (;;) {
    const { data } = await hotUpdater.getBundles({ limit: 1000 });
    if (data.length === 0) return;
    for (const b of data) await hotUpdater.deleteBundleById(b.id);
  }
}

/** For defineUpdateInfoCases: `open({})` resolves to a server. */
export const updateInfoTarget = (open) => async () => {
  const { hotUpdater, close } = await open({});
  return {
    async getUpdateInfo(bundles, args) {
      for (const b of bundles) await hotUpdater.insertBundle(b);
      return hotUpdater.getUpdateInfo(args);
    },
    reset: () => wipe(hotUpdater),
    close,
  };
};

const METHODS = ["getBundleById", "getChannels", "insertBundle", "getBundles", "updateBundleById", "deleteBundleById"];

/** For defineBundleMethodCases. */
export const bundleMethodsTarget = (open) => async () => {
  const { hotUpdater, close } = await open({});
  const api = { close };
  for (const m of METHODS) api[m] = hotUpdater[m].bind(hotUpdater);
  return api;
};
