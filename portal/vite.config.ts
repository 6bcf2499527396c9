import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
/** Where `vite dev` / `vite preview` send API calls; the API itself serves the built portal. */
const api = process.env.HOOKRELAY_PORTAL_API ?? "http://127.0.0.1:3000";

export default defineConfig({
  root: here,
  base: "/portal/",
  // Vite 8 transforms TSX with oxc itself: no React plugin (its peer deps do not resolve here).
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/portal", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // The API's CSP allows only same-origin scripts: never inline a module preload polyfill.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rolldownOptions: {
      // react-router marks its modules "use client" (for React Server Components); a browser-only
      // bundle has no use for the directive, so the warning that it is dropped is noise.
      onLog(level, log, handler) {
        if (log.code === "MODULE_LEVEL_DIRECTIVE") return;
        handler(level, log);
      },
    },
  },
  server: { proxy: { "/v1": api, "/openapi.json": api } },
  preview: { proxy: { "/v1": api, "/openapi.json": api } },
});
