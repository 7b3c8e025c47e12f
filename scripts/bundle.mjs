// Bundles the compiled CLI (dist/cli/index.js and everything it imports, dependencies included) into
// dist/bundle/: one file for what every command loads, plus one chunk per lazily imported command action.
// Why (docs/design/decisions.md, esbuild): `trustline up` loaded ~540 files (dist/ and node_modules) one by one,
// a third of its start-up; a bundle resolves, reads and compiles them as a handful of files.
// The bundle is an optional fast path of bin/trustline.js: dist/ stays complete (the library entry points, the
// worker threads' scripts), and bin falls back to dist/cli/index.js when the bundle is missing or older.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');

// Each module keeps its own `import.meta.url` (the file it was compiled to): paths built from it (the package
// file, schema/, worker scripts) resolve as they do unbundled.
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\/dist\/.*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(outdir, args.path).split('\\').join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { trustline: join(dist, 'cli', 'index.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  // Every output file lies in dist/bundle/ itself (no chunk folder): the rewritten import.meta.url above relies on it.
  chunkNames: '[name]-[hash]',
  // Native addon; the certificate library (first start only) needs its reflect polyfill loaded as its own module;
  // libxml2-wasm (XML validate-content only) is 1 MB of WebAssembly loaded from node_modules when first needed.
  external: ['better-sqlite3', '@peculiar/x509', 'reflect-metadata', 'libxml2-wasm'],
  // CommonJS dependencies (undici, yaml, liquidjs) call require() for Node's own modules.
  banner: { js: "import { createRequire as __trustlineCreateRequire } from 'node:module';\nconst require = __trustlineCreateRequire(import.meta.url);" },
  // jsonc-parser's main build is UMD with a require() esbuild cannot follow; its ES module build is the same code.
  alias: { 'jsonc-parser': join(root, 'node_modules', 'jsonc-parser', 'lib', 'esm', 'main.js') },
  plugins: [ownUrl],
  logLevel: 'warning',
  legalComments: 'none',
  metafile: process.env.BUNDLE_META === '1',
});
// BUNDLE_META=1: what each output file holds (bytes by package or dist/ folder), to see what a command loads.
if (result.metafile) mkdirSync(join(root, 'bench', 'out'), { recursive: true });
if (result.metafile) writeFileSync(join(root, 'bench', 'out', 'bundle-meta.json'), JSON.stringify(result.metafile));
