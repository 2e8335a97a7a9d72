/**
 * The TypeScript model of Python values (`docs/typed-values.md`): the
 * {@link PyValue} union, the typed wire codec, CPython's `repr`/`str`/`==`,
 * and Python-flavoured JSON both ways. Re-exports only.
 *
 * @module
 */
export type {
  PyBoolValue,
  PyBytesValue,
  PyClassMeta,
  PyComplexValue,
  PyDictValue,
  PyFloatValue,
  PyFrozensetValue,
  PyIntValue,
  PyKind,
  PyListValue,
  PyMarkerValue,
  PyNoneValue,
  PyOpaqueValue,
  PyRangeValue,
  PySequenceLike,
  PySetValue,
  PyStrValue,
  PyTruncation,
  PyTupleValue,
  PyValue,
} from './types.js';
export {
  pyBool,
  pyBytearray,
  pyBytes,
  pyComplex,
  pyCounter,
  pyCycle,
  pyDefaultdict,
  pyDepth,
  pyDeque,
  pyDict,
  pyFalse,
  pyFloat,
  pyFrozenset,
  pyInt,
  pyList,
  pyNone,
  pyOpaque,
  pyOrderedDict,
  pyRange,
  pySet,
  pyStrValue,
  pyTrue,
  pyTuple,
} from './constructors.js';
export { complexRepr, floatRepr } from './float-repr.js';
export { bytesRepr, isPrintableCodePoint, strRepr } from './str-repr.js';
export { pyRepr, pyStr } from './repr.js';
export { pyTypeName } from './type-name.js';
export { pyHashKey } from './hash-key.js';
export { pyEq } from './equality.js';
export { pyLess } from './ordering.js';
export {
  decodeCapturedVariable,
  decodeTyped,
  encodeTyped,
  TypedValueError,
  type CapturedVariable,
} from './typed-codec.js';
export type { WireFloat, WireInt, WireNode } from './wire-schema.js';
export { parsePythonJson, PythonJsonDecodeError, PYTHON_JSON_MAX_DEPTH } from './python-json.js';
export { pythonJsonDumps, PythonJsonEncodeError } from './python-json-dumps.js';
export { toPythonLiteral } from './literal.js';
