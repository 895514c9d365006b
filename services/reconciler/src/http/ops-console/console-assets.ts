/**
 * The console's page, stylesheet and script. The script is TypeScript under `console/src`, bundled
 * for the browser by esbuild when the reconciler starts (about a tenth of a second, held in
 * memory): nothing to build beforehand and no stale bundle to forget, and nothing is loaded from
 * elsewhere at run time.
 */
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const consoleDir = new URL('../../../console/', import.meta.url);

export interface ConsoleAssets {
  html: string;
  css: string;
  script: string;
}

export async function loadConsoleAssets(): Promise<ConsoleAssets> {
  const [html, css, bundle] = await Promise.all([
    readFile(new URL('index.html', consoleDir), 'utf8'),
    readFile(new URL('console.css', consoleDir), 'utf8'),
    build({
      entryPoints: [new URL('src/main.ts', consoleDir).pathname],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    }),
  ]);
  const [output] = bundle.outputFiles;
  if (!output) throw new Error('esbuild produced no console bundle');
  return { html, css, script: output.text };
}
