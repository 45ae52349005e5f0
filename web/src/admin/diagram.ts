// SPDX-License-Identifier: GPL-3.0-or-later
// Mermaid, loaded on demand (it is large) to draw the live state diagram.
type MermaidApi = typeof import('mermaid').default;
let loading: Promise<MermaidApi> | null = null;
let counter = 0;

function load() {
  loading ??= import('mermaid').then((m) => {
    m.default.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral', flowchart: { htmlLabels: false } });
    return m.default;
  });
  return loading;
}

/** Renders Mermaid text to an SVG string; throws when the text cannot be drawn. */
export async function renderDiagram(text: string): Promise<string> {
  const mermaid = await load();
  const id = `baton-diagram-${++counter}`;
  try {
    const { svg } = await mermaid.render(id, text);
    return svg;
  } finally {
    // Mermaid leaves a scratch element behind when rendering fails.
    document.getElementById(`d${id}`)?.remove();
    document.getElementById(id)?.remove();
  }
}
