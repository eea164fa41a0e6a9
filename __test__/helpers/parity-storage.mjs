// A storage plugin for the `storage://` protocol, behaving like upstream's test `mockStorage`:
// http(s) URIs pass through, others map to a fixed download URL; readText finds nothing.
export const parityStorage = () => ({
  name: "mockStorage",
  supportedProtocol: "storage",
  profiles: {
    runtime: {
      async getDownloadUrl(storageUri) {
        if (/^https?:/.test(storageUri)) return { fileUrl: storageUri };
        return { fileUrl: `https://example.invalid/download?u=${encodeURIComponent(storageUri)}` };
      },
      async readText() {
        return null;
      },
    },
  },
});
