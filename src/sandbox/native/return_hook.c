/*
 * The sys.monitoring PY_RETURN callback of `paper` capture, in C (CPython 3.12+).
 *
 * Paper capture keeps, for every user function, its locals as they were when its last
 * invocation returned (coderl_sandbox/capture.py). The first EAGER_RETURNS returns of a
 * function are recorded by a Python callback (it filters library code and snapshots the
 * locals); after that the function is "hot" and each return only has to remember the
 * returning frame, which is what this callback does without running any Python. A Python
 * callback costs ~0.4 us per return: 6-7x the program time of recursion-heavy code
 * (bench/sandbox, fib(22)); this one leaves the interpreter's own event dispatch, which
 * a no-op builtin callback already measures at ~3x on the same program.
 *
 * No Python headers: the interpreter's C-API functions arrive as pointers, filled by the
 * Python side from ctypes.pythonapi (the same way forkserver.c gets its fork hooks), and
 * objects stay opaque here. State is per process: the server builds the callback before
 * any fork and never runs it; each forked child starts from the empty table.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct py_object py_object; /* opaque: only passed back to the interpreter */

/* CPython's PyMethodDef (stable ABI layout). */
struct method_def {
    const char *name;
    void *method;
    int flags;
    const char *doc;
};
#define METH_FASTCALL 0x0080

/* Filled by capture.py. All references follow the C-API's rules: get_frame borrows,
 * dict_set_item and vectorcall do not steal, the others return new references. */
struct return_hook_api {
    py_object *(*get_frame)(void);
    int (*dict_set_item)(py_object *dict, py_object *key, py_object *value);
    py_object *(*vectorcall)(py_object *callable, py_object *const *args, size_t nargsf, py_object *kwnames);
    py_object *(*long_from_void_ptr)(void *p);
    void (*incref)(py_object *o);
    py_object *(*cfunction_new)(struct method_def *def, py_object *self, py_object *module);
    py_object *none, *disable;
    py_object *eager;  /* Python callable(code, offset, retval): records, or returns DISABLE */
    py_object *frames; /* dict id(code) -> frame, the hot functions' last returning frames */
    uint32_t eager_returns;
};

/* One entry per code object seen returning: an open-addressing table keyed by address.
 * Only user code counts returns, and capture.py keeps every user code object alive, so a
 * counted address is never reused; a library code object may be freed and its address
 * reused, but its entry stays at 0 returns, which sends the new code to the eager
 * callback as if it were new. */
struct entry {
    py_object *code;
    py_object *key;   /* id(code) as a Python int, made when the function turns hot */
    uint32_t returns; /* returns the eager callback recorded */
};

static struct return_hook_api api;
static struct entry *table;
static size_t capacity, used;

static size_t slot_of(py_object *code, size_t cap) {
    uintptr_t h = (uintptr_t)code >> 4; /* objects are 16-byte aligned */
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 20) & (cap - 1);
}

static int grow(void) {
    size_t cap = capacity ? capacity * 2 : 256;
    struct entry *t = calloc(cap, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < capacity; i++) {
        if (!table[i].code) continue;
        size_t j = slot_of(table[i].code, cap);
        while (t[j].code) j = (j + 1) & (cap - 1);
        t[j] = table[i];
    }
    free(table);
    table = t;
    capacity = cap;
    return 0;
}

static struct entry *find(py_object *code) {
    if ((used + 1) * 2 > capacity && grow() != 0) return NULL;
    size_t i = slot_of(code, capacity);
    while (table[i].code && table[i].code != code) i = (i + 1) & (capacity - 1);
    if (!table[i].code) {
        table[i].code = code;
        used++;
    }
    return &table[i];
}

/* callback(code, instruction_offset, retval), the PY_RETURN signature. */
static py_object *on_return(py_object *self, py_object *const *args, ptrdiff_t nargs) {
    (void)self;
    struct entry *e = nargs == 3 ? find(args[0]) : NULL;
    if (e && e->returns >= api.eager_returns) {
        if (!e->key && !(e->key = api.long_from_void_ptr(args[0]))) return NULL;
        py_object *frame = api.get_frame(); /* the returning function's: a C callback pushes none */
        if (frame && api.dict_set_item(api.frames, e->key, frame) != 0) return NULL;
        api.incref(api.none);
        return api.none;
    }
    py_object *result = api.vectorcall(api.eager, args, (size_t)nargs, NULL);
    if (result && e && result != api.disable) e->returns++;
    return result;
}

static struct method_def on_return_def = {"coderl_on_return", (void *)on_return, METH_FASTCALL, NULL};

/* Returns the callback (a new reference), or NULL with a Python error set. Keeps
 * references to the eager callback, the frames dict and the two singletons. */
py_object *coderl_return_hook(const struct return_hook_api *from) {
    api = *from;
    api.incref(api.eager);
    api.incref(api.frames);
    api.incref(api.none);
    api.incref(api.disable);
    return api.cfunction_new(&on_return_def, NULL, NULL);
}
