// The entry point esbuild bundles into /assets/app.js (and, through the
// imports below, /assets/app.css).

import 'uplot/dist/uPlot.min.css';
import './app.css';
import { html, render } from 'htm/preact';
import { App } from './app.js';
import { startRouter } from './router.js';

startRouter();
render(html`<${App} />`, document.getElementById('app'));
