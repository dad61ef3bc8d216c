// Parses a community's JSON settings the way the Rust SDK does: an empty string
// means `{}`, a missing field takes its default, and every error names the field
// (`settings.window_days: ...`), because operators read these messages.

import { refusal } from './refusal.js';

function typeName(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (Number.isInteger(value)) return 'an integer';
  switch (typeof value) {
    case 'boolean': return 'a boolean';
    case 'number': return 'a number';
    case 'string': return 'a string';
    default: return 'an object';
  }
}

/**
 * Returns the settings as an object whose fields default to `defaults`.
 * Throws a refusal naming the field for invalid JSON, a field not in `defaults`
 * (a misspelt setting must not be silently ignored) or a value whose JSON type
 * differs from its default's. Range checks are the policy's own.
 */
export function parseSettings(text, defaults) {
  let parsed;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw refusal(`settings: invalid JSON: ${error.message}`);
  }
  if (typeName(parsed) !== 'an object') {
    throw refusal(`settings: must be a JSON object, got ${typeName(parsed)}`);
  }
  const settings = { ...defaults };
  for (const [name, value] of Object.entries(parsed)) {
    if (!Object.hasOwn(defaults, name)) {
      const expected = Object.keys(defaults).sort().join(', ') || 'no fields';
      throw refusal(`settings.${name}: unknown field, expected ${expected}`);
    }
    if (typeName(value) !== typeName(defaults[name])) {
      throw refusal(
        `settings.${name}: must be ${typeName(defaults[name])}, got ${typeName(value)} ${JSON.stringify(value)}`,
      );
    }
    settings[name] = value;
  }
  return settings;
}
