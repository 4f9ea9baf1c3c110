// Injected into the CommonJS bundles (scripts/build.mjs): what the ESM sources' `import.meta.url` means there.
export const __cwModuleUrl = require('node:url').pathToFileURL(__filename).href;
