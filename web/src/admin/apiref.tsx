// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTP API reference for admins, rendered from the server's own OpenAPI document
// (GET /api/v1/openapi.json): endpoints grouped by tag, each with its parameters, request body and
// responses; the schemas as tables. Loaded as its own chunk; no Swagger UI (a small table view is
// all an admin needs). The document's text is English; the page's own words follow the UI.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { BASE, request } from '../api/client';
import { useT } from '../i18n';
import { errorText } from '../model/errors';

type Json = Record<string, unknown>;
type Schema = Json & {
  $ref?: string;
  type?: string | string[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  additionalProperties?: Schema | boolean;
  description?: string;
  format?: string;
  const?: unknown;
};
interface Parameter {
  $ref?: string;
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Media {
  schema?: Schema;
}
interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, Media>;
}
interface Operation {
  tags?: string[];
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, Media> };
  responses?: Record<string, Response>;
  security?: unknown[];
}
interface Document {
  info?: { title?: string; description?: string };
  tags?: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; parameters?: Record<string, Parameter>; responses?: Record<string, Response> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function refName(ref: string) {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** "#/components/x/Name" → the object it names. */
function deref<T extends { $ref?: string }>(doc: Document, value: T): T {
  let at: unknown = value;
  for (let i = 0; i < 8 && at && typeof at === 'object' && '$ref' in at; i++) {
    const ref = (at as { $ref: string }).$ref;
    at = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Json)[k] : undefined), doc);
  }
  return (at ?? value) as T;
}

/** The document's text with its `code` spans (Markdown backticks) as <code>. */
function Prose({ text }: { text?: string }) {
  if (!text) return null;
  return (
    <>
      {text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}
    </>
  );
}

function showSchema(name: string) {
  const el = document.getElementById(`api-schema-${name}`) as HTMLDetailsElement | null;
  if (!el) return;
  el.open = true;
  el.scrollIntoView({ block: 'start' });
  el.querySelector('summary')?.focus();
}

