// Runtime storage plugin for protocol `storage`, mirroring upstream's `mockStorage`
// (@hot-updater/mock): http(s) URIs pass through, anything else maps to a fake download URL.

export function mockDownloadUrl(storageUri) {
  return `https://example.invalid/download?u=${encodeURIComponent(storageUri)}`;
}

export function mockStorage() {
  return () => ({
    name: "mock",
    supportedProtocol: "storage",
    profiles: {
      runtime: {
        async getDownloadUrl(storageUri, _context) {
          try {
            const url = new URL(storageUri);
            if (url.protocol === "http:" || url.protocol === "https:") return { fileUrl: storageUri };
          } catch {
            // not a URL: fall through to the fake download URL
          }
          return { fileUrl: mockDownloadUrl(storageUri) };
        },
        async readText(_storageUri, _context) {
          return null;
        },
      },
    },
  });
}

/** A storage plugin whose getDownloadUrl always rejects with `message`. */
export function failingStorage(message = "storage exploded") {
  return {
    name: "failing",
    supportedProtocol: "storage",
    profiles: {
      runtime: {
        async getDownloadUrl() {
          throw new Error(message);
        },
        async readText() {
          return null;
        },
      },
    },
  };
}
