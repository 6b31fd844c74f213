import type { ImageConfigJson } from '../../store/store.js';

/** One setting of two image configs side by side; `same` when they agree. */
export interface ConfigRow {
  field: string;
  a: string;
  b: string;
  same: boolean;
}

const json = (v: unknown) => (v === undefined || v === null ? '' : JSON.stringify(v));

/**
 * The run-time settings of two images, field by field, as `docker image inspect` names them: platform,
 * ENTRYPOINT, CMD, USER, WORKDIR, then each ENV variable, each exposed port and each label (a variable
 * set in one image only is a row with the other side empty). Pure: two configs in, rows out.
 */
export function configDifferences(a: ImageConfigJson, b: ImageConfigJson): ConfigRow[] {
  const ca = a.config ?? {};
  const cb = b.config ?? {};
  const rows: ConfigRow[] = [];
  const add = (field: string, x: string, y: string) => rows.push({ field, a: x, b: y, same: x === y });
  add('platform', [a.os, a.architecture, a.variant].filter(Boolean).join('/'), [b.os, b.architecture, b.variant].filter(Boolean).join('/'));
  add('Entrypoint', json(ca.Entrypoint), json(cb.Entrypoint));
  add('Cmd', json(ca.Cmd), json(cb.Cmd));
  add('User', ca.User ?? '', cb.User ?? '');
  add('WorkingDir', ca.WorkingDir ?? '', cb.WorkingDir ?? '');
  const vars = (env: string[] | null | undefined) => new Map((env ?? []).map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  const ea = vars(ca.Env);
  const eb = vars(cb.Env);
  for (const k of [...new Set([...ea.keys(), ...eb.keys()])].sort()) add(`Env ${k}`, ea.has(k) ? ea.get(k)! : '', eb.has(k) ? eb.get(k)! : '');
  const pa = new Set(Object.keys(ca.ExposedPorts ?? {}));
  const pb = new Set(Object.keys(cb.ExposedPorts ?? {}));
  for (const p of [...new Set([...pa, ...pb])].sort()) add(`ExposedPort ${p}`, pa.has(p) ? 'yes' : '', pb.has(p) ? 'yes' : '');
  const la = ca.Labels ?? {};
  const lb = cb.Labels ?? {};
  for (const k of [...new Set([...Object.keys(la), ...Object.keys(lb)])].sort()) add(`Label ${k}`, la[k] ?? '', lb[k] ?? '');
  return rows;
}
