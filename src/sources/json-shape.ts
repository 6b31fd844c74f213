import { FathomError } from '../errors.js';

/**
 * Checks for the JSON an image's metadata must hold, each naming the file and the field in its one-line
 * error: metadata comes from whoever made the image, and a field of the wrong type must not become a
 * "cannot read properties of null" deep inside fathom.
 */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

function wrong(where: string, field: string, v: unknown, expected: string): FathomError {
  if (v === undefined) return new FathomError(`${where}: ${field} is missing (${expected} was expected)`);
  return new FathomError(`${where}: ${field} is ${typeName(v)}, not ${expected}`);
}

export function objectAt(v: unknown, where: string, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw wrong(where, field, v, 'an object');
  return v as Record<string, unknown>;
}

export function listAt(v: unknown, where: string, field: string): unknown[] {
  if (!Array.isArray(v)) throw wrong(where, field, v, 'a list');
  return v;
}

export function stringAt(v: unknown, where: string, field: string): string {
  if (typeof v !== 'string') throw wrong(where, field, v, 'a string');
  return v;
}

/** A field that may be absent (or null), else of the type the check asks. */
export function optional<T>(v: unknown, check: (v: unknown, where: string, field: string) => T, where: string, field: string): T | undefined {
  return v === undefined || v === null ? undefined : check(v, where, field);
}

export function stringListAt(v: unknown, where: string, field: string): string[] {
  const list = listAt(v, where, field);
  list.forEach((s, i) => stringAt(s, where, `${field}[${i}]`));
  return list as string[];
}

export function numberAt(v: unknown, where: string, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw wrong(where, field, v, 'a number');
  return v;
}

export function booleanAt(v: unknown, where: string, field: string): boolean {
  if (typeof v !== 'boolean') throw wrong(where, field, v, 'true or false');
  return v;
}
