// Bundles the console's web app: `node build.mjs OUTDIR` writes
// OUTDIR/app.js, OUTDIR/app.css and OUTDIR/index.html, the three files the
// control plane serves (controlplane/console/web_assets.h). The same input
// gives the same bytes: the files are embedded in the binary and their
// SHA-256 is the ETag. Any error exits non-zero.

import * as esbuild from 'esbuild';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

async function main() {
  if (process.argv.length !== 3) {
    console.error('usage: node build.mjs OUTDIR');
    process.exit(2);
  }
  const out = resolve(process.argv[2]);
  await mkdir(out, { recursive: true });

  // src/main.js imports the CSS (its own and uPlot's); esbuild writes it
  // beside app.js as app.css.
  await esbuild.build({
    absWorkingDir: here,
    entryPoints: ['src/main.js'],
    outfile: join(out, 'app.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    sourcemap: false,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  await copyFile(join(here, 'src', 'index.html'), join(out, 'index.html'));

  for (const name of ['index.html', 'app.js', 'app.css']) {
    const body = await readFile(join(out, name));
    const gzipped = gzipSync(body, { level: 9 }).length;
    console.log(`${name.padEnd(10)} ${String(body.length).padStart(7)} bytes, ${String(gzipped).padStart(6)} gzipped`);
  }
}

main().catch((err) => {
  // esbuild has printed its own messages; anything else is shown here.
  if (!err.errors) console.error(err);
  process.exit(1);
});
