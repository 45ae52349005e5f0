// SPDX-License-Identifier: GPL-3.0-or-later
import { render } from 'preact';
import { App } from './shell/app';
import { ErrorBoundary } from './components/boundary';
import './styles.css';

render(
  <ErrorBoundary>
    <App />
  </ErrorBoundary>,
  document.getElementById('app')!,
);
