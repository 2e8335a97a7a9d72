/**
 * `type(x).__name__` for a modelled value.
 *
 * @module
 */
import type { PyValue } from './types.js';

/**
 * The Python type name: `cls` when the encoder named a subclass or
 * `collections` type (`Counter`, `deque`, `Foo`), else the builtin's name
 * (`NoneType`, `bytearray`, ...). A cycle marker answers the type of the
 * container it stands for; a depth marker, whose type was never looked at,
 * answers `object`.
 */
export function pyTypeName(v: PyValue): string {
  switch (v.kind) {
    case 'none':
      return 'NoneType';
    case 'bool':
      return 'bool';
    case 'bytes':
      return v.cls ?? (v.mutable === true ? 'bytearray' : 'bytes');
    case 'opaque':
      return v.cls;
    case 'marker':
      return v.of ?? 'object';
    default:
      return v.cls ?? v.kind;
  }
}
