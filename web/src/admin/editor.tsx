// SPDX-License-Identifier: GPL-3.0-or-later
// The workflow editor: YAML on the left (validated as you type), the live diagram on the right,
// problems below, Publish with a diff against the current version.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import { formatTime, formatTimeFull, useT } from '../i18n';
import { href, useRoute } from '../state/router';
import { loadWorkflows } from '../state/session';
import { toast } from '../state/toasts';
import type { PublishConflict, ValidateResult, WorkflowVersionInfo, YamlDiagnostic } from '../api/types';
import { errorText } from '../model/errors';
import type { YamlEditor } from './cm';
import { PublishPanel } from './publishpanel';
import { ZoomableDiagram } from './zoom';

function template(name: string) {
  return `workflow: ${name}
title: ${name}

start:
  roles: [agent]

fields:
  summary: {type: text, label: Summary, required: true}

initial: triage

states:
  triage:
    title: Triage
    queue: QUEUE-NAME
    sla: {resolve: 4h}
    on:
      done: {to: closed}

  closed: {final: true}
`;
}

export function WorkflowEditor({ name }: { name: string }) {
  const t = useT();
  const r = useRoute();
  const isNew = r.query.get('new') === '1';
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<YamlEditor | null>(null);
  const [current, setCurrent] = useState<{ version: number; source: string } | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [result, setResult] = useState<ValidateResult | null>(null);
  const [checking, setChecking] = useState(false);
  const [loadErr, setLoadErr] = useState('');
  const [editorErr, setEditorErr] = useState('');
  const [svg, setSvg] = useState('');
  const [diagramErr, setDiagramErr] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const [publishOpen, setPublishOpen] = useState(false);
  const [publishErr, setPublishErr] = useState('');
  const [publishedMsg, setPublishedMsg] = useState('');
  const [conflict, setConflict] = useState<PublishConflict | null>(null);
  const [versions, setVersions] = useState<WorkflowVersionInfo[] | null>(null);
  const seq = useRef(0);
  const timer = useRef<number | undefined>(undefined);

  // Where each version came from; again after a publish.
  const loadVersions = () =>
    api.versions(name).then(setVersions, () => setVersions(null));

  // Load the current source (or start a new file).
  useEffect(() => {
    api.workflow(name).then(
      (w) => {
        setCurrent({ version: w.version, source: w.source });
        setText(w.source);
        setConflict(w.conflict ?? null);
        void loadVersions();
      },
      (e) => {
        if (e instanceof ApiError && e.status === 404 && isNew) {
          setCurrent(null);
          setText(template(name));
        } else setLoadErr(errorText(e, t));
      },
    );
  }, [name]);

  // Mount CodeMirror (a separate chunk) once the text is known.
  useEffect(() => {
    if (text === null || editor.current || !host.current) return;
    let cancelled = false;
    import('./cm').then(
      (m) => {
        if (cancelled || !host.current) return;
        editor.current = m.createYamlEditor(host.current, text, (s) => setText(s), t('editor.source'));
        if (result) editor.current.setProblems(problems(result));
      },
      () => setEditorErr(t('error.server')),
    );
    return () => {
      cancelled = true;
    };
  }, [text === null]);
  useEffect(() => () => editor.current?.destroy(), []);

  // Validate ~300 ms after the last keystroke; drop answers to older requests.
  useEffect(() => {
    if (text === null) return;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(async () => {
      const my = ++seq.current;
      setChecking(true);
      try {
        const res = await api.validate(text);
        if (my !== seq.current) return;
        setResult(res);
        editor.current?.setProblems(problems(res));
        if (res.mermaid) void draw(res.mermaid, my);
      } catch (e) {
        if (my !== seq.current) return;
        if (e instanceof ApiError && e.status === 422 && Array.isArray((e.details as { errors?: unknown }).errors)) {
          const res = { valid: false, errors: (e.details as { errors: YamlDiagnostic[] }).errors } as ValidateResult;
          setResult(res);
          editor.current?.setProblems(problems(res));
        }
      } finally {
        if (my === seq.current) setChecking(false);
      }
    }, 300);
    return () => window.clearTimeout(timer.current);
  }, [text]);

  const draw = async (mermaidText: string, my: number) => {
    try {
      const { renderDiagram } = await import('./diagram');
      const out = await renderDiagram(mermaidText);
      if (my !== seq.current) return;
      setSvg(out);
      setDiagramErr(false);
    } catch {
      if (my === seq.current) setDiagramErr(true);
    }
  };

  const publish = async () => {
    if (text === null) return;
    setPublishing(true);
    setPublishErr('');
    try {
      const res = await api.publish(name, text);
      const v = res?.version ?? current?.version ?? 1;
      const unchanged = current !== null && v === current.version;
      const msg = unchanged ? t('editor.unchanged', { n: v }) : t('editor.published', { n: v });
      setPublishedMsg(msg);
      toast(msg, 'success');
      setCurrent({ version: v, source: text });
      setPublishOpen(false);
      void loadWorkflows();
      void loadVersions();
      // Publishing the file's text resolves a conflict: the server says whether it remains.
      api.workflow(name).then((w) => setConflict(w.conflict ?? null), () => undefined);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        const errs = (e.details as { errors?: YamlDiagnostic[] }).errors;
        if (Array.isArray(errs)) {
          const res = { valid: false, errors: errs, mermaid: result?.mermaid } as ValidateResult;
          setResult(res);
          editor.current?.setProblems(problems(res));
        }
      }
      setPublishErr(errorText(e, t));
    } finally {
      setPublishing(false);
    }
  };

  const list = result ? problems(result) : [];
  const errorsCount = result?.errors?.length ?? 0;
  const nextVersion = (current?.version ?? 0) + 1;
  const changed = current === null || text !== current.source;

  return (
    <div class="wf-editor" data-testid="workflow-editor">
      <div class="page-head">
        <div>
          <a href={href('/admin/workflows')} class="small">← {t('editor.backToList')}</a>
          <h1>{t('editor.title', { name })}</h1>
        </div>
        <div class="editor-status">
          <span class="muted" data-testid="editor-current-version">
            {current ? t('editor.current', { n: current.version }) : t('editor.notPublished')}
          </span>
          <span
            class={`status-pill ${checking ? 'checking' : result?.valid ? 'ok' : result ? 'bad' : ''}`}
            data-testid="editor-validity"
            data-valid={result ? String(result.valid) : undefined}
            role="status"
          >
            {checking ? t('editor.checking') : result ? (result.valid ? t('editor.valid') : errorsCount === 1 ? t('editor.invalidOne') : t('editor.invalid', { n: errorsCount })) : ''}
          </span>
          <button
            type="button"
            class="btn primary"
            disabled={text === null || !result?.valid || !changed}
            title={!result?.valid ? t('editor.cannotPublish') : undefined}
            onClick={() => setPublishOpen(true)}
            data-testid="editor-publish"
          >
            {t('editor.publish')}
          </button>
        </div>
      </div>
      {loadErr && <div class="form-error" role="alert">{loadErr}</div>}
      {editorErr && <div class="form-error" role="alert">{editorErr}</div>}
      {publishedMsg && <div class="notice" role="status" data-testid="editor-published">{publishedMsg}</div>}
      {conflict && (
        <div class="conflict-warning" role="alert" data-testid="editor-conflict">
          <strong>{t('editor.conflictTitle')}</strong>
          <p>
            {t('editor.conflictBody', {
              file: conflict.file,
              fileVersion: conflict.file_version ?? t('editor.conflictNever'),
              user: conflict.published_by,
              version: conflict.editor_version,
              time: formatTimeFull(conflict.published_at),
            })}
          </p>
        </div>
      )}
      {publishOpen && text !== null && (
        <PublishPanel
          before={current?.source ?? null}
          after={text}
          from={current?.version ?? 0}
          next={nextVersion}
          busy={publishing}
          err={publishErr}
          onCancel={() => setPublishOpen(false)}
          onConfirm={publish}
        />
      )}
      <div class="split">
        <div class="pane editor-pane">
          <h2 class="small-head">{t('editor.source')}</h2>
          {text === null && !loadErr && <p class="muted">{t('loading')}</p>}
          {text !== null && !editor.current && <p class="muted small">{t('editor.loadingEditor')}</p>}
          <div class="cm-host" ref={host} />
        </div>
        <div class="pane diagram-pane">
          <h2 class="small-head">{t('editor.diagram')}</h2>
          <ZoomableDiagram svg={svg}>
            {diagramErr && <p class="muted small">{t('editor.diagramFailed')}</p>}
            {!svg && <p class="muted">{t('editor.diagramEmpty')}</p>}
          </ZoomableDiagram>
        </div>
      </div>
      <section class="problems" aria-labelledby="problems-h">
        <h2 id="problems-h" class="small-head">{t('editor.diagnostics')}</h2>
        {result && list.length === 0 ? (
          <p class="muted small" data-testid="problems-none">{t('editor.noProblems')}</p>
        ) : (
          <ul class="problem-list" data-testid="problems">
            {list.map((p, i) => (
              <li key={i} class={p.severity === 'warning' ? 'warn' : 'err'}>
                <button type="button" class="link-btn" onClick={() => editor.current?.goTo(p.line, p.column)}>
                  {t('editor.line', { line: p.line, column: p.column })}
                </button>{' '}
                {p.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      {versions && versions.length > 0 && <VersionHistory versions={versions} />}
    </div>
  );
}

/** Each version with its origin (a file at start, or a user here) and when. */
function VersionHistory({ versions }: { versions: WorkflowVersionInfo[] }) {
  const t = useT();
  return (
    <section class="versions" aria-labelledby="versions-h">
      <h2 id="versions-h" class="small-head">{t('editor.versions')}</h2>
      <table class="tickets" data-testid="editor-versions">
        <caption class="sr-only">{t('editor.versions')}</caption>
        <thead>
          <tr>
            <th scope="col" class="num">{t('editor.versionCol')}</th>
            <th scope="col">{t('editor.originCol')}</th>
            <th scope="col">{t('editor.timeCol')}</th>
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map((v) => (
            <tr key={v.version} data-testid={`editor-version-${v.version}`} data-origin={v.origin}>
              <td class="num">
                {v.version}
                {v.current && <span class="muted small"> · {t('editor.currentMark')}</span>}
              </td>
              <td>
                {v.origin === 'user'
                  ? t('editor.originUser', { user: v.published_by ?? '' })
                  : v.path
                    ? t('editor.originFile', { path: v.path })
                    : t('editor.originFileUnknown')}
              </td>
              <td title={formatTimeFull(v.published_at)}>{formatTime(v.published_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function problems(r: ValidateResult): YamlDiagnostic[] {
  return [
    ...(r.errors ?? []).map((e) => ({ ...e, severity: e.severity ?? 'error' })),
    ...(r.warnings ?? []).map((e) => ({ ...e, severity: 'warning' })),
  ];
}
