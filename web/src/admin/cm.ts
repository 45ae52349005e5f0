// SPDX-License-Identifier: GPL-3.0-or-later
// The CodeMirror 6 YAML editor, in its own chunk: only the workflow editor page loads it.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import {
  drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers,
} from '@codemirror/view';

export interface YamlEditor {
  view: EditorView;
  setProblems(list: { line: number; column: number; message: string; severity?: string }[]): void;
  goTo(line: number, column: number): void;
  destroy(): void;
}

export function createYamlEditor(parent: HTMLElement, doc: string, onChange: (text: string) => void, label: string): YamlEditor {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        yaml(),
        lintGutter(),
        EditorState.tabSize.of(2),
        keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap]),
        // tabindex: axe counts only explicitly focusable elements in the scrolling region (the editable text is one).
        EditorView.contentAttributes.of({ 'aria-label': label, 'data-testid': 'yaml-editor', tabindex: '0' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });

  const pos = (line: number, column: number) => {
    const d = view.state.doc;
    const l = d.line(Math.min(Math.max(1, line || 1), d.lines));
    return { l, from: Math.min(l.from + Math.max(0, (column || 1) - 1), l.to) };
  };

  return {
    view,
    setProblems(list) {
      const diagnostics: Diagnostic[] = list.map((p) => {
        const { l, from } = pos(p.line, p.column);
        // Underline the token at the position (up to the next space), or the whole line.
        const rest = view.state.doc.sliceString(from, l.to);
        const m = /^\S+/.exec(rest);
        const to = m ? from + m[0].length : l.to;
        return {
          from: to > from ? from : l.from,
          to: to > from ? to : l.to,
          severity: p.severity === 'warning' ? 'warning' : 'error',
          message: p.message,
        };
      });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    goTo(line, column) {
      const { from } = pos(line, column);
      view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
      view.focus();
    },
    destroy: () => view.destroy(),
  };
}
