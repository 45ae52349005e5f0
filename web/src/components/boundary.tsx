// SPDX-License-Identifier: GPL-3.0-or-later
// Catches rendering errors so a bug shows a sentence and a reload button, never a blank page.
import { Component, type ComponentChildren } from 'preact';
import { t } from '../i18n';

interface Props {
  children: ComponentChildren;
  resetKey?: string;
}
interface State {
  error: unknown;
  key?: string;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  componentDidCatch(error: unknown) {
    console.error(error);
    this.setState({ error, key: this.props.resetKey });
  }

  componentDidUpdate(prev: Props) {
    // Navigating elsewhere gives the new page a fresh chance.
    if (this.state.error && prev.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  render() {
    if (this.state.error) {
      return (
        <div class="crash" role="alert" data-testid="error-boundary">
          <h2>{t('error.crash')}</h2>
          <p>{t('error.crashHint')}</p>
          <button type="button" class="btn primary" onClick={() => location.reload()}>
            {t('error.reload')}
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}