/** A schema's type in a few words; a named schema is a button to its table. */
function TypeOf({ schema }: { schema?: Schema }) {
  const t = useT();
  if (!schema) return <span class="muted">—</span>;
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return (
      <button type="button" class="linklike" onClick={() => showSchema(name)} aria-label={t('api.showSchema', { name })}>
        {name}
      </button>
    );
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives)
    return (
      <>
        {alternatives.map((s, i) => (
          <>
            {i > 0 && ' | '}
            <TypeOf schema={s} />
          </>
        ))}
      </>
    );
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes('array'))
    return (
      <>
        {'array<'}
        <TypeOf schema={schema.items} />
        {'>'}
        {types.includes('null') && ' | null'}
      </>
    );
  if (types.includes('object') && schema.additionalProperties && typeof schema.additionalProperties === 'object')
    return (
      <>
        {'map<string, '}
        <TypeOf schema={schema.additionalProperties} />
        {'>'}
      </>
    );
  let text = types.join(' | ') || (schema.const !== undefined ? JSON.stringify(schema.const) : 'any');
  if (schema.format) text += ` (${schema.format})`;
  if (schema.enum) text += `: ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  return <code>{text}</code>;
}

/** A schema's properties as a table, or its type when it has none. */
function SchemaTable({ doc, schema, caption }: { doc: Document; schema: Schema; caption: string }) {
  const t = useT();
  const s = schema.$ref ? deref(doc, schema) : schema;
  const props = Object.entries(s.properties ?? {});
  if (props.length === 0)
    return (
      <p>
        <TypeOf schema={schema} />
      </p>
    );
  return (
    <table class="tickets api-table">
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('api.property')}</th>
          <th scope="col">{t('api.type')}</th>
          <th scope="col">{t('api.required')}</th>
          <th scope="col">{t('api.description')}</th>
        </tr>
      </thead>
      <tbody>
        {props.map(([name, p]) => (
          <tr key={name}>
            <td><code>{name}</code></td>
            <td><TypeOf schema={p} /></td>
            <td>{s.required?.includes(name) ? t('yes') : t('no')}</td>
            <td><Prose text={p.description} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OperationView({ doc, method, path, op }: { doc: Document; method: string; path: string; op: Operation }) {
  const t = useT();
  const params = (op.parameters ?? []).map((p) => deref(doc, p));
  const body = op.requestBody;
  return (
    <details class="api-op" data-testid={`api-op-${method.toUpperCase()} ${path}`}>
      <summary>
        <span class={`api-method api-${method}`}>{method.toUpperCase()}</span> <code>{path}</code> <span>{op.summary}</span>
        {op.security && op.security.length === 0 && <span class="badge">{t('api.public')}</span>}
      </summary>
      <div class="api-body">
        {op.description && <p><Prose text={op.description} /></p>}
        {params.length > 0 && (
          <>
            <h4>{t('api.parameters')}</h4>
            <table class="tickets api-table">
              <caption class="sr-only">{`${t('api.parameters')}: ${method.toUpperCase()} ${path}`}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('api.name')}</th>
                  <th scope="col">{t('api.in')}</th>
                  <th scope="col">{t('api.type')}</th>
                  <th scope="col">{t('api.required')}</th>
                  <th scope="col">{t('api.description')}</th>
                </tr>
              </thead>
              <tbody>
                {params.map((p) => (
                  <tr key={`${p.in}:${p.name}`}>
                    <td><code>{p.name}</code></td>
                    <td>{p.in}</td>
                    <td><TypeOf schema={p.schema} /></td>
                    <td>{p.required ? t('yes') : t('no')}</td>
                    <td><Prose text={p.description} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        {body?.content && (
          <>
            <h4>{t('api.requestBody')}</h4>
            {Object.entries(body.content).map(([type, media]) => (
              <div key={type}>
                <p><code>{type}</code> <TypeOf schema={media.schema} /></p>
                {media.schema && <SchemaTable doc={doc} schema={media.schema} caption={`${t('api.requestBody')}: ${method.toUpperCase()} ${path}`} />}
              </div>
            ))}
          </>
        )}
        <h4>{t('api.responses')}</h4>
        <table class="tickets api-table">
          <caption class="sr-only">{`${t('api.responses')}: ${method.toUpperCase()} ${path}`}</caption>
          <thead>
            <tr>
              <th scope="col">{t('api.status')}</th>
              <th scope="col">{t('api.description')}</th>
              <th scope="col">{t('api.content')}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(op.responses ?? {}).map(([status, r]) => {
              const response = deref(doc, r);
              return (
                <tr key={status}>
                  <td><code>{status}</code></td>
                  <td><Prose text={response.description} /></td>
                  <td>
                    {Object.entries(response.content ?? {}).map(([type, media]) => (
                      <span key={type}>
                        <code>{type}</code> <TypeOf schema={media.schema} />{' '}
                      </span>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </details>
  );
}

export function ApiReference() {
  const t = useT();
  const [doc, setDoc] = useState<Document | null>(null);
  const [err, setErr] = useState('');
  const [filter, setFilter] = useState('');
  useEffect(() => {
    request<Document>('/openapi.json').then(setDoc, (e) => setErr(errorText(e, t)));
  }, []);
  const groups = useMemo(() => {
    if (!doc) return [];
    const needle = filter.trim().toLowerCase();
    const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
    for (const tag of doc.tags ?? []) byTag.set(tag.name, []);
    for (const [path, item] of Object.entries(doc.paths))
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const haystack = `${method} ${path} ${op.summary ?? ''} ${op.operationId ?? ''}`.toLowerCase();
        if (needle && !haystack.includes(needle)) continue;
        const tag = op.tags?.[0] ?? '';
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag)!.push({ method, path, op });
      }
    return [...byTag.entries()].filter(([, ops]) => ops.length > 0);
  }, [doc, filter]);
  return (
    <section class="api-ref" data-testid="api-reference">
      <div class="page-head">
        <h1>{t('api.title')}</h1>
        <div class="row">
          <label for="api-filter" class="sr-only">{t('api.filter')}</label>
          <input
            id="api-filter"
            type="search"
            placeholder={t('api.filter')}
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
            data-testid="api-filter"
          />
          <a class="btn small" href={`${BASE}/openapi.json`} target="_blank" rel="noopener" data-testid="api-raw">
            {t('api.raw')}
          </a>
        </div>
      </div>
      <p class="muted">{t('api.intro')}</p>
      {err && <div class="form-error" role="alert">{err}</div>}
      {!doc ? (
        !err && <p class="muted">{t('loading')}</p>
      ) : (
        <>
          {groups.length === 0 && <p class="empty">{t('api.noMatch')}</p>}
          {groups.map(([tag, ops]) => (
            <section key={tag} class="api-tag" aria-label={tag}>
              <h2>{tag}</h2>
              {ops.map(({ method, path, op }) => (
                <OperationView key={`${method} ${path}`} doc={doc} method={method} path={path} op={op} />
              ))}
            </section>
          ))}
          <section class="api-tag" aria-label={t('api.schemas')}>
            <h2>{t('api.schemas')}</h2>
            {Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => (
              <details key={name} id={`api-schema-${name}`} class="api-op" data-testid={`api-schema-${name}`}>
                <summary>
                  <code>{name}</code> {schema.description && <span class="muted"><Prose text={schema.description} /></span>}
                </summary>
                <div class="api-body">
                  <SchemaTable doc={doc} schema={schema} caption={name} />
                </div>
              </details>
            ))}
          </section>
        </>
      )}
    </section>
  );
}
